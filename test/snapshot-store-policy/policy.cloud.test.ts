import * as assert from "node:assert";
import type * as pulumi from "@pulumi/pulumi";
import { useGlanceClient } from "../../provider/common/provider-context";
import { deleteImage, importImage, waitForImport, type GlanceClient } from "../../provider/glance";
import { EnforcementError, StorePolicyError } from "../../provider/snapshot-store-policy/errors";
import { requireRelease } from "../support/cloud";
import { glancePlacement, ImageGoneError } from "../../provider/snapshot-store-policy/placement";
import type { SnapshotStorePolicyArgsInput } from "../../provider/snapshot-store-policy/inputs";
import { provider } from "../../provider/snapshot-store-policy/provider";
import { assertNoUndefined, withStdout } from "./helpers";
import { downloadedSha512, glanceFor, runId, storesOf, TestImages, type MadeImage } from "./cloud-support";

/**
 * SnapshotStorePolicy against the real local Glance (stores fast = default, cheap, reliable), driven in-process:
 * the provider's own methods, with the Glance client of the session under test. The provider-protocol
 * lifecycle is in lifecycle.cloud.test.ts.
 */

type Props = Record<string, unknown>;
const p = provider as Required<pulumi.dynamic.ResourceProvider>;
const FAST_POLL = { copySeconds: 60, pollSeconds: 0.2 };

async function checked(news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
  const r = await withStdout(() => p.check({}, news));
  return { inputs: r.value.inputs as Props, failures: r.value.failures ?? [] };
}

describe("SnapshotStorePolicy @cloud: placement with copy-image and per-store delete", function () {
  this.timeout(60_000);
  const images = new TestImages();
  let admin: GlanceClient;
  let demo: GlanceClient;

  before(async () => {
    admin = await glanceFor("local-admin");
    demo = await glanceFor("local-demo");
  });
  afterEach(() => useGlanceClient(undefined));
  after(() => images.cleanup());

  /** Policy args selecting only this scenario's images (owned by demo), as admin. */
  const argsFor = (scenario: string, extra: Partial<SnapshotStorePolicyArgsInput> = {}): Props => ({
    store: "fast",
    owner: demo.projectId,
    propertyFilters: { ssp_run: `${runId}-${scenario}` },
    timeouts: FAST_POLL,
    ...extra,
  });
  const snapshot = (scenario: string, name: string, type: string, base?: MadeImage): Promise<MadeImage> =>
    images.make(demo, name, { ssp_run: `${runId}-${scenario}`, image_type: type, ...(base ? { base_image_ref: base.id } : {}) });

  describe("copy mode, then move mode", () => {
    const all: MadeImage[] = [];
    let outs: Props;

    it("copy: snapshots, backups, their base images and tagged extras all end up in the target store too", async () => {
      const tag = `ssp-${runId}-amphora`;
      const base1 = await images.make(admin, "base1", { ssp_base: runId });
      const base2 = await images.make(admin, "base2", { ssp_base: runId });
      const extra = await images.make(admin, "amphora", {});
      await admin.http.put(`${await admin.baseUrl()}/images/${extra.id}/tags/${tag}`);
      all.push(
        base1, base2, extra,
        await snapshot("cm", "snap1", "snapshot", base1),
        await snapshot("cm", "backup1", "backup", base1),
        await snapshot("cm", "snap2", "snapshot", base2),
      );
      useGlanceClient(admin);
      const { inputs, failures } = await checked(argsFor("cm", { extraImages: [tag] }));
      assert.deepStrictEqual(failures, []);
      const created = await withStdout(() => p.create(inputs));
      outs = created.value.outs as Props;
      assert.strictEqual(created.lines[0], `SnapshotStorePolicy fast: mode copy to store "fast", owner ${demo.projectId}: 6 images to copy, 0 compliant`);
      assertNoUndefined(outs);
      const ids = all.map((i) => i.id).sort();
      assert.deepStrictEqual(outs.matched, ids);
      assert.deepStrictEqual(outs.compliant, ids);
      assert.deepStrictEqual(outs.relocated, ids);
      assert.deepStrictEqual(outs.failed, {});
      assert.deepStrictEqual(outs.nonCompliant, []);
      assert.strictEqual(outs.ownerProject, demo.projectId);
      assert.match(outs.novaConfig as string, /^\[libvirt\]\nimages_rbd_glance_store_name = fast\n/);
      for (const image of all) assert.deepStrictEqual(await storesOf(admin, image.id), ["cheap", "fast"], image.id);
    });

    it("move: gone from the other store, still downloadable with the same os_hash_value", async () => {
      assert.ok(outs, "needs the copy test");
      useGlanceClient(admin);
      const { inputs } = await checked(argsFor("cm", { extraImages: [`ssp-${runId}-amphora`], mode: "move" }));
      const diff = await withStdout(() => p.diff("id", outs, inputs));
      assert.strictEqual(diff.value.changes, true);
      assert.deepStrictEqual(diff.lines, ['SnapshotStorePolicy fast: mode copy → move: 0 images to copy, 6 to remove from "cheap", 0 compliant']);
      const updated = await withStdout(() => p.update("id", outs, inputs));
      const moved = updated.value.outs as Props;
      assert.deepStrictEqual(moved.compliant, all.map((i) => i.id).sort());
      assert.deepStrictEqual(moved.failed, {});
      for (const image of all) {
        assert.deepStrictEqual(await storesOf(admin, image.id), ["fast"], image.id);
        const hash = await downloadedSha512(admin, image.id);
        assert.strictEqual(hash, image.sha512, `downloaded bytes of ${image.id}`);
        assert.strictEqual(((await admin.http.get(`${await admin.baseUrl()}/images/${image.id}`).json()) as Props).os_hash_value, image.sha512);
      }
      const again = await withStdout(() => p.diff("id", moved, inputs));
      assert.strictEqual(again.value.changes, false, "a compliant policy shows no change");
    });
  });

  it("unknown store: rejected by check and again before any change, listing the stores that exist", async () => {
    const snap = await snapshot("us", "snap", "snapshot");
    useGlanceClient(admin);
    const { failures } = await checked(argsFor("us", { store: "nope" }));
    assert.deepStrictEqual(failures, [
      { property: "store", reason: 'store "nope" is not a store of this Glance; the stores that exist are: fast (default), cheap, reliable' },
    ]);
    const { inputs } = await checked(argsFor("us"));
    await assert.rejects(
      withStdout(() => p.create({ ...inputs, store: "nope" })),
      (err: Error) => err.name === "UnknownStoreError" && /the stores that exist are: fast \(default\), cheap, reliable/.test(err.message),
    );
    assert.deepStrictEqual(await storesOf(admin, snap.id), ["cheap"]);
  });

  it("member session: owner 'all' rejected; copy-image forbidden → error naming the copy_image rule, nothing changed", async () => {
    const a = await snapshot("ms", "snap-a", "snapshot");
    const b = await snapshot("ms", "snap-b", "snapshot");
    const both = await snapshot("ms", "snap-both", "snapshot"); // already in fast too: a move would remove its cheap copy
    await importImage(admin, both.id, { method: "copy-image", stores: ["fast"] });
    await waitForImport(admin, both.id, { intervalMs: 200, timeoutMs: 30_000 });

    useGlanceClient(demo);
    const all = await checked({ ...argsFor("ms"), owner: "all" });
    assert.strictEqual(all.failures.length, 1);
    assert.strictEqual(all.failures[0]?.property, "owner");
    assert.match(all.failures[0]?.reason ?? "", /owner "all" selects the images of every project and needs an admin session/);

    const { inputs, failures } = await checked({ ...argsFor("ms", { mode: "move", concurrency: 1 }), owner: undefined });
    assert.deepStrictEqual(failures, []);
    const err = await withStdout(() => p.create(inputs)).then(
      () => assert.fail("create should fail"),
      (e: Error) => e,
    );
    assert.ok(!(err instanceof EnforcementError), "nothing was placed: no partial state to keep");
    assert.match(err.message, /copy-image of image .* to store "fast" was refused \(403: You are not authorized to complete copy_image action\.\)/);
    assert.match(err.message, /policy rule "copy_image" allows copy-image to admins only by default/);
    assert.match(err.message, /Nothing was changed/);
    assert.deepStrictEqual(await storesOf(admin, a.id), ["cheap"]);
    assert.deepStrictEqual(await storesOf(admin, b.id), ["cheap"]);
    assert.deepStrictEqual(await storesOf(admin, both.id), ["cheap", "fast"]);
  });

  it("2025.1: a member's move is refused at the per-store delete, naming image, store and rule delete_image_location; an admin's move does it", async function () {
    await requireRelease(this, "2025.1");
    const snap = await snapshot("mr", "snap", "snapshot");
    await importImage(admin, snap.id, { method: "copy-image", stores: ["fast"] });
    await waitForImport(admin, snap.id, { intervalMs: 200, timeoutMs: 30_000 });

    useGlanceClient(demo);
    const member = await checked({ ...argsFor("mr", { mode: "move" }), owner: undefined });
    assert.deepStrictEqual(member.failures, []);
    const err = await withStdout(() => p.create(member.inputs)).then(
      () => assert.fail("create should fail"),
      (e: Error) => e,
    );
    assert.ok(err instanceof StorePolicyError && !(err instanceof EnforcementError), String(err));
    assert.match(err.message, /^SnapshotStorePolicy fast: 1 of 1 image\(s\) could not be placed/);
    assert.ok(
      err.message.includes(
        `${snap.id}: remove other store copies: removing image ${snap.id} from store "cheap" was refused (403: You are not authorized to complete delete_image_location action.)`,
      ),
      err.message,
    );
    assert.match(err.message, /policy rule "delete_image_location" allows per-store delete to admins only/);
    assert.deepStrictEqual(await storesOf(admin, snap.id), ["cheap", "fast"]);

    useGlanceClient(admin);
    const asAdmin = await checked(argsFor("mr", { mode: "move" }));
    const moved = (await withStdout(() => p.create(asAdmin.inputs))).value.outs as Props;
    assert.deepStrictEqual(moved.failed, {});
    assert.deepStrictEqual(await storesOf(admin, snap.id), ["fast"]);
  });

  it("a store that fails for one image: the others are placed, the failure is reported, outputs keep the successes", async () => {
    const snaps = [
      await snapshot("sf", "snap-1", "snapshot"),
      await snapshot("sf", "snap-2", "backup"),
      await snapshot("sf", "snap-3", "snapshot"),
    ];
    const [ok1, broken, ok2] = snaps as [MadeImage, MadeImage, MadeImage];
    images.blockStore("fast", broken.id);
    useGlanceClient(admin);
    const { inputs } = await checked(argsFor("sf", { mode: "move" }));
    const run = withStdout(() => p.create({ ...inputs, __provider: "serialized-provider-text" }));
    const err = await run.then(() => assert.fail("create should fail"), (e: unknown) => e);
    assert.ok(err instanceof EnforcementError, String(err));
    assert.match(err.message, /1 of 3 image\(s\) could not be placed \(2 placed, kept in the outputs\)/);
    assert.match(err.message, new RegExp(`${broken.id}: copy to "fast": Import of image ${broken.id} failed for store\\(s\\) fast`));
    assert.deepStrictEqual(err.reasons.length, 1);
    const props = err.properties;
    assert.strictEqual(props.__provider, "serialized-provider-text", "partial state keeps __provider for later calls");
    assert.deepStrictEqual(props.relocated, [ok1.id, ok2.id].sort());
    assert.deepStrictEqual(Object.keys(props.failed as Props), [broken.id]);
    assert.deepStrictEqual(props.nonCompliant, [broken.id]);
    assertNoUndefined(props);
    assert.deepStrictEqual(await storesOf(admin, ok1.id), ["fast"]);
    assert.deepStrictEqual(await storesOf(admin, ok2.id), ["fast"]);
    assert.deepStrictEqual(await storesOf(admin, broken.id), ["cheap"], "the failed image keeps its only copy");
  });

  it("an image deleted halfway is dropped; one copied meanwhile by someone else counts as placed", async () => {
    const ops = glancePlacement(admin, { copyTimeoutMs: 30_000, pollIntervalMs: 200 });
    const doomed = await snapshot("dh", "doomed", "snapshot");
    const raced = await snapshot("dh", "raced", "snapshot");
    await deleteImage(admin, doomed.id);
    await assert.rejects(ops.copy(doomed.id, "fast"), ImageGoneError);
    await assert.rejects(ops.remove(doomed.id, "cheap"), ImageGoneError);
    await importImage(admin, raced.id, { method: "copy-image", stores: ["fast"] });
    await waitForImport(admin, raced.id, { intervalMs: 200, timeoutMs: 30_000 });
    assert.deepStrictEqual((await ops.copy(raced.id, "fast")).sort(), ["cheap", "fast"], "400 'already present' is success");
    await ops.remove(raced.id, "reliable"); // not in that store: nothing to do
    assert.deepStrictEqual(await storesOf(admin, raced.id), ["cheap", "fast"]);
  });

  it("more matching images than one page of the image list", async () => {
    const made: MadeImage[] = [];
    for (let i = 0; i < 5; i++) made.push(await snapshot("pg", `snap-${i}`, i % 2 ? "backup" : "snapshot"));
    useGlanceClient(admin);
    const { inputs } = await checked(argsFor("pg", { pageSize: 2, includeBaseImages: false, concurrency: 3 }));
    const created = await withStdout(() => p.create(inputs));
    const outs = created.value.outs as Props;
    assert.deepStrictEqual(outs.matched, made.map((i) => i.id).sort());
    assert.deepStrictEqual(outs.compliant, outs.matched);
    for (const image of made) assert.deepStrictEqual(await storesOf(admin, image.id), ["cheap", "fast"]);
    // refresh with the same tiny pages still sees all of them, all compliant
    const read = await withStdout(() => p.read(created.value.id, outs));
    assert.deepStrictEqual((read.value.props as Props).compliant, outs.matched);
    assert.deepStrictEqual(read.lines, []);
  });
});
