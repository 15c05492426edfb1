import * as assert from "node:assert";
import { promises as fs, existsSync } from "node:fs";
import * as path from "node:path";
import {
  CheckFailedError,
  ProviderCallError,
  UNKNOWN,
  assertProviderSerializes,
  secret,
  startProviderHost,
  useProviderHost,
  type PropertyMap,
} from "../harness";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { NOT_BOOTABLE, octaviaCheckout, processAlive, REPO_ROOT, tmpDir, waitFor } from "./helpers";

/**
 * AmphoraImageBuild through @pulumi/pulumi's real dynamic-provider host, the way the engine drives it. The host
 * loads `pulumi-amphora/provider/amphora-image-build/provider` from dist/ (`npm test` builds it first).
 */
const TYPE = "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild";
const PASSWORD = "h4rness-r00t-pw";
// The same shim the SDK class registers (sdk/amphora-image-build.ts).
const provider = packageProvider("amphora-image-build/provider");

describe("AmphoraImageBuild through the provider host: lifecycle and serialization", function () {
  this.timeout(60_000);
  const ctx = useProviderHost({ cwd: REPO_ROOT });
  let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
  let out: string;
  let inputs: PropertyMap;

  before(async function () {
    if (!existsSync(path.join(REPO_ROOT, "dist", "provider", "amphora-image-build", "provider.js"))) {
      throw new Error("dist/ is not built: run `npm run build && npm run link-self` (npm test does it)");
    }
    checkout = await octaviaCheckout();
    out = await tmpDir();
    inputs = {
      frontEnd: "octavia",
      script: checkout.script,
      output: path.join(out, "amphora-x64-haproxy.qcow2"),
      sizeGb: 1,
      rootPassword: secret(PASSWORD),
      trace: true,
      progressIntervalSeconds: 0.2,
      validation: NOT_BOOTABLE,
    };
  });
  after(async () => {
    await fs.rm(out, { recursive: true, force: true });
    await fs.rm(checkout.root, { recursive: true, force: true });
  });

  it("the serialized __provider is a small shim with no secret and no path in it", async () => {
    const { bytes } = await assertProviderSerializes(provider, { forbidden: [PASSWORD, "/tmp/", REPO_ROOT], maxBytes: 8_000 });
    assert.ok(bytes < 8_000);
  });

  it("create → same (no build) → element edit → update (rebuild) → refresh → destroy", async () => {
    const lc = await ctx.host.lifecycle(provider, TYPE, "amphora", { additionalSecretOutputs: ["rootPasswordDigest"] });

    const created = await lc.up(inputs);
    assert.strictEqual(created.op, "create");
    assert.strictEqual(created.id, path.join(out, "amphora-x64-haproxy.qcow2"));
    assert.strictEqual(created.outputs.haproxyVersion, "2.6.12-1+deb12u1");
    assert.strictEqual(created.outputs.virtualSize, 1024 ** 3);
    assert.ok(created.output.includes("AmphoraImageBuild amphora-x64-haproxy.qcow2: build"));
    assert.ok(created.output.some((l) => /: \d+s elapsed, /.test(l)) || created.output.some((l) => /builder finished/.test(l)));
    assert.ok(created.secretOutputs.includes("rootPasswordDigest"));
    // What the engine stores: outputs (with __provider) never hold the password.
    const state = lc.state!;
    assert.ok(!JSON.stringify(state.outputs).includes(PASSWORD), "outputs in state");
    assert.ok(!String(state.outputs.__provider).includes(PASSWORD), "__provider");
    assert.ok(!ctx.host.output.some((l) => l.line.includes(PASSWORD)), "host stdout/stderr");
    assert.ok(!(await fs.readFile(String(created.outputs.logPath), "utf8")).includes(PASSWORD), "build log");

    const same = await lc.up(inputs);
    assert.strictEqual(same.op, "same");
    assert.deepStrictEqual(same.output, [], "no plan line, no builder");

    await fs.appendFile(path.join(checkout.elements, "keepalived-octavia", "package-installs.yaml"), "ipvsadm:\n");
    const updated = await lc.up(inputs);
    assert.strictEqual(updated.op, "update");
    assert.strictEqual(updated.id, created.id);
    assert.ok(updated.output.includes("AmphoraImageBuild amphora-x64-haproxy.qcow2: rebuild: element keepalived-octavia changed (1 file)"));
    assert.ok(updated.output.some((l) => / started \(log: /.test(l)), "the builder ran");
    assert.notStrictEqual(updated.outputs.buildKey, created.outputs.buildKey);

    const refreshed = await lc.refresh();
    assert.strictEqual(refreshed.op, "refresh");
    assert.strictEqual(refreshed.outputs?.artifactState, "ok");

    await fs.rm(String(updated.outputs.path));
    const gone = await lc.refresh();
    assert.strictEqual(gone.op, "gone");
    const rebuilt = await lc.up(inputs);
    assert.strictEqual(rebuilt.op, "create");

    await lc.destroy();
    assert.deepStrictEqual(await fs.readdir(out), []);
  });

  it("preview with an unknown output plans a replacement; a bad value fails check naming the field", async () => {
    const lc = await ctx.host.lifecycle(provider, TYPE, "preview");
    await lc.up({ ...inputs, output: path.join(out, "p.qcow2") });
    const preview = await lc.preview({ ...inputs, output: UNKNOWN });
    assert.strictEqual(preview.op, "replace");
    await assert.rejects(lc.up({ ...inputs, output: path.join(out, "p.qcow2"), arch: "sparc", baseOs: "debian" }), (e: unknown) => {
      assert.ok(e instanceof CheckFailedError);
      assert.deepStrictEqual(e.failures.map((f) => f.property).sort(), ["arch", "baseOs"]);
      return true;
    });
    await lc.destroy();
  });

  it("a failed build reaches the CLI with its explanation and no password", async () => {
    const lc = await ctx.host.lifecycle(provider, TYPE, "failing");
    await assert.rejects(lc.up({ ...inputs, output: path.join(out, "f.qcow2"), env: { FIXTURE_FAIL_AFTER: "30", FIXTURE_FAIL_CODE: "3" } }), (e: unknown) => {
      assert.ok(e instanceof ProviderCallError);
      assert.match(e.details, /exited with code 3 \(invalid argument\)/);
      assert.match(e.details, /full log: .*f\.build\.log/);
      assert.ok(!e.details.includes(PASSWORD));
      return true;
    });
    assert.strictEqual(lc.state, undefined);
  });

  it("imageType changed on an output without extension: the old artifact's delete leaves the new build's NAME.d and log", async () => {
    const lc = await ctx.host.lifecycle(provider, TYPE, "retyped");
    const output = path.join(out, "retyped");
    const qcow2 = await lc.up({ ...inputs, output });
    assert.strictEqual(qcow2.outputs.path, `${output}.qcow2`);

    const raw = await lc.up({ ...inputs, output, imageType: "raw" });
    assert.strictEqual(raw.op, "replace");
    assert.strictEqual(raw.deleteBeforeReplace, false, "create-before-delete: the old delete runs after the new build");
    assert.strictEqual(raw.outputs.path, `${output}.raw`);
    assert.ok(!existsSync(`${output}.qcow2`), "the old artifact is deleted");
    assert.ok(raw.output.includes(`AmphoraImageBuild retyped.qcow2: ${output}.d kept: it belongs to ${output}.raw now`), raw.output.join("\n"));
    // The new build's NAME.d and log share the old one's names (same base): they must survive the old delete.
    assert.strictEqual(raw.outputs.manifestDir, path.join(`${output}.d`, "dib-manifests"));
    assert.ok(existsSync(String(raw.outputs.manifestDir)), "the new build's manifests");
    assert.ok(existsSync(String(raw.outputs.logPath)), "the new build's log");
    assert.match(await fs.readFile(String(raw.outputs.logPath), "utf8"), /retyped\.raw/);

    await lc.destroy();
    assert.deepStrictEqual((await fs.readdir(out)).filter((n) => n.startsWith("retyped")), []);
  });

  it("`up --replace` (same output path): the old build's delete leaves the replacement's artifact, NAME.d and log", async () => {
    const lc = await ctx.host.lifecycle(provider, TYPE, "replaced");
    const output = path.join(out, "replaced.qcow2");
    const first = await lc.up({ ...inputs, output });
    const second = await lc.up({ ...inputs, output }, { replace: true });
    assert.strictEqual(second.op, "replace");
    assert.strictEqual(second.deleteBeforeReplace, false, "create-before-delete: the old delete runs after the new build");
    assert.notStrictEqual(second.outputs.artifactFileId, first.outputs.artifactFileId, "the replacement put another file in place");
    for (const file of [output, String(second.outputs.manifestDir), String(second.outputs.logPath)]) {
      assert.ok(existsSync(file), `${file} of the replacement was removed by the old build's delete`);
    }
    assert.ok(second.output.some((l) => l.includes(`${output}, `) && l.includes("kept: another build (a replacement) has put its own there since")), second.output.join("\n"));

    await lc.destroy();
    assert.deepStrictEqual((await fs.readdir(out)).filter((n) => n.startsWith("replaced")), []);
  });
});

describe("AmphoraImageBuild through the provider host: the engine stopping the host kills the build", function () {
  this.timeout(60_000);
  let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
  let out: string;
  before(async () => {
    checkout = await octaviaCheckout();
    out = await tmpDir();
  });
  after(async () => {
    await fs.rm(out, { recursive: true, force: true });
    await fs.rm(checkout.root, { recursive: true, force: true });
  });

  for (const how of ["SIGTERM", "SIGKILL"] as const) {
    it(`${how} to the host during a build ends the builder's whole process group`, async () => {
      const host = await startProviderHost({ cwd: REPO_ROOT });
      const pidfile = path.join(out, `${how}.pid`);
      try {
        const lc = await host.lifecycle(provider, TYPE, `cancel-${how}`);
        const pending = lc
          .up({
            frontEnd: "octavia",
            script: checkout.script,
            output: path.join(out, `${how}.qcow2`),
            env: { FIXTURE_HANG: "1", FIXTURE_PIDFILE: pidfile },
          })
          .catch((e: unknown) => e);
        await waitFor(async () => (await fs.readFile(pidfile, "utf8").catch(() => "")).trim().split(" ").length === 2, 20_000);
        const [sleeper, builder] = (await fs.readFile(pidfile, "utf8")).trim().split(" ").map(Number);
        assert.ok(processAlive(sleeper!) && processAlive(builder!));
        if (how === "SIGTERM") await host.stop();
        else process.kill(host.pid!, "SIGKILL");
        // SIGTERM: the provider's signal handler; SIGKILL: the watchdog (polls every 0.5 s, 5 s grace).
        await waitFor(() => !processAlive(sleeper!) && !processAlive(builder!), 15_000);
        assert.ok((await pending) instanceof Error);
      } finally {
        await host.stop();
      }
    });
  }
});

describe("AmphoraImageBuild rootPasswordFrom: the password is read at build time and stored nowhere", function () {
  this.timeout(60_000);
  const FROM_ENV = "fr0m-env-r00t-pw";
  const FROM_FILE = "fr0m-file-r00t-pw";
  const ctx = useProviderHost({ cwd: REPO_ROOT, env: { AMPHORA_TEST_ROOT_PW: FROM_ENV } });
  let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
  let out: string;

  before(async () => {
    checkout = await octaviaCheckout();
    out = await tmpDir();
  });
  after(async () => {
    await fs.rm(out, { recursive: true, force: true });
    await fs.rm(checkout.root, { recursive: true, force: true });
  });

  for (const [label, password, from] of [
    ["env", FROM_ENV, () => ({ env: "AMPHORA_TEST_ROOT_PW" })],
    ["file", FROM_FILE, () => ({ file: path.join(out, "root-pw") })],
  ] as const) {
    it(`{ ${label} }: built with -r, the state's inputs and outputs and the host's output never hold it`, async () => {
      await fs.writeFile(path.join(out, "root-pw"), `${FROM_FILE}\n`);
      const lc = await ctx.host.lifecycle(provider, TYPE, `from-${label}`, { additionalSecretOutputs: ["rootPasswordDigest"] });
      const inputs = { frontEnd: "octavia", script: checkout.script, output: path.join(out, `${label}.qcow2`), sizeGb: 1, trace: true, rootPasswordFrom: from(), validation: NOT_BOOTABLE };
      const created = await lc.up(inputs);
      assert.strictEqual(created.op, "create");
      assert.strictEqual(created.outputs.rootPasswordSet, true);
      const log = await fs.readFile(String(created.outputs.logPath), "utf8");
      assert.match(log, /^# command: .* -r \*\*\* /m, "the builder got -r (redacted in the log)");
      const state = JSON.stringify(lc.state);
      assert.ok(!state.includes(password), "state (inputs and outputs)");
      assert.ok(!ctx.host.output.some((l) => l.line.includes(password)), "host output");
      assert.deepStrictEqual(lc.state?.inputs.rootPasswordFrom, from());
      assert.strictEqual((await lc.up(inputs)).op, "same", "the same password: no rebuild");
      await lc.destroy();
    });
  }

  it("an unset variable fails the build naming rootPasswordFrom, before the builder runs", async () => {
    const lc = await ctx.host.lifecycle(provider, TYPE, "from-unset");
    const inputs = { frontEnd: "octavia", script: checkout.script, output: path.join(out, "unset.qcow2"), sizeGb: 1, rootPasswordFrom: { env: "AMPHORA_TEST_NO_SUCH_VAR" } };
    await assert.rejects(lc.up(inputs), (e: unknown) => {
      assert.ok(e instanceof ProviderCallError);
      assert.match(e.details, /rootPasswordFrom: environment variable AMPHORA_TEST_NO_SUCH_VAR is not set/);
      return true;
    });
    assert.ok(!existsSync(path.join(out, "unset.qcow2")));
  });
});
