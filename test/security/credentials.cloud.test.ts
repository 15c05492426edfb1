/**
 * No credential (password, application-credential secret, token, root password) in `__provider`, in outputs, in
 * state or in any line the provider host prints, with real credentials of the local cloud configured the way a
 * user configures them: `openstack:*` stack config with the credential as a secret, one provider host per kind of
 * credential (password, application credential, token, and a wrong password for the error path). Every resource
 * goes through a lifecycle in the real dynamic-provider host; a scanner greps everything the engine would store
 * or show, plus the builder's environment and build log. Any Keystone (Fernet) token found counts as a leak too,
 * so the tokens the hosts obtained themselves are covered without knowing them.
 */
import { strict as assert } from "node:assert";
import { randomBytes, randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { configureOpenStack, glanceClient } from "../../provider/common/provider-context";
import { getImage } from "../../provider/glance";
import { AmphoraImageBuild, GlanceTaggedImage, SnapshotStorePolicy } from "../../sdk";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { NOT_BOOTABLE, readRecord, octaviaCheckout, tmpDir } from "../amphora-image-build/helpers";
import { cleanupImages, Files, uniqueTag, type TestImage } from "../glance-tagged-image/support";
import {
  assertProviderSerializes,
  isSecret,
  ProviderCallError,
  secret,
  serializeProvider,
  useProviderHost,
  type Lifecycle,
  type PropertyMap,
  type ProviderHostContext,
  type StepResult,
} from "../harness";
import { glanceFor, runId, storesOf, TestImages } from "../snapshot-store-policy/cloud-support";
import { readCloud, sessionFor, type LocalCloud } from "../support/cloud";
import { assertBuilt, CredentialScanner, hostEnv, plainState, REPO_ROOT, TYPES } from "./support";

const PROVIDERS = {
  AmphoraImageBuild: packageProvider("amphora-image-build/provider"),
  GlanceTaggedImage: packageProvider("glance-tagged-image/provider"),
  SnapshotStorePolicy: packageProvider("snapshot-store-policy/provider"),
} as const;

const TYPE_OF = { AmphoraImageBuild: TYPES.build, GlanceTaggedImage: TYPES.image, SnapshotStorePolicy: TYPES.policy } as const;

const CLOUDS: readonly LocalCloud[] = ["local-admin", "local-demo", "local-alt"];

/** `openstack:*` stack config for a password user of the local cloud, the password as a secret. */
function passwordConfig(cloud: LocalCloud, password?: string): Record<string, unknown> {
  const { auth, region_name } = readCloud(cloud);
  return {
    "openstack:authUrl": auth.auth_url,
    "openstack:userName": auth.username,
    "openstack:password": secret(password ?? auth.password),
    "openstack:tenantName": auth.project_name,
    "openstack:userDomainName": auth.user_domain_name,
    "openstack:projectDomainName": auth.project_domain_name,
    ...(region_name ? { "openstack:region": region_name } : {}),
  };
}

interface AppCredential {
  id: string;
  name: string;
  secret: string;
}

describe("security: no credential in __provider, outputs, state or host output @cloud", function () {
  this.timeout(60_000);
  const scanner = new CredentialScanner([]);
  const ROOT_PASSWORD = `r00t-${randomBytes(9).toString("base64url")}`;
  const files = new Files();
  const snapshots = new TestImages();
  const resourceKeys: string[] = [];
  let appCredential: AppCredential | undefined;
  let demoToken = "";
  let a: TestImage;
  let b: TestImage;
  /** additionalSecretOutputs each SDK class declares (read from the SDK under mocks). */
  const declaredSecretOutputs: Record<string, string[]> = {};

  before(async () => {
    assertBuilt();
    for (const cloud of CLOUDS) scanner.add({ label: `${cloud} password`, value: readCloud(cloud).auth.password });
    scanner.add({ label: "AmphoraImageBuild rootPassword", value: ROOT_PASSWORD });
    const demo = await sessionFor("local-demo");
    const identity = await demo.serviceClient("identity");
    const body = await identity.http
      .post(`${identity.endpoint}/users/${demo.userId}/application_credentials`, {
        json: { application_credential: { name: `security-${runId}`, roles: [{ name: "member" }] } },
      })
      .json<{ application_credential: AppCredential }>();
    appCredential = body.application_credential;
    scanner.add({ label: "application credential secret (demo)", value: appCredential.secret });
    demoToken = await demo.token();
    scanner.add({ label: "token (demo)", value: demoToken });
    [a, b] = [await files.image(64 * 1024), await files.image(64 * 1024)];
  });

  after(async function () {
    this.timeout(30_000);
    if (appCredential) {
      const demo = await sessionFor("local-demo");
      const identity = await demo.serviceClient("identity");
      await identity.http.delete(`${identity.endpoint}/users/${demo.userId}/application_credentials/${appCredential.id}`);
    }
    await cleanupImages(resourceKeys);
    await snapshots.cleanup();
    await files.remove();
    if (process.env.AMPHORA_SECURITY_FIGURES === "1") {
      process.stderr.write(
        `security scan: ${scanner.count} credentials (+ any Fernet token) x ${scanner.texts} texts, ` +
          `${scanner.bytes} bytes, ${scanner.hits.length} hits\n`,
      );
    }
  });

  const tagKey = (label: string): string => {
    const key = `amphora-sec/${runId}/${label}`;
    resourceKeys.push(key);
    return key;
  };

  /** Scans a step's output lines, its outputs and the plain part of the state. */
  function scanStep(where: string, lc: Lifecycle, step: StepResult | { output: string[]; outputs?: unknown }, inputs: PropertyMap): void {
    scanner.scanLines(`${where}: printed`, step.output);
    if (step.outputs) scanner.scan(`${where}: outputs`, step.outputs);
    const { plain } = plainState(lc.state, inputs);
    scanner.scan(`${where}: state`, plain);
  }

  function scanError(where: string, err: unknown): void {
    assert.ok(err instanceof ProviderCallError, String(err));
    scanner.scan(`${where}: error`, `${err.message}\n${err.details}`);
    scanner.scanLines(`${where}: printed before the error`, err.output);
    if (err.initFailed) scanner.scan(`${where}: init-failed state`, err.initFailed);
  }

  /** Scans everything the host printed so far (this test's steps included, so it never scans only others' output). */
  function scanHost(ctx: ProviderHostContext, where: string): void {
    assert.notDeepEqual(scanner.found(ctx.host.config), [], `control: the ${where} host was configured with a credential the scan knows`);
    assert.ok(ctx.host.stdout.length + ctx.host.stderr.length > 0, `control: the ${where} host printed lines to scan`);
    scanner.scanLines(`${where} host stdout`, ctx.host.stdout);
    scanner.scanLines(`${where} host stderr`, ctx.host.stderr);
    scanner.assertClean();
  }

  it("the three SDK classes' providers serialize to small shims without credentials, even with a live session in memory", async () => {
    const all = () => [...CLOUDS.map((c) => readCloud(c).auth.password), ROOT_PASSWORD, demoToken, appCredential?.secret ?? ""];
    // Credentials live in this process the way they do in the provider host: stack config read by
    // configure(), and an authenticated Glance session in the provider modules.
    const config = Object.fromEntries(
      Object.entries(passwordConfig("local-admin")).map(([k, v]) => [k, isSecret(v) ? String(v.value) : String(v)]),
    );
    configureOpenStack({ get: (key) => config[key] });
    try {
      assert.ok((await glanceClient()).projectId);
      for (const [name, provider] of Object.entries(PROVIDERS)) {
        const { text, bytes, containsSecrets } = await assertProviderSerializes(provider, { forbidden: all(), maxBytes: 20_000 });
        assert.ok(bytes < 20_000 && !containsSecrets);
        scanner.scan(`serialized ${name} provider`, text);
      }
    } finally {
      configureOpenStack(undefined);
    }

    // What the SDK classes register: `__provider` is the shim text, rootPassword goes as a secret, and the
    // additionalSecretOutputs each class declares (read through a transformation, which sees the final options).
    const registered: Record<string, Record<string, unknown>> = {};
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered[args.type] = args.inputs as Record<string, unknown>;
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "amphora-sec",
      "dev",
      false,
    );
    const capture = (cls: string): pulumi.CustomResourceOptions => ({
      transformations: [
        (t) => {
          declaredSecretOutputs[cls] = [...((t.opts as pulumi.CustomResourceOptions).additionalSecretOutputs ?? [])];
          return undefined;
        },
      ],
    });
    const resources = [
      new AmphoraImageBuild("b", { frontEnd: "octavia", output: "/srv/amphora.qcow2", rootPassword: ROOT_PASSWORD }, capture("AmphoraImageBuild")),
      new GlanceTaggedImage("i", { tag: "amphora", file: "/srv/amphora.qcow2", diskFormat: "qcow2" }, capture("GlanceTaggedImage")),
      new SnapshotStorePolicy("p", { store: "fast" }, capture("SnapshotStorePolicy")),
    ];
    await Promise.all(resources.map((r) => new Promise<void>((resolve) => r.urn.apply(() => resolve()))));
    for (const [name, provider] of Object.entries(PROVIDERS)) {
      const inputs = registered[TYPE_OF[name as keyof typeof PROVIDERS]];
      assert.ok(inputs, `${name} registered`);
      assert.equal(inputs.__provider, (await serializeProvider(provider)).text, `${name}: __provider is the shim`);
      const { rootPassword, ...rest } = inputs;
      if (name === "AmphoraImageBuild") assert.ok(isSecret(rootPassword), "rootPassword is sent as a secret");
      scanner.scan(`${name} registered inputs (secret inputs set aside)`, rest);
    }
    assert.deepEqual(declaredSecretOutputs, {
      AmphoraImageBuild: ["rootPasswordDigest"],
      GlanceTaggedImage: [],
      SnapshotStorePolicy: [],
    });
    scanner.assertClean();
  });

  describe("password (local-admin) as secret stack config", () => {
    const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: passwordConfig("local-admin"), env: hostEnv({ AMPHORA_SECURITY_CANARY: ROOT_PASSWORD }) }));
    let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
    let out: string;
    before(async () => {
      checkout = await octaviaCheckout();
      out = await tmpDir("amphora-sec-");
    });
    after(async () => {
      await fs.rm(out, { recursive: true, force: true });
      await fs.rm(checkout.root, { recursive: true, force: true });
    });

    it("AmphoraImageBuild: create, same, refresh, destroy with a secret rootPassword; builder env and log clean", async () => {
      const record = path.join(out, "rec");
      const inputs: PropertyMap = {
        frontEnd: "octavia",
        script: checkout.script,
        output: path.join(out, "amphora-x64-haproxy.qcow2"),
        sizeGb: 1,
        rootPassword: secret(ROOT_PASSWORD),
        env: { FIXTURE_RECORD: record },
        progressIntervalSeconds: 0.2,
        validation: NOT_BOOTABLE,
      };
      const lc = await ctx.host.lifecycle(PROVIDERS.AmphoraImageBuild, TYPES.build, "amphora", {
        additionalSecretOutputs: declaredSecretOutputs.AmphoraImageBuild ?? ["rootPasswordDigest"],
      });
      const created = await lc.up(inputs);
      assert.equal(created.op, "create");
      assert.equal(created.outputs.rootPasswordSet, true);
      assert.ok(!("rootPassword" in created.outputs), "the password is not an output");
      assert.ok(created.secretOutputs.includes("rootPasswordDigest"), "the digest is stored as a secret");
      const { secretInputs } = plainState(lc.state, inputs);
      assert.deepEqual(secretInputs, ["rootPassword"], "only the secret input is set aside from the state scan");
      scanStep("AmphoraImageBuild create", lc, created, inputs);

      // The builder got the password as its -r argument and nothing else of ours: its environment (recorded by
      // the fixture at start) holds no credential, no PULUMI_CONFIG and no OS_* variable of the host.
      const rec = await readRecord(record);
      assert.equal(rec.args[rec.args.indexOf("-r") + 1], ROOT_PASSWORD);
      assert.deepEqual(scanner.found(rec.args), ["AmphoraImageBuild rootPassword"], "control: the scan sees the password where it belongs");
      assert.deepEqual(Object.keys(rec.env).filter((k) => k.startsWith("PULUMI") || k.startsWith("OS_") || k === "AMPHORA_SECURITY_CANARY"), []);
      scanner.scan("builder environment", rec.env);
      scanner.scan("build log", await fs.readFile(String(created.outputs.logPath), "utf8"));

      const same = await lc.up(inputs);
      assert.equal(same.op, "same");
      scanStep("AmphoraImageBuild same", lc, same, inputs);
      const refreshed = await lc.refresh();
      scanStep("AmphoraImageBuild refresh", lc, refreshed, inputs);
      const destroyed = await lc.destroy();
      scanner.scanLines("AmphoraImageBuild destroy", destroyed.output);
      scanHost(ctx, "password");
    });

    it("GlanceTaggedImage: create, update, refresh, destroy; a failing adopt", async () => {
      const resourceKey = tagKey("gti-admin");
      const base = { resourceKey, tag: uniqueTag("sec"), diskFormat: "raw", keepLastTaggedImage: false };
      const lc = await ctx.host.lifecycle(PROVIDERS.GlanceTaggedImage, TYPES.image, "amphora");
      const created = await lc.up({ ...base, file: a.path });
      assert.equal(created.op, "create");
      scanStep("GlanceTaggedImage create", lc, created, base);
      const updated = await lc.up({ ...base, file: b.path });
      assert.equal(updated.op, "update");
      scanStep("GlanceTaggedImage update", lc, updated, base);
      const refreshed = await lc.refresh();
      scanStep("GlanceTaggedImage refresh", lc, refreshed, base);
      const destroyed = await lc.destroy();
      scanner.scanLines("GlanceTaggedImage destroy", destroyed.output);
      await assert.rejects(getImage(await glanceFor("local-admin"), String(updated.outputs.imageId)), /404/);

      const failing = await ctx.host.lifecycle(PROVIDERS.GlanceTaggedImage, TYPES.image, "adopt");
      const err = await failing.up({ ...base, resourceKey: tagKey("gti-adopt"), imageId: randomUUID() }).then(
        () => assert.fail("adopting a missing image must fail"),
        (e: unknown) => e,
      );
      scanError("GlanceTaggedImage adopt", err);
      scanHost(ctx, "password");
    });

    it("SnapshotStorePolicy: create (copy-image as admin), refresh, destroy", async () => {
      const demo = await glanceFor("local-demo");
      const filter = { ssp_run: `${runId}-sec` };
      const snap = await snapshots.make(demo, "sec", { ...filter, image_type: "snapshot" });
      const inputs = { store: "fast", owner: demo.projectId, propertyFilters: filter, timeouts: { copySeconds: 60, pollSeconds: 0.2 } };
      const lc = await ctx.host.lifecycle(PROVIDERS.SnapshotStorePolicy, TYPES.policy, "snapshots");
      const created = await lc.up(inputs);
      assert.deepEqual(created.outputs.relocated, [snap.id]);
      assert.deepEqual(await storesOf(await glanceFor("local-admin"), snap.id), ["cheap", "fast"]);
      scanStep("SnapshotStorePolicy create", lc, created, inputs);
      scanStep("SnapshotStorePolicy refresh", lc, await lc.refresh(), inputs);
      scanner.scanLines("SnapshotStorePolicy destroy", (await lc.destroy()).output);
      scanHost(ctx, "password");
    });

  });

  describe("application credential (demo) as secret stack config", () => {
    const ctx = useProviderHost(() => ({
      cwd: REPO_ROOT,
      config: {
        "openstack:authUrl": readCloud("local-demo").auth.auth_url,
        "openstack:applicationCredentialId": appCredential?.id,
        "openstack:applicationCredentialSecret": secret(appCredential?.secret),
      },
      env: hostEnv(),
    }));

    it("GlanceTaggedImage and SnapshotStorePolicy lifecycles; nothing printed holds a credential", async () => {
      const base = { resourceKey: tagKey("gti-appcred"), tag: uniqueTag("sec-ac"), diskFormat: "raw" };
      const lc = await ctx.host.lifecycle(PROVIDERS.GlanceTaggedImage, TYPES.image, "amphora");
      const created = await lc.up({ ...base, file: a.path });
      assert.equal(created.outputs.ownerId, (await glanceFor("local-demo")).projectId, "the credential's project owns it");
      scanStep("GlanceTaggedImage create (app credential)", lc, created, base);
      scanStep("GlanceTaggedImage refresh (app credential)", lc, await lc.refresh(), base);
      scanner.scanLines("GlanceTaggedImage destroy (app credential)", (await lc.destroy()).output);

      const inputs = { store: "fast", propertyFilters: { ssp_run: `${runId}-sec-none` } };
      const policy = await ctx.host.lifecycle(PROVIDERS.SnapshotStorePolicy, TYPES.policy, "snapshots");
      const made = await policy.up(inputs);
      assert.deepEqual(made.outputs.matched, []);
      scanStep("SnapshotStorePolicy create (app credential)", policy, made, inputs);
      scanner.scanLines("SnapshotStorePolicy destroy (app credential)", (await policy.destroy()).output);
      scanHost(ctx, "application credential");
    });
  });

  describe("token (demo) as secret stack config", () => {
    const ctx = useProviderHost(() => ({
      cwd: REPO_ROOT,
      config: { "openstack:authUrl": readCloud("local-demo").auth.auth_url, "openstack:token": secret(demoToken) },
      env: hostEnv(),
    }));

    it("GlanceTaggedImage and SnapshotStorePolicy lifecycles; nothing printed holds a credential", async () => {
      const base = { resourceKey: tagKey("gti-token"), tag: uniqueTag("sec-tok"), diskFormat: "raw" };
      const lc = await ctx.host.lifecycle(PROVIDERS.GlanceTaggedImage, TYPES.image, "amphora");
      const created = await lc.up({ ...base, file: b.path });
      scanStep("GlanceTaggedImage create (token)", lc, created, base);
      scanner.scanLines("GlanceTaggedImage destroy (token)", (await lc.destroy()).output);

      const inputs = { store: "fast", propertyFilters: { ssp_run: `${runId}-sec-none` } };
      const policy = await ctx.host.lifecycle(PROVIDERS.SnapshotStorePolicy, TYPES.policy, "snapshots");
      scanStep("SnapshotStorePolicy create (token)", policy, await policy.up(inputs), inputs);
      scanner.scanLines("SnapshotStorePolicy destroy (token)", (await policy.destroy()).output);
      scanHost(ctx, "token");
    });
  });

  describe("a wrong password as secret stack config", () => {
    const WRONG = `wr0ng-${randomBytes(9).toString("base64url")}`;
    const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: passwordConfig("local-demo", WRONG), env: hostEnv() }));

    it("the authentication error names the user, not the password; check and create fail without echoing it", async () => {
      scanner.add({ label: "wrong password", value: WRONG });
      const lc = await ctx.host.lifecycle(PROVIDERS.GlanceTaggedImage, TYPES.image, "amphora");
      const err = await lc.up({ resourceKey: tagKey("gti-wrong"), tag: uniqueTag("sec-wrong"), file: a.path, diskFormat: "raw" }).then(
        () => assert.fail("a wrong password must fail"),
        (e: unknown) => e,
      );
      scanError("GlanceTaggedImage create (wrong password)", err);
      assert.match((err as ProviderCallError).details, /authentication failed for .* \(HTTP 401\)/);
      assert.match((err as ProviderCallError).details, /demo/, "the error names the user");
      const policy = await ctx.host.lifecycle(PROVIDERS.SnapshotStorePolicy, TYPES.policy, "snapshots");
      scanError("SnapshotStorePolicy create (wrong password)", await policy.up({ store: "fast" }).then(() => assert.fail("must fail"), (e: unknown) => e));
      scanHost(ctx, "wrong password");
    });
  });
});
