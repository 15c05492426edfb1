import { strict as assert } from "node:assert";
import type { GlanceClient } from "../../provider/glance/client";
import {
  addImageTag,
  createImage,
  deleteImage,
  getImage,
  removeImageTag,
  replaceAttribute,
  updateImage,
  uploadImageData,
} from "../../provider/glance";
import { cleanupImages, Engine, Files, glanceFor, octaviaQuery, startOctaviaPoller, uniqueKey, uniqueTag, type TestImage } from "./support";

describe("GlanceTaggedImage tag moves, retention and drift @cloud", function () {
  this.timeout(60_000);
  const files = new Files();
  const keys: string[] = [];
  const extra: string[] = [];
  let demo: GlanceClient;
  let octavia: GlanceClient;
  let a: TestImage;
  let b: TestImage;
  let c: TestImage;
  let d: TestImage;

  const engine = (label: string): Engine => {
    const key = uniqueKey(label);
    keys.push(key);
    return new Engine(demo, key);
  };
  const inputs = (tag: string, file: TestImage, more: Record<string, unknown> = {}) => ({ tag, file: file.path, diskFormat: "raw", ...more });

  before(async () => {
    // Octavia's own query runs from another session of the owner's project, as Octavia's service user would.
    [demo, octavia] = await Promise.all([glanceFor("local-demo"), glanceFor("local-admin")]);
    [a, b, c, d] = [await files.image(), await files.image(), await files.image(), await files.image()];
  });
  after(async () => {
    await cleanupImages(keys, extra);
    await files.remove();
  });

  it("create → move → rollback: Octavia's query never comes back empty and ends on the intended image", async () => {
    const e = engine("move");
    const tag = uniqueTag("move");
    const created = await e.up(inputs(tag, a));
    const first = created.outputs.imageId;
    assert.deepEqual((await octaviaQuery(octavia, tag, demo.projectId)).map((i) => i.id), [first]);

    const poller = startOctaviaPoller(octavia, tag, demo.projectId);
    const windows: number[][] = [];
    try {
      await new Promise((r) => setTimeout(r, 100));
      windows.push([Date.now()]);
      const moved = await e.up(inputs(tag, b));
      windows[0]?.push(Date.now());
      const second = moved.outputs.imageId;
      assert.notEqual(second, first);
      assert.equal(await poller.current(), second, "after the move Octavia gets the new image");
      assert.deepEqual((await octaviaQuery(octavia, tag, demo.projectId)).map((i) => i.id), [second]);
      assert.match(moved.lines.join("\n"), new RegExp(`tag "${tag}": ${first.slice(0, 8)}… \\("${tag}", created [^)]+\\) → new upload .*; ${first.slice(0, 8)}… kept untagged`));
      assert.match(moved.lines.join("\n"), new RegExp(`tag "${tag}" is on ${second.slice(0, 8)}…; untagged ${first.slice(0, 8)}…`));
      assert.deepEqual(moved.outputs.previousImageIds, [first]);

      windows.push([Date.now()]);
      const rolled = await e.up(inputs(tag, a, { file: undefined, imageId: first }));
      windows[1]?.push(Date.now());
      assert.equal(rolled.outputs.imageId, first);
      assert.equal(await poller.current(), first, "after the rollback Octavia gets the older image: every newer one lost the tag");
      assert.deepEqual((await getImage(demo, second)).tags, []);
      assert.deepEqual(rolled.outputs.previousImageIds, [second]);
    } finally {
      await poller.stop();
    }
    for (const [from = 0, to = 0] of windows) {
      const during = poller.samples.filter((x) => x.at >= from && x.at <= to).length;
      // polls are at most ~70 ms apart (20–50 ms pause plus the query), so any step of 100 ms or more is observed
      assert.ok(during >= 1 || to - from < 100, `no sample during a step of ${to - from} ms`);
    }
    const empty = poller.samples.filter((s) => s.ids.length === 0);
    assert.deepEqual(empty, [], "Octavia's query came back empty");
    assert.ok(poller.samples.length >= 10, `only ${poller.samples.length} samples`);
  });

  it("a tag change moves the tag (the old tag leaves the image) without a new upload", async () => {
    const e = engine("retag");
    const tag = uniqueTag("retag");
    const created = await e.up(inputs(tag, a));
    const renamed = uniqueTag("retag2");
    const preview = await e.preview(inputs(renamed, a));
    assert.match(preview.lines.join("\n"), new RegExp(`tag "${tag}" → "${renamed}" on`));
    const moved = await e.up(inputs(renamed, a));
    assert.equal(moved.outputs.imageId, created.outputs.imageId);
    assert.deepEqual((await getImage(demo, created.outputs.imageId)).tags, [renamed]);
  });

  it("retention: keep N with keep, deactivate, delete; a protected image survives delete", async () => {
    const e = engine("retention");
    const tag = uniqueTag("ret");
    const keep1 = { retention: { keep: 1, action: "keep" } };
    const ia = (await e.up(inputs(tag, a, keep1))).outputs.imageId;
    const ib = (await e.up(inputs(tag, b, keep1))).outputs.imageId;
    const third = await e.up(inputs(tag, c, keep1));
    const ic = third.outputs.imageId;
    assert.deepEqual(third.outputs.previousImageIds, [ib]);
    assert.equal((await getImage(demo, ia)).status, "active", "action keep leaves the expired image alone");
    assert.match(third.lines.join("\n"), new RegExp(`${ia.slice(0, 8)}… kept \\(retention action keep\\)`));

    await updateImage(demo, ib, [replaceAttribute("protected", true)]);
    const fourth = await e.up(inputs(tag, d, { retention: { keep: 1, action: "deactivate" } }));
    const id = fourth.outputs.imageId;
    assert.deepEqual(fourth.outputs.previousImageIds, [ic]);
    assert.equal((await getImage(demo, ib)).status, "deactivated");
    assert.equal((await getImage(demo, ia)).status, "deactivated");
    assert.equal((await getImage(demo, ic)).status, "active");

    const preview = await e.preview(inputs(tag, d, { retention: { keep: 0, action: "delete" } }));
    // Named image by image, as the update will treat them: the protected one is not deleted.
    assert.match(
      preview.lines.join("\n"),
      new RegExp(`apply retention: keep 0 previous image\\(s\\); (${ia.slice(0, 8)}…, ${ic.slice(0, 8)}…|${ic.slice(0, 8)}…, ${ia.slice(0, 8)}…) deleted by retention; ${ib.slice(0, 8)}… kept: protected, never deleted`),
    );
    const fifth = await e.up(inputs(tag, d, { retention: { keep: 0, action: "delete" }, keepLastTaggedImage: false }));
    assert.equal(fifth.outputs.imageId, id);
    assert.deepEqual(fifth.outputs.previousImageIds, []);
    await assert.rejects(getImage(demo, ia), /404/);
    await assert.rejects(getImage(demo, ic), /404/);
    const survivor = await getImage(demo, ib);
    assert.equal(survivor.protected, true);
    assert.match(fifth.lines.join("\n"), new RegExp(`${ib.slice(0, 8)}… kept: protected, never deleted`));
    assert.equal((await getImage(demo, id)).status, "active");

    const destroyed = await e.destroy();
    assert.match(destroyed.join("\n"), new RegExp(`kept ${ib.slice(0, 8)}… \\(protected\\)`));
    await assert.rejects(getImage(demo, id), /404/);
    assert.equal((await getImage(demo, ib)).protected, true);
  });

  it("retention and destroy never remove an image that carries another tag (a promoted canary)", async () => {
    const e = engine("othertag");
    const tag = uniqueTag("own");
    const other = uniqueTag("other");
    const deleteOld = { retention: { keep: 0, action: "delete" } };
    const first = (await e.up(inputs(tag, a, deleteOld))).outputs.imageId;
    const second = (await e.up(inputs(tag, b, deleteOld))).outputs.imageId;
    await assert.rejects(getImage(demo, first), /404/, "control: an untagged expired image is deleted");
    await addImageTag(demo, second, other);
    const third = await e.up(inputs(tag, c, { ...deleteOld, keepLastTaggedImage: false }));
    assert.notEqual(third.outputs.imageId, second);
    assert.equal((await getImage(demo, second)).status, "active", "expired but tagged: kept");
    const lines = (await e.destroy()).join("\n");
    assert.match(lines, new RegExp(`kept ${second.slice(0, 8)}… \\(tagged "${other}"\\)`));
    const survivor = await getImage(demo, second);
    assert.deepEqual(survivor.tags, [other]);
    extra.push(second);
  });

  it("drift: tag removed by hand, another image tagged by hand, image deleted by hand → refresh shows it, up repairs", async () => {
    const e = engine("drift");
    const tag = uniqueTag("drift");
    const created = await e.up(inputs(tag, a));
    const id = created.outputs.imageId;
    const short = id.slice(0, 8);

    await removeImageTag(demo, id, tag);
    const refreshed = await e.refresh();
    assert.match(refreshed.lines.join("\n"), new RegExp(`drift: tag "${tag}" removed from ${short}…`));
    assert.deepEqual(e.state?.drift, [`tag "${tag}" removed from ${short}…`]);
    const preview = await e.preview(inputs(tag, a));
    assert.equal(preview.changes, true);
    assert.match(preview.lines.join("\n"), /repair: tag .* removed from/);
    const repaired = await e.up(inputs(tag, a));
    assert.equal(repaired.op, "update");
    assert.deepEqual(repaired.outputs.drift, []);
    assert.deepEqual((await getImage(demo, id)).tags, [tag]);
    assert.equal((await e.up(inputs(tag, a))).op, "same");

    const byHand = await createImage(demo, { name: "tagged by hand", diskFormat: "raw", containerFormat: "bare", visibility: "private" });
    extra.push(byHand.id);
    await uploadImageData(demo, byHand.id, b.path);
    await addImageTag(demo, byHand.id, tag);
    await e.refresh();
    assert.deepEqual(e.state?.drift, [`tag "${tag}" also on ${byHand.id.slice(0, 8)}…`]);
    const untagged = await e.up(inputs(tag, a));
    assert.match(untagged.lines.join("\n"), new RegExp(`untagged ${byHand.id.slice(0, 8)}…`));
    assert.deepEqual((await getImage(demo, byHand.id)).tags, []);
    assert.deepEqual((await octaviaQuery(octavia, tag, demo.projectId)).map((i) => i.id), [id]);

    await deleteImage(demo, id);
    const gone = await e.refresh();
    assert.equal(gone.gone, true);
    assert.match(gone.lines.join("\n"), /is gone; .* is removed from state/);
    const again = await e.up(inputs(tag, a));
    assert.equal(again.op, "create");
    assert.notEqual(again.outputs.imageId, id);
    assert.deepEqual((await octaviaQuery(octavia, tag, demo.projectId)).map((i) => i.id), [again.outputs.imageId]);
  });
});
