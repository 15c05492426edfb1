/**
 * Proves the provider shim pattern and the engine-faithful harness against the REAL dynamic-provider host.
 *
 * The provider implementation is the plain-JS fixture package test/fixtures/echo-package, made resolvable as the
 * bare specifier "amphora-echo-fixture/provider/echo" from a temporary project directory (symlink in its
 * node_modules), just like "pulumi-amphora/provider/..." is resolved from a user's project.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  CheckFailedError,
  ProviderCallError,
  UNKNOWN,
  assertProviderSerializes,
  secret,
  serializeProvider,
  startProviderHost,
  useProviderHost,
  withoutProvider,
  type ProviderHost,
} from "./harness";
import { packageProvider, shimProvider } from "../sdk/internal/provider-shim";

const repoRoot = path.resolve(__dirname, "..");
const FIXTURE_SPECIFIER = "amphora-echo-fixture/provider/echo";
const TYPE = "pulumi-nodejs:dynamic/amphora:Echo";
const TOKEN = "tok-0123456789";

function makeProjectDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amphora-harness-"));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(
    path.join(repoRoot, "test", "fixtures", "echo-package"),
    path.join(dir, "node_modules", "amphora-echo-fixture"),
    "junction",
  );
  return dir;
}

describe("provider harness + shim, through the real dynamic-provider host", function () {
  const projectDir = makeProjectDir();
  after(() => fs.rmSync(projectDir, { recursive: true, force: true }));

  const ctx = useProviderHost({
    cwd: projectDir,
    project: "amphora-test",
    config: {
      "echo:token": secret(TOKEN), // secret config: the engine strips the wrapper, configure() sees plain text
      greeting: "hello", // project-relative key -> "amphora-test:greeting"
    },
  });
  const echo = shimProvider(FIXTURE_SPECIFIER);

  it("starts like the engine does: plugin info, Configure answers acceptSecrets=false, supportsPreview=false", () => {
    const { host } = ctx;
    assert.strictEqual(host.pluginVersion, (require("@pulumi/pulumi/package.json") as { version: string }).version);
    assert.strictEqual(host.acceptSecrets, false);
    assert.strictEqual(host.supportsPreview, false);
    assert.ok(host.port > 0);
    assert.deepStrictEqual(host.config, { "echo:token": TOKEN, "amphora-test:greeting": "hello" });
  });

  it("check: a failure names the field; lifecycle.up refuses with CheckFailedError", async () => {
    const r = await ctx.host.resource(echo, TYPE, "bad");
    const checked = await r.check({ size: 2 });
    assert.deepStrictEqual(checked.failures, [
      { property: "message", reason: "message is required and must be a string" },
    ]);
    const lc = await ctx.host.lifecycle(echo, TYPE, "bad");
    await assert.rejects(lc.up({ size: "two" }), (e: unknown) => {
      assert.ok(e instanceof CheckFailedError);
      assert.deepStrictEqual(
        e.failures.map((f) => f.property),
        ["message", "size"],
      );
      assert.match(e.message, /message: message is required/);
      return true;
    });
    assert.strictEqual(lc.state, undefined);
  });

  it("full round trip: create, same, update, replace (both orders), refresh, destroy, with plan lines", async () => {
    const { host } = ctx;
    const lc = await host.lifecycle(echo, TYPE, "roundtrip");

    const created = await lc.up({ message: "hi", bucket: "a" });
    assert.strictEqual(created.op, "create");
    assert.match(created.id, /^echo-\d+$/);
    assert.deepStrictEqual(created.inputs, { message: "hi", bucket: "a", size: 1 }); // check() defaulted size
    assert.strictEqual(created.outputs.message, "hi");
    assert.strictEqual(created.outputs.greeting, "hello"); // configure(): project-relative key
    assert.strictEqual(created.outputs.tokenLength, TOKEN.length); // configure(): secret config arrived plain
    assert.deepStrictEqual(created.output, [`+ echo ${created.id} message="hi"`]);
    // the engine stores __provider in both inputs and outputs
    assert.strictEqual(typeof lc.state?.inputs.__provider, "string");
    assert.strictEqual(lc.state?.outputs.__provider, lc.state?.inputs.__provider);

    const same = await lc.up({ message: "hi", bucket: "a" });
    assert.strictEqual(same.op, "same");
    assert.strictEqual(same.diff?.changes, "none");
    assert.deepStrictEqual(same.output, []); // nothing was called beyond check/diff

    const updated = await lc.up({ message: "bye", bucket: "a" });
    assert.strictEqual(updated.op, "update");
    assert.deepStrictEqual(updated.diff?.replaces, []);
    assert.strictEqual(updated.id, created.id);
    assert.deepStrictEqual(updated.output, [`~ echo ${created.id} message="hi" -> "bye"`]);

    const replaced = await lc.up({ message: "bye", bucket: "b" });
    assert.strictEqual(replaced.op, "replace");
    assert.deepStrictEqual(replaced.diff?.replaces, ["bucket"]);
    assert.strictEqual(replaced.deleteBeforeReplace, false);
    assert.strictEqual(replaced.oldId, created.id);
    assert.notStrictEqual(replaced.id, created.id);
    assert.deepStrictEqual(replaced.output, [`+ echo ${replaced.id} message="bye"`, `- echo ${created.id}`]);

    const dbr = await lc.up({ message: "bye", bucket: "c", exclusive: true });
    assert.strictEqual(dbr.op, "replace");
    assert.strictEqual(dbr.deleteBeforeReplace, true);
    assert.deepStrictEqual(dbr.output, [`- echo ${replaced.id}`, `+ echo ${dbr.id} message="bye"`]);

    const refreshed = await lc.refresh();
    assert.strictEqual(refreshed.op, "refresh");
    assert.strictEqual(refreshed.outputs?.readBack, true);

    const destroyed = await lc.destroy();
    assert.deepStrictEqual(destroyed.output, [`- echo ${dbr.id}`]);
    assert.strictEqual(lc.state, undefined);
  });

  it("preview: Check + Diff only, unknown inputs allowed; a new __provider text alone is no change", async () => {
    const lc = await ctx.host.lifecycle(echo, TYPE, "preview");
    const first = await lc.preview({ message: "p", size: UNKNOWN });
    assert.strictEqual(first.op, "create");
    assert.strictEqual(first.inputs.size, UNKNOWN); // computed input reaches check() as the unknown sentinel
    assert.deepStrictEqual(first.output, []); // nothing created

    await lc.up({ message: "p", bucket: "a" });
    assert.strictEqual((await lc.preview({ message: "q", bucket: "a" })).op, "update");
    assert.strictEqual((await lc.preview({ message: "p", bucket: "b" })).op, "replace");
    const noop = await lc.preview({ message: "p", bucket: "a" });
    assert.deepStrictEqual([noop.op, noop.output], ["same", []]);

    // Another serialized provider (e.g. a new SDK version): the provider's diff() decides, not the text change.
    const upgraded = await lc.up({ message: "p", bucket: "a" }, { provider: shimProvider(FIXTURE_SPECIFIER, "sameProvider") });
    assert.strictEqual(upgraded.op, "same");
    await lc.destroy();
  });

  it("low-level calls: diff no-change / change / replace, read of a deleted resource", async () => {
    const r = await ctx.host.resource(echo, TYPE, "lowlevel");
    const checked = await r.check({ message: "x", bucket: "a" });
    const created = await r.create(checked.raw);
    const olds = created.raw; // the engine diffs against the OLD OUTPUTS

    assert.deepStrictEqual(await r.diff(created.id, olds, checked.raw), {
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
      output: [],
    });
    const changed = await r.diff(created.id, olds, { ...checked.raw, message: "y" });
    assert.strictEqual(changed.changes, "some");
    assert.deepStrictEqual(changed.replaces, []);
    const replace = await r.diff(created.id, olds, { ...checked.raw, bucket: "b", exclusive: true });
    assert.deepStrictEqual([replace.changes, replace.replaces, replace.deleteBeforeReplace], ["some", ["bucket"], true]);

    const read = await r.read(created.id, olds, checked.raw);
    assert.strictEqual(read.id, created.id);
    assert.deepStrictEqual(withoutProvider(read.outs), { ...created.outs, readBack: true });

    await r.delete(created.id, olds);
    const gone = await r.read(created.id, olds, checked.raw);
    assert.strictEqual(gone.id, ""); // read() returned {}: the engine drops the resource on refresh
  });

  it("secrets: a secret input reaches the provider as plain text; the engine would re-mark the same-key output", async () => {
    const lc = await ctx.host.lifecycle(echo, TYPE, "secret", { additionalSecretOutputs: ["remoteId"] });
    const r = await lc.up({ message: "s", password: secret("pw-plain-inside") });
    assert.strictEqual(r.outputs.password, "pw-plain-inside");
    assert.deepStrictEqual(r.secretOutputs.sort(), ["password", "remoteId"]);
    await lc.destroy();
  });

  it("undefined in outputs fails visibly, as in the engine ('Unexpected struct type'), and the host survives", async () => {
    const lc = await ctx.host.lifecycle(echo, TYPE, "undef");
    await assert.rejects(lc.up({ message: "u", emitUndefined: true }), (e: unknown) => {
      assert.ok(e instanceof ProviderCallError, String(e));
      assert.strictEqual(e.method, "create");
      assert.match(e.details, /Unexpected struct type/);
      assert.match(e.message, /returned a value protobuf cannot carry/);
      return true;
    });
    // still serving
    const ok = await lc.up({ message: "after" });
    assert.strictEqual(ok.op, "create");
    await lc.destroy();
  });

  it("provider errors surface with their message (create error, unresolvable implementation module)", async () => {
    const lc = await ctx.host.lifecycle(echo, TYPE, "fails");
    await assert.rejects(lc.up({ message: "m", failCreate: "quota exceeded for images" }), (e: unknown) => {
      assert.ok(e instanceof ProviderCallError);
      assert.strictEqual(e.details, "quota exceeded for images");
      assert.match(e.message, /^create urn:pulumi:test::amphora-test::pulumi-nodejs:dynamic\/amphora:Echo::fails failed \(UNKNOWN\): quota/);
      return true;
    });

    const missing = await ctx.host.resource(shimProvider("not-installed-anywhere/provider/x"), TYPE, "missing");
    await assert.rejects(missing.check({ message: "m" }), (e: unknown) => {
      assert.ok(e instanceof ProviderCallError);
      assert.match(e.details, /cannot load the provider implementation "not-installed-anywhere\/provider\/x"/);
      assert.ok(e.details.includes(fs.realpathSync(projectDir)) || e.details.includes(projectDir));
      return true;
    });
  });

  it("a configure() failure is reported on every call of that shim (the host alone would go on unconfigured)", async () => {
    const broken = await ctx.host.resource(shimProvider(FIXTURE_SPECIFIER, "brokenProvider"), TYPE, "broken");
    for (const call of [() => broken.check({ message: "m" }), () => broken.create({ message: "m" })]) {
      await assert.rejects(call(), (e: unknown) => {
        assert.ok(e instanceof ProviderCallError);
        assert.strictEqual(e.details, "echo: configuration incomplete: echo:authUrl is not set");
        return true;
      });
    }
    assert.ok(!ctx.host.stdout.includes("+ echo created while unconfigured"));
  });

  it("configure() and create() see the same implementation module instance, across shims", async () => {
    const { host } = ctx;
    // A second shim pointing at the same module (other export name => other serialized text => the host
    // deserializes and configures it separately) still shares the one module instance and its state.
    const second = shimProvider(FIXTURE_SPECIFIER, "sameProvider");
    const a = await (await host.lifecycle(echo, TYPE, "shared-a")).up({ message: "a" });
    const b = await (await host.lifecycle(second, TYPE, "shared-b")).up({ message: "b" });
    assert.strictEqual(a.outputs.moduleInstance, b.outputs.moduleInstance);
    assert.strictEqual(b.outputs.greeting, "hello");
    assert.strictEqual(b.outputs.configureCount, 2);
    // configure ran once per distinct serialized provider (echo, sameProvider), always in the same module
    const configured = host.stdout.filter((l) => l.startsWith("echo: configured"));
    assert.deepStrictEqual(configured, [
      `echo: configured #1 (module ${a.outputs.moduleInstance})`,
      `echo: configured #2 (module ${a.outputs.moduleInstance})`,
    ]);
  });

  it("an inline closure provider: module-level state set in configure() is NOT seen by create()", async () => {
    let seen: string | undefined; // captured by value into each serialized method
    const inline: pulumi.dynamic.ResourceProvider = {
      async configure(req) {
        seen = req.config.get("greeting");
      },
      async create() {
        return { id: "inline-1", outs: { seen: seen ?? null } };
      },
    };
    const r = await ctx.host.resource(inline, "pulumi-nodejs:dynamic:Inline", "inline");
    const created = await r.create({});
    assert.deepStrictEqual(created.outs, { seen: null });
  });
});

describe("the shim's serialized __provider text", function () {
  it("captures only the specifier and export name, keeps a free require(), and is small", async () => {
    const { text, bytes } = await assertProviderSerializes(shimProvider(FIXTURE_SPECIFIER), {
      forbidden: [TOKEN, "hunter2"],
      maxBytes: 6_000,
    });
    assert.ok(text.includes(`with({ specifier: "${FIXTURE_SPECIFIER}", exportName: "provider", this: undefined`));
    assert.ok(text.includes("mod = require(specifier);"));
    // every captured environment in the text: only the shim's own functions and the two strings
    const envs = [...text.matchAll(/with\(\{ (.*?) \}\)/g)].map((m) => m[1]);
    for (const env of envs) {
      assert.match(env ?? "", /^(?:(?:specifier: "[^"]+"|exportName: "provider"|\w+: __\w+), )*this: undefined, arguments: undefined$/);
    }
    assert.ok(bytes < 6_000, `shim text is ${bytes} bytes`);
  });

  it("is identical whether the SDK runs under ts-node or from the tsc build (dist/)", async function () {
    const built = path.join(repoRoot, "dist", "sdk", "internal", "provider-shim.js");
    if (!fs.existsSync(built)) this.skip(); // `npm test` builds first (pretest)
    const fromDist = (require(built) as typeof import("../sdk/internal/provider-shim")).packageProvider(
      "glance-tagged-image/provider",
    );
    const fromTs = packageProvider("glance-tagged-image/provider");
    assert.strictEqual((await serializeProvider(fromDist)).text, (await serializeProvider(fromTs)).text);
  });
});

describe("assertProviderSerializes", function () {
  it("catches a credential captured by a closure provider, without echoing it", async () => {
    const password = "hunter2-planted-credential";
    const leaky: pulumi.dynamic.ResourceProvider = {
      async create() {
        return { id: "x", outs: { auth: `Basic ${password}` } };
      },
    };
    await assert.rejects(assertProviderSerializes(leaky, { forbidden: [password] }), (e: unknown) => {
      assert.ok(e instanceof assert.AssertionError);
      assert.match(e.message, /forbidden string \("hu…", 26 chars\)/);
      assert.ok(!e.message.includes(password), "the failure message must not contain the credential");
      return true;
    });
  });

  it("catches a credential held in a field of a class-instance provider", async () => {
    class Leaky implements pulumi.dynamic.ResourceProvider {
      constructor(private readonly apiKey: string) {}
      async create() {
        return { id: this.apiKey.slice(0, 1), outs: {} };
      }
    }
    await assert.rejects(
      assertProviderSerializes(new Leaky("sk-live-planted"), { forbidden: ["sk-live-planted"] }),
      /forbidden string/,
    );
  });

  it("fails when serialization throws (a zod schema built at module level) and when over budget", async () => {
    const schema = z.object({ name: z.string() });
    const zodProvider: pulumi.dynamic.ResourceProvider = {
      async create(inputs) {
        return { id: "z", outs: schema.parse(inputs) };
      },
    };
    await assert.rejects(assertProviderSerializes(zodProvider), /provider does not serialize: .*could not be serialized/s);

    const big = "x".repeat(30_000);
    const fat: pulumi.dynamic.ResourceProvider = {
      async create() {
        return { id: big.slice(0, 1), outs: {} };
      },
    };
    await assert.rejects(assertProviderSerializes(fat), /over the 20000-byte budget\. Largest parts: __f1/);
  });
});

describe("pulumi.dynamic.Resource (setMocks program) vs the harness", function () {
  it("registers the same __provider text the harness sends, under pulumi-nodejs:dynamic/<module>:<type>", async () => {
    const registered: { type: string; provider: unknown }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, provider: args.inputs.__provider });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "amphora-test",
      "test",
      false,
    );
    const echo = shimProvider(FIXTURE_SPECIFIER);
    class Echo extends pulumi.dynamic.Resource {
      constructor(name: string, props: { message: pulumi.Input<string> }) {
        super(echo, name, props, undefined, "amphora", "Echo");
      }
    }
    const res = new Echo("mocked", { message: "m" });
    await new Promise<void>((resolve) => res.urn.apply(() => resolve()));
    assert.strictEqual(registered.length, 1);
    assert.strictEqual(registered[0]?.type, TYPE);
    assert.strictEqual(registered[0]?.provider, (await serializeProvider(echo)).text);
  });
});

describe("self-link: pulumi-amphora/provider/* resolves in a host running in the repository", function () {
  let host: ProviderHost | undefined;
  after(async () => host?.stop());

  it("the host loads the package's built module through node_modules/pulumi-amphora and package exports", async function () {
    this.timeout(20_000);
    const built = path.join(repoRoot, "dist", "provider", "openstack", "errors.js");
    const link = path.join(repoRoot, "node_modules", "pulumi-amphora");
    if (!fs.existsSync(built) || !fs.existsSync(link)) this.skip(); // run via `npm test` (pretest builds and links)
    host = await startProviderHost({ cwd: repoRoot });
    // errors.js is a real module of the package but no provider: the shim's "does not export" error (not
    // "cannot load") proves the specifier resolved in the host.
    const r = await host.resource(packageProvider("openstack/errors"), TYPE, "selflink");
    await assert.rejects(r.check({}), /the module "pulumi-amphora\/provider\/openstack\/errors" does not export a dynamic provider/);
    const pid = host.pid as number;
    await host.stop();
    assert.throws(() => process.kill(pid, 0), /ESRCH/); // the host process is gone
  });
});
