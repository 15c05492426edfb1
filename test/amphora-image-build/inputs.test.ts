import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { UNKNOWN } from "../../provider/common/check";
import { provider } from "../../provider/amphora-image-build/provider";
import { FIXTURE_SCRIPT, tmpDir } from "./helpers";

/** `check` as the engine calls it; returns the failing properties and the checked inputs. */
async function check(news: Record<string, unknown>): Promise<{ props: string[]; reasons: string[]; inputs: Record<string, unknown> }> {
  const r = await provider.check!({}, news);
  const failures = r.failures ?? [];
  return { props: failures.map((f) => f.property), reasons: failures.map((f) => f.reason), inputs: r.inputs as Record<string, unknown> };
}

describe("AmphoraImageBuild check: inputs validated as the builders validate them", () => {
  let out: string;
  let octavia: Record<string, unknown>;
  let dib: Record<string, unknown>;
  before(async () => {
    out = await tmpDir();
    octavia = { frontEnd: "octavia", script: FIXTURE_SCRIPT, output: path.join(out, "amphora.qcow2") };
    dib = { frontEnd: "dib", elements: ["debian-minimal"], command: "/bin/true", output: path.join(out, "img") };
  });
  after(() => fs.rm(out, { recursive: true, force: true }));

  it("accepts the minimal octavia and dib inputs and applies the defaults", async () => {
    const a = await check(octavia);
    assert.deepStrictEqual(a.props, []);
    assert.strictEqual(a.inputs.imageType, "qcow2");
    assert.strictEqual(a.inputs.sizeGb, 2);
    assert.strictEqual(a.inputs.timeoutSeconds, 7200);
    assert.deepStrictEqual(a.inputs.validation, {
      integrity: true,
      virtualSize: true,
      kernel: true,
      packages: true,
      requiredPackages: [],
      boot: { enabled: "auto", timeoutSeconds: 600, memoryMb: 1024, cpus: 1, accelerator: "auto" },
    });
    assert.deepStrictEqual((await check(dib)).props, []);
  });

  it("resolves a relative output against the project directory", async () => {
    const rel = path.relative(process.cwd(), path.join(out, "rel.qcow2"));
    assert.strictEqual((await check({ ...octavia, output: rel })).inputs.output, path.join(out, "rel.qcow2"));
  });

  const rejected: [string, Record<string, unknown>, string, RegExp][] = [
    ["an architecture no builder knows", { arch: "sparc" }, "arch", /must be one of/],
    ["i386 (dib knows it, the script does not)", { arch: "i386" }, "arch", /not accepted by diskimage-create.sh -a/],
    ["backend other than haproxy", { backend: "nginx" }, "backend", /haproxy/],
    ["baseOs debian (the script has none)", { baseOs: "debian" }, "baseOs", /ubuntu-minimal/],
    ["imageType vmdk", { imageType: "vmdk" }, "imageType", /qcow2/],
    ["fractional sizeGb", { sizeGb: 2.5 }, "sizeGb", /whole number/],
    ["sizeGb 0", { sizeGb: 0 }, "sizeGb", /at least 1/],
    ["sizeGb as a string", { sizeGb: "2" }, "sizeGb", /number/],
    ["fedora below 3 GB", { baseOs: "fedora", sizeGb: 2 }, "sizeGb", /at least 3 for baseOs fedora/],
    ["rhel without localImage", { baseOs: "rhel", sizeGb: 3 }, "localImage", /DIB_LOCAL_IMAGE/],
    ["kernelPackage for centos", { baseOs: "centos-minimal", kernelPackage: "kernel" }, "kernelPackage", /only used with baseOs ubuntu-minimal/],
    ["localElements without a path", { localElements: ["my-element"] }, "localElementsPath", /DIB_LOCAL_ELEMENTS_PATH/],
    ["a dib-only input", { packages: ["curl"] }, "packages", /not read by the octavia front end/],
    ["DIB_ELEMENTS through env", { env: { DIB_ELEMENTS: "x" } }, "env.DIB_ELEMENTS", /use the input elements/],
    ["DIB_PASSWORD through env", { env: { DIB_PASSWORD: "x" } }, "env.DIB_PASSWORD", /rootPassword/],
    ["an env name that is not a variable", { env: { "1X": "y" } }, "env.1X", /shell variable name/],
    ["a root password with a newline", { rootPassword: "a\nb" }, "rootPassword", /control characters/],
    ["rootPassword and rootPasswordFrom both", { rootPassword: "pw", rootPasswordFrom: { env: "PW" } }, "rootPasswordFrom", /together with rootPassword/],
    ["rootPasswordFrom naming no variable", { rootPasswordFrom: { env: "A B" } }, "rootPasswordFrom.env", /environment variable name/],
    ["an element name with a space", { elements: ["base vm"] }, "elements.0", /element name/],
    ["release with a space", { release: "no ble" }, "release", /spaces/],
    ["a non-URL mirror", { distributionMirror: "mirror" }, "distributionMirror", /URL/],
    ["a requiredPackages entry twice", { validation: { requiredPackages: ["a", "a"] } }, "validation.requiredPackages", /twice/],
  ];
  for (const [what, change, property, reason] of rejected) {
    it(`octavia: refuses ${what}, naming ${property}`, async () => {
      const r = await check({ ...octavia, ...change });
      assert.ok(r.props.includes(property), `failures: ${JSON.stringify(r.reasons)}`);
      assert.match(r.reasons[r.props.indexOf(property)] ?? "", reason);
      // The engine prints `property <name> value … has a problem: <reason>`: a reason never repeats its property.
      r.props.forEach((prop, i) => assert.ok(!(r.reasons[i] ?? "").startsWith(`${prop}: `), `${prop}: ${r.reasons[i] ?? ""}`));
    });
  }

  it("dib: requires elements, refuses octavia-only inputs and TMPDIR/ELEMENTS_PATH through env", async () => {
    const r = await check({ ...dib, elements: [], rootPassword: "pw", env: { TMPDIR: "/x", ELEMENTS_PATH: "/y" } });
    assert.deepStrictEqual(r.props.sort(), ["elements", "env.ELEMENTS_PATH", "env.TMPDIR", "rootPassword"]);
  });

  it("refuses unknown inputs by name", async () => {
    const r = await check({ ...octavia, sizeGB: 3 });
    assert.match(r.reasons.join(" "), /unknown input "sizeGB"/);
  });

  it("checks the filesystem: output directory, script, Octavia elements, dib command, element paths", async () => {
    const noExec = path.join(out, "not-executable.sh");
    await fs.writeFile(noExec, "#!/bin/sh\n", { mode: 0o644 });
    assert.deepStrictEqual((await check({ ...octavia, output: "/nonexistent-dir/amphora.qcow2" })).props, ["output"]);
    assert.deepStrictEqual((await check({ ...octavia, script: noExec })).props, ["script"]);
    const lonely = path.join(out, "lonely", "diskimage-create", "diskimage-create.sh");
    await fs.mkdir(path.dirname(lonely), { recursive: true });
    await fs.copyFile(FIXTURE_SCRIPT, lonely);
    const noElements = await check({ ...octavia, script: lonely });
    assert.deepStrictEqual(noElements.props, ["script"]);
    assert.match(noElements.reasons[0] ?? "", /no Octavia elements directory .*exits 1/);
    assert.deepStrictEqual((await check({ ...octavia, script: lonely, octaviaRepoPath: out })).props, ["octaviaRepoPath"]);
    assert.deepStrictEqual((await check({ ...dib, command: "no-such-disk-image-create" })).props, ["command"]);
    assert.deepStrictEqual((await check({ ...dib, elementsPath: [out, "/nonexistent"] })).props, ["elementsPath.1"]);
  });

  it("validates known inputs while others are still unknown (preview), without failing on the unknown ones", async () => {
    const r = await check({ ...octavia, output: UNKNOWN, sizeGb: 0, rootPassword: UNKNOWN });
    assert.deepStrictEqual(r.props, ["sizeGb"]);
    assert.strictEqual(r.inputs.output, UNKNOWN);
  });
});
