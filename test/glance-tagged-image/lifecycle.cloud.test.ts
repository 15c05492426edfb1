/**
 * The whole lifecycle through the real dynamic-provider host over gRPC (engine step semantics), with the provider
 * loaded from the built package by the SDK's shim, credentials from clouds.yaml named by stack config.
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { GlanceClient } from "../../provider/glance/client";
import { getImage, imageStores, removeImageTag } from "../../provider/glance";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { GlanceTaggedImage } from "../../sdk";
import { assertProviderSerializes, CheckFailedError, serializeProvider, useProviderHost } from "../harness";
import { cloudsFile, readCloud } from "../support/cloud";
import { cleanupImages, Files, glanceFor, octaviaQuery, uniqueTag, type TestImage } from "./support";

const repoRoot = resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage";
const provider = packageProvider("glance-tagged-image/provider");
const passwords = (): string[] => (["local-admin", "local-demo", "local-alt"] as const).map((c) => readCloud(c).auth.password);

describe("GlanceTaggedImage through the provider host @cloud", function () {
  this.timeout(60_000);
  const files = new Files();
  const resourceKey = `amphora-test/test/lifecycle-${uniqueTag("lc")}`;
  let admin: GlanceClient;
  let a: TestImage;
  let b: TestImage;

  before(function () {
    if (!existsSync(join(repoRoot, "dist", "provider", "glance-tagged-image", "provider.js"))) {
      throw new Error("dist/ is missing: run `npm run build && node scripts/link-self.js` first (npm test does it)");
    }
  });
  const ctx = useProviderHost(() => ({
    cwd: repoRoot,
    config: { "openstack:cloud": "local-admin" },
    env: { OS_CLIENT_CONFIG_FILE: cloudsFile(), OS_CLOUD: undefined, OS_AUTH_URL: undefined },
  }));
  before(async () => {
    admin = await glanceFor("local-admin");
    [a, b] = [await files.image(), await files.image()];
  });
  after(async () => {
    await cleanupImages([resourceKey]);
    await files.remove();
  });

  it("create, no-op, source change, store change, refresh after drift, rollback, delete", async () => {
    const tag = uniqueTag("lc");
    const lc = await ctx.host.lifecycle(provider, TYPE, "amphora");
    const base = { resourceKey, tag, diskFormat: "raw" };

    const created = await lc.up({ ...base, file: a.path, stores: ["fast"] });
    assert.equal(created.op, "create");
    assert.equal(created.id, resourceKey);
    const first = String(created.outputs.imageId);
    assert.match(created.output.join("\n"), new RegExp(`tag "${tag}": new upload \\(256\\.\\d KiB\\) to fast`));
    assert.deepEqual(created.outputs.stores, ["fast"]);

    const same = await lc.up({ ...base, file: a.path, stores: ["fast"] });
    assert.equal(same.op, "same");
    assert.deepEqual(same.output, [], "a no-op prints nothing and calls nothing");

    const moved = await lc.up({ ...base, file: b.path, stores: ["fast"] });
    assert.equal(moved.op, "update");
    assert.deepEqual(moved.diff?.replaces, []);
    assert.equal(moved.id, resourceKey);
    const second = String(moved.outputs.imageId);
    assert.notEqual(second, first);
    assert.deepEqual(moved.outputs.previousImageIds, [first]);
    assert.match(moved.output[0] ?? "", new RegExp(`^GlanceTaggedImage ${resourceKey.split("/")[2]}: tag "${tag}": ${first.slice(0, 8)}… \\("${tag}", created ${String(created.outputs.createdAt)}\\) → new upload \\(256\\.\\d KiB\\) to fast by glance-direct; ${first.slice(0, 8)}… kept untagged$`));

    const stored = await lc.up({ ...base, file: b.path, stores: ["fast", "cheap"] });
    assert.equal(stored.op, "update");
    assert.equal(stored.outputs.imageId, second);
    assert.deepEqual(stored.outputs.stores, ["cheap", "fast"]);
    assert.match(stored.output[0] ?? "", new RegExp(`copy ${second.slice(0, 8)}… to cheap`));
    assert.deepEqual(imageStores(await getImage(admin, second)).sort(), ["cheap", "fast"]);

    await removeImageTag(admin, second, tag);
    const refreshed = await lc.refresh();
    assert.equal(refreshed.op, "refresh");
    assert.deepEqual(refreshed.outputs?.drift, [`tag "${tag}" removed from ${second.slice(0, 8)}…`]);
    const preview = await lc.preview({ ...base, file: b.path, stores: ["fast", "cheap"] });
    assert.equal(preview.op, "update");
    assert.match(preview.output.join("\n"), /repair: tag .* removed from/);
    const repaired = await lc.up({ ...base, file: b.path, stores: ["fast", "cheap"] });
    assert.equal(repaired.op, "update");
    assert.deepEqual(repaired.outputs.drift, []);
    assert.deepEqual((await getImage(admin, second)).tags, [tag]);

    const rolled = await lc.up({ ...base, imageId: first, keepLastTaggedImage: false });
    assert.equal(rolled.op, "update");
    assert.equal(rolled.outputs.imageId, first);
    assert.deepEqual((await octaviaQuery(admin, tag, admin.projectId)).map((i) => i.id), [first]);
    assert.deepEqual((await getImage(admin, second)).tags, []);

    // the engine stores the shim text, not credentials
    const providerText = String(lc.state?.inputs.__provider);
    for (const secret of passwords()) assert.ok(!providerText.includes(secret));

    const destroyed = await lc.destroy();
    assert.match(destroyed.output.join("\n"), new RegExp(`tag "${tag}" removed from ${first.slice(0, 8)}…; deleted`));
    await assert.rejects(getImage(admin, first), /404/);
    await assert.rejects(getImage(admin, second), /404/);
  });

  it("check failures come back through the host naming the input (unknown store, bad tag)", async () => {
    const lc = await ctx.host.lifecycle(provider, TYPE, "bad");
    await assert.rejects(lc.up({ resourceKey: `${resourceKey}-bad`, tag: " x", file: a.path, stores: ["nope"] }), (err: unknown) => {
      assert.ok(err instanceof CheckFailedError, String(err));
      assert.deepEqual(err.failures.map((f) => f.property).sort(), ["stores", "tag"]);
      assert.match(err.failures.find((f) => f.property === "stores")?.reason ?? "", /unknown store "nope"; this Glance has fast, cheap, reliable/);
      return true;
    });
  });

  it("serialization guard: the SDK's provider text holds no credential and stays under 20 KB", async () => {
    const { bytes } = await assertProviderSerializes(provider, { forbidden: passwords(), maxBytes: 20_000 });
    assert.ok(bytes < 20_000);
  });
});

describe("GlanceTaggedImage SDK class", function () {
  it("registers pulumi-nodejs:dynamic/amphora:GlanceTaggedImage with resourceKey = project/stack/name and the shim", async () => {
    const registered: Array<{ type: string; inputs: Record<string, unknown> }> = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push({ type: args.type, inputs: args.inputs });
          return { id: String(args.inputs.resourceKey), state: { ...args.inputs, imageId: "img" } };
        },
        call: (args) => args.inputs,
      },
      "amphora-sdk",
      "dev",
      false,
    );
    // another resource's Output of a closed set (e.g. AmphoraImageBuild.diskFormat) is accepted
    const diskFormat: pulumi.Output<"qcow2" | "raw" | "vhd"> = pulumi.output("qcow2");
    const res = new GlanceTaggedImage("amp", { tag: "amphora", file: "/tmp/a.qcow2", diskFormat, stores: ["fast"] });
    await new Promise<void>((r) => res.urn.apply(() => r()));
    assert.equal(registered.length, 1);
    const [reg] = registered;
    assert.equal(reg?.type, TYPE);
    assert.equal(reg?.inputs.resourceKey, "amphora-sdk/dev/amp");
    assert.deepEqual(reg?.inputs.stores, ["fast"], "the stores input survives (it is also an output)");
    assert.equal(reg?.inputs.diskFormat, "qcow2");
    assert.equal(reg?.inputs.__provider, (await serializeProvider(provider)).text);
  });
});
