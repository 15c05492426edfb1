import * as assert from "node:assert";
import * as path from "node:path";
import { assertProviderSerializes, ProviderCallError, useProviderHost, type Lifecycle, type PropertyMap } from "../harness";
import { packageProvider } from "../../sdk/internal/provider-shim";
import type { GlanceClient } from "../../provider/glance";
import { cloudsFile, readCloud } from "../support/cloud";
import { assertProviderBuilt, glanceFor, runId, storesOf, TestImages } from "./cloud-support";

/**
 * SnapshotStorePolicy through the real dynamic-provider host (gRPC, engine step semantics), as `pulumi up`,
 * `preview`, `refresh` and `destroy` would drive it, with credentials from stack config + clouds.yaml.
 */

const repoRoot = path.resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/amphora:SnapshotStorePolicy";
const provider = packageProvider("snapshot-store-policy/provider");

/** Host environment: only the local clouds.yaml; OS_* of the developer's shell removed. */
function hostEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) if (key.startsWith("OS_")) env[key] = undefined;
  return { ...env, OS_CLIENT_CONFIG_FILE: cloudsFile() };
}

describe("SnapshotStorePolicy @cloud: provider-protocol lifecycle", function () {
  this.timeout(60_000);
  before(() => assertProviderBuilt(repoRoot));
  const ctx = useProviderHost(() => ({ cwd: repoRoot, config: { "openstack:cloud": "local-admin" }, env: hostEnv() }));
  const images = new TestImages();
  after(() => images.cleanup());

  let admin: GlanceClient;
  let demo: GlanceClient;
  let lc: Lifecycle;
  let args: PropertyMap;
  const filter = { ssp_run: `${runId}-lc` };

  before(async () => {
    admin = await glanceFor("local-admin");
    demo = await glanceFor("local-demo");
    args = { store: "fast", owner: demo.projectId, propertyFilters: filter, timeouts: { copySeconds: 60, pollSeconds: 0.2 } };
  });

  it("up → new snapshot → refresh reports drift → preview shows the plan line → up fixes it → destroy moves nothing", async () => {
    const first = await images.make(demo, "lc-1", { ...filter, image_type: "snapshot" });
    lc = await ctx.host.lifecycle(provider, TYPE, "snapshots");

    const created = await lc.up(args);
    assert.strictEqual(created.op, "create");
    assert.deepStrictEqual(created.output, [
      `SnapshotStorePolicy fast: create: mode copy to store "fast", owner ${demo.projectId}: 1 image to copy, 0 compliant`,
      `SnapshotStorePolicy fast: mode copy to store "fast", owner ${demo.projectId}: 1 image to copy, 0 compliant`,
      `SnapshotStorePolicy fast: image ${first.id.slice(0, 8)}…: copied to "fast" (1/1)`,
    ]);
    assert.deepStrictEqual(created.outputs.compliant, [first.id]);
    assert.deepStrictEqual(await storesOf(admin, first.id), ["cheap", "fast"]);

    const unchanged = await lc.preview(args);
    assert.strictEqual(unchanged.op, "same");
    assert.deepStrictEqual(unchanged.output, []);

    const second = await images.make(demo, "lc-2", { ...filter, image_type: "backup" });
    const refreshed = await lc.refresh();
    assert.strictEqual(refreshed.op, "refresh");
    assert.deepStrictEqual(refreshed.outputs?.nonCompliant, [second.id]);
    assert.deepStrictEqual(refreshed.output, ['SnapshotStorePolicy fast: 1 image to copy, 1 compliant (drift found by refresh)']);

    const preview = await lc.preview(args);
    assert.strictEqual(preview.op, "update");
    assert.deepStrictEqual(preview.output, ['SnapshotStorePolicy fast: 1 image to copy, 1 compliant']);

    const fixed = await lc.up(args);
    assert.strictEqual(fixed.op, "update");
    assert.deepStrictEqual(fixed.outputs.compliant, [first.id, second.id].sort());
    assert.deepStrictEqual(fixed.outputs.relocated, [second.id]);
    assert.deepStrictEqual(fixed.outputs.nonCompliant, []);
    assert.deepStrictEqual(await storesOf(admin, second.id), ["cheap", "fast"]);

    assert.strictEqual((await lc.up(args)).op, "same");

    const destroyed = await lc.destroy();
    assert.deepStrictEqual(destroyed.output, ['SnapshotStorePolicy fast: policy deleted; no image data is moved or removed (2 images stay where they are)']);
    assert.deepStrictEqual(await storesOf(admin, first.id), ["cheap", "fast"]);
  });

  it("a create prints its plan in preview; a changed selection is counted as it is now, and up moves exactly that", async () => {
    const sel = { ssp_run: `${runId}-sel` };
    const selArgs = { ...args, propertyFilters: sel, mode: "move" };
    await images.make(demo, "sel-1", { ...sel, image_type: "snapshot" });
    const backups = [await images.make(demo, "sel-2", { ...sel, image_type: "backup" }), await images.make(demo, "sel-3", { ...sel, image_type: "backup" })];
    const policy = await ctx.host.lifecycle(provider, TYPE, "selection");
    const planned = await policy.preview({ ...selArgs, imageTypes: ["snapshot"] });
    assert.deepStrictEqual(planned.output, [`SnapshotStorePolicy fast: create: mode move to store "fast", owner ${demo.projectId}: 1 image to copy, 1 to remove from "cheap", 0 compliant`]);
    await policy.up({ ...selArgs, imageTypes: ["snapshot"] });

    const preview = await policy.preview({ ...selArgs, imageTypes: ["snapshot", "backup"] });
    assert.deepStrictEqual(preview.output, [
      'SnapshotStorePolicy fast: 2 images to copy, 2 to remove from "cheap", 1 compliant; selection changed (imageTypes): counts of the new selection, listed now',
    ]);
    const up = await policy.up({ ...selArgs, imageTypes: ["snapshot", "backup"] });
    assert.deepStrictEqual([...(up.outputs.relocated as string[])].sort(), backups.map((b) => b.id).sort());
    for (const b of backups) assert.deepStrictEqual(await storesOf(admin, b.id), ["fast"]);
    await policy.destroy();
  });

  it("a partial failure reaches the engine as an initialization failure whose state keeps the successes", async () => {
    const scenario = { ssp_run: `${runId}-lcf` };
    const ok = await images.make(demo, "lcf-ok", { ...scenario, image_type: "snapshot" });
    const bad = await images.make(demo, "lcf-bad", { ...scenario, image_type: "backup" });
    images.blockStore("fast", bad.id);
    const partial = await ctx.host.lifecycle(provider, TYPE, "partial");
    const err = await partial.up({ ...args, propertyFilters: scenario }).then(() => assert.fail("up should fail"), (e: unknown) => e);
    assert.ok(err instanceof ProviderCallError, String(err));
    assert.match(err.details, /1 of 2 image\(s\) could not be placed \(1 placed, kept in the outputs\)/);
    assert.match(err.details, new RegExp(`${bad.id}: copy to "fast": Import of image ${bad.id} failed for store\\(s\\) fast`));
    const init = err.initFailed;
    assert.ok(init, "reported as ErrorResourceInitFailed");
    assert.match(init.id, /^[0-9a-f-]{36}$/);
    assert.deepStrictEqual(init.properties.relocated, [ok.id]);
    assert.deepStrictEqual(Object.keys(init.properties.failed as object), [bad.id]);
    assert.strictEqual(typeof init.properties.__provider, "string", "later refresh/delete calls find the provider");
    assert.strictEqual(init.reasons.length, 1);
  });

  it("check in the host rejects an unknown store with the stores that exist", async () => {
    const r = await ctx.host.resource(provider, TYPE, "bad-store");
    const { failures } = await r.check({ ...args, store: "nope" });
    assert.deepStrictEqual(failures.map((f) => f.property), ["store"]);
    assert.match(failures[0]?.reason ?? "", /the stores that exist are: fast \(default\), cheap, reliable/);
  });

  it("serialization guard: the provider in state is the small shim, without credentials", async () => {
    const passwords = (["local-admin", "local-demo", "local-alt"] as const).map((c) => readCloud(c).auth.password);
    const { text } = await assertProviderSerializes(provider, { forbidden: passwords, maxBytes: 20_000 });
    assert.match(text, /pulumi-amphora\/provider\/snapshot-store-policy\/provider/);
  });
});
