import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { buildKeyOf, canonicalJson, computeKeyParts } from "../../provider/amphora-image-build/build-key";
import { changedFiles, digestElementRoots } from "../../provider/amphora-image-build/element-tree";
import { packageVersions, parseDpkgManifest } from "../../provider/amphora-image-build/manifests";
import { observeLine, progressLine, type ProgressState } from "../../provider/amphora-image-build/progress";
import { redactor } from "../../provider/amphora-image-build/redact";
import { FIXTURE_DIB, parseInputs, tmpDir } from "./helpers";

describe("AmphoraImageBuild build key and its helpers", () => {
  let dir: string;
  before(async () => {
    dir = await tmpDir();
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it("element digests see content, the executable bit and symlink targets, and skip .git", async () => {
    const root = path.join(dir, "elements");
    await fs.mkdir(path.join(root, "e1", "install.d"), { recursive: true });
    await fs.mkdir(path.join(root, "e1", ".git"), { recursive: true });
    await fs.writeFile(path.join(root, "e1", "install.d", "50-x"), "#!/bin/sh\n");
    await fs.symlink("50-x", path.join(root, "e1", "install.d", "60-y"));
    const d0 = await digestElementRoots([root]);
    await fs.writeFile(path.join(root, "e1", ".git", "HEAD"), "ref\n");
    assert.strictEqual((await digestElementRoots([root])).e1?.hash, d0.e1?.hash, ".git is ignored");
    await fs.chmod(path.join(root, "e1", "install.d", "50-x"), 0o755);
    const d1 = await digestElementRoots([root]);
    assert.notStrictEqual(d1.e1?.hash, d0.e1?.hash, "chmod +x changes the key (DIB runs only executables)");
    await fs.unlink(path.join(root, "e1", "install.d", "60-y"));
    await fs.symlink("other", path.join(root, "e1", "install.d", "60-y"));
    const d2 = await digestElementRoots([root]);
    assert.strictEqual(changedFiles(d1.e1, d2.e1), 1);
    assert.deepStrictEqual(Object.keys(d2.e1?.files ?? {}), ["install.d/50-x", "install.d/60-y"]);
  });

  it("the same element name in two roots: the first is `name`, the other `name@root`", async () => {
    const a = path.join(dir, "a");
    const b = path.join(dir, "b");
    await fs.mkdir(path.join(a, "dup"), { recursive: true });
    await fs.mkdir(path.join(b, "dup"), { recursive: true });
    assert.deepStrictEqual(Object.keys(await digestElementRoots([a, b, path.join(dir, "missing")])), ["dup", `dup@${b}`]);
  });

  it("dib key parts: the command's bytes and --version, ELEMENTS_PATH contents; localImage by size and time", async () => {
    const image = path.join(dir, "base.qcow2");
    await fs.writeFile(image, "x");
    const inputs = parseInputs({ frontEnd: "dib", command: FIXTURE_DIB, output: path.join(dir, "o"), elements: ["x"], elementsPath: [dir], localImage: image });
    const parts = await computeKeyParts(inputs);
    assert.strictEqual(parts.builder, "3.13.0-fixture");
    assert.deepStrictEqual(Object.keys(parts.files).sort(), ["command", "localImage"]);
    assert.ok(Object.keys(parts.elements).includes("elements"));
    await fs.writeFile(image, "xy");
    const after = await computeKeyParts(inputs);
    assert.notStrictEqual(after.files.localImage, parts.files.localImage);
    assert.notStrictEqual(buildKeyOf(after), buildKeyOf(parts));
  });

  it("the --version probe: once per installation in a process, skipped when the state knows the same installation", async () => {
    const bin = path.join(dir, "probe-bin");
    await fs.mkdir(bin, { recursive: true });
    const dib = path.join(bin, "disk-image-create");
    const calls = path.join(bin, "calls");
    const script = (version: string): string => `#!/bin/sh\necho x >> ${calls}\necho ${version}\n`;
    await fs.writeFile(dib, script("9.1.0"), { mode: 0o755 });
    const probes = async (): Promise<number> => (await fs.readFile(calls, "utf8").catch(() => "")).split("\n").filter(Boolean).length;
    const inputs = parseInputs({ frontEnd: "dib", command: dib, output: path.join(dir, "p"), elements: ["x"], elementsPath: [bin] });
    const first = await computeKeyParts(inputs);
    assert.strictEqual(first.builder, "9.1.0");
    assert.match(first.builderIdentity, new RegExp(`^${dib}:.*\\|/.*sh:`), "the script and its interpreter");
    await computeKeyParts(inputs);
    assert.strictEqual(await probes(), 1, "one probe per process and installation");
    const known = await computeKeyParts(inputs, { builder: "recorded-in-state", builderIdentity: first.builderIdentity });
    assert.strictEqual(known.builder, "recorded-in-state", "the state's version is used for the same installation");
    await fs.writeFile(dib, script("9.2.0"), { mode: 0o755 });
    const upgraded = await computeKeyParts(inputs, { builder: first.builder, builderIdentity: first.builderIdentity });
    assert.strictEqual(upgraded.builder, "9.2.0", "a rewritten disk-image-create is probed again");
    assert.notStrictEqual(upgraded.builderIdentity, first.builderIdentity);
    assert.strictEqual(await probes(), 2);
    assert.notStrictEqual(buildKeyOf(upgraded), buildKeyOf(first));
    assert.strictEqual(buildKeyOf({ ...first, builderIdentity: "other" }), buildKeyOf(first), "the identity is not part of the key");
  });

  it("canonical JSON ignores key order and undefined", () => {
    assert.strictEqual(canonicalJson({ b: 1, a: { d: [1, { y: 1, x: 2 }], c: undefined } }), '{"a":{"d":[1,{"x":2,"y":1}]},"b":1}');
  });

  it("redaction covers the raw value and its shell spellings", () => {
    const redact = redactor(["it's $ecret"]);
    assert.strictEqual(redact("pw=it's $ecret"), "pw=***");
    assert.strictEqual(redact("+ echo 'it'\\''s $ecret'"), "+ echo '***'");
    assert.strictEqual(redact('declare -x DIB_PASSWORD="it\'s \\$ecret"'), 'declare -x DIB_PASSWORD="***"');
    assert.strictEqual(redactor([])("unchanged"), "unchanged");
  });

  it("progress: phases and hook scripts from DIB's output", () => {
    const state: ProgressState = { phase: "", step: "", lines: 0 };
    const feed = (l: string): void => observeLine(state, `2026-11-21 23:45:30.464 | ${l}`);
    feed("Building elements: base debian-minimal");
    assert.strictEqual(state.phase, "starting");
    feed("Running hooks from /tmp/dib_build.x/hooks/root.d");
    feed("dib-run-parts Running /tmp/dib_build.x/hooks/root.d/08-debootstrap");
    assert.deepStrictEqual([state.phase, state.step], ["root.d", "08-debootstrap"]);
    feed("dib-run-parts Running /tmp/in_target.d/install.d/50-haproxy-octavia");
    feed("> Unpacking haproxy (2.6.12-1) ...");
    assert.deepStrictEqual([state.phase, state.step], ["install.d", "50-haproxy-octavia"]);
    feed("INFO diskimage_builder.block_device.blockdevice [-] Creating fstab");
    assert.strictEqual(state.phase, "block-device");
    assert.strictEqual(progressLine("disk-image-create img", state, 125_000), "disk-image-create img: 2m05s elapsed, block-device (6 log lines)");
  });

  it("package versions: DIB's dpkg manifest first, agent from the git manifest, kernel release from the package", async () => {
    const manifests = path.join(dir, "img.d", "dib-manifests");
    await fs.mkdir(manifests, { recursive: true });
    // DIB 3.13's hand-made JSON, as written by 99-write-dpkg-manifest
    await fs.writeFile(
      path.join(manifests, "dib-manifest-dpkg-img"),
      '{"packages": [\n{"package": "haproxy","arch": "amd64","version": "2.6.12-1+deb12u4","status": "ii "    },\n' +
        '{"package": "linux-image-6.1.0-56-amd64","arch": "amd64","version": "6.1.192-2","status": "ii "    },\n' +
        '{"package": "linux-image-amd64","arch": "amd64","version": "6.1.192-2","status": "ii "    }\n]}\n',
    );
    await fs.writeFile(path.join(manifests, "dib-manifest-git-img"), "amphora-agent git /opt/amphora-agent https://opendev.org/openstack/octavia 1a2b3c\n");
    assert.strictEqual(parseDpkgManifest("not json {\"package\": \"a\",\"version\": \"1\"}").a, "1");
    const v = await packageVersions(manifests, { keepalived: "1:2.2.7-1", haproxy: "older" }, ["nftables"]);
    assert.deepStrictEqual(v, {
      haproxy: "2.6.12-1+deb12u4",
      keepalived: "1:2.2.7-1",
      kernel: "6.1.0-56-amd64",
      agent: "git 1a2b3c",
      versions: { "linux-image-6.1.0-56-amd64": "6.1.192-2", haproxy: "2.6.12-1+deb12u4", keepalived: "1:2.2.7-1" },
    });
  });
});
