/**
 * One owner per resource instance: a second deployment with the same `<project>/<stack>/<name>`, a destroy, a
 * conflict with another resource, a failure after the tag moved and a change of credentials never take Octavia's
 * image away or leave a tagged image no state knows. Octavia's query is polled throughout where the tag moves.
 */
import { strict as assert } from "node:assert";
import * as sinon from "sinon";
import type { GlanceClient } from "../../provider/glance/client";
import { getImage, listAllImages } from "../../provider/glance";
import { GlanceTaggedImageError } from "../../provider/glance-tagged-image/errors";
import { INSTANCE_MARKER, RELEASED_MARKER } from "../../provider/glance-tagged-image/markers";
import * as retention from "../../provider/glance-tagged-image/retention";
import { cleanupImages, Engine, Files, glanceFor, octaviaQuery, startOctaviaPoller, uniqueKey, uniqueTag, type Poller, type TestImage } from "./support";

describe("GlanceTaggedImage identity: one owner per resource instance @cloud", function () {
  this.timeout(90_000);
  const files = new Files();
  const keys: string[] = [];
  let demo: GlanceClient;
  let alt: GlanceClient;
  let octavia: GlanceClient;
  let a: TestImage;
  let b: TestImage;
  let c: TestImage;

  const newKey = (label: string): string => {
    const key = uniqueKey(label);
    keys.push(key);
    return key;
  };
  const inputs = (tag: string, file: TestImage, more: Record<string, unknown> = {}) => ({ tag, file: file.path, diskFormat: "raw", ...more });
  const ids = async (tag: string): Promise<string[]> => (await octaviaQuery(octavia, tag, demo.projectId)).map((i) => i.id);
  const neverEmpty = async (poller: Poller): Promise<void> => {
    await poller.stop();
    const empty = poller.samples.filter((s) => s.ids.length === 0).length;
    assert.ok(poller.samples.length >= 3, `only ${poller.samples.length} samples`);
    assert.equal(empty, 0, `Octavia's query came back empty ${empty} times of ${poller.samples.length}`);
  };

  before(async () => {
    [demo, alt, octavia] = await Promise.all([glanceFor("local-demo"), glanceFor("local-alt"), glanceFor("local-admin")]);
    [a, b, c] = [await files.image(), await files.image(), await files.image()];
  });
  after(async () => {
    await cleanupImages(keys);
    await files.remove();
  });

  it("two deployments with the same project/stack/name never untag, deactivate or delete each other's images", async () => {
    const key = newKey("twin");
    const tag = uniqueTag("twin");
    const deleteOld = { retention: { keep: 0, action: "delete" } };
    const first = new Engine(demo, key);
    const second = new Engine(demo, key); // another clone, another state file, the same names
    const one = (await first.up(inputs(tag, a, deleteOld))).outputs;
    const poller = startOctaviaPoller(octavia, tag, demo.projectId);

    const two = await second.up(inputs(tag, b, deleteOld));
    assert.notEqual(two.outputs.instanceId, one.instanceId, "each deployment is its own instance");
    assert.match(two.lines.join("\n"), new RegExp(`left tagged: ${one.imageId.slice(0, 8)}… of another instance of this resource name`));
    assert.deepEqual((await getImage(demo, one.imageId)).tags, [tag], "the first deployment's image keeps the tag");
    assert.equal(two.outputs.previousImageIds.length, 0, "the first deployment's image is not history of the second");

    const oneAgain = await first.up(inputs(tag, c, deleteOld));
    assert.equal((await getImage(demo, two.outputs.imageId)).status, "active", "retention of the first leaves the second's image alone");
    assert.deepEqual((await getImage(demo, two.outputs.imageId)).tags, [tag]);
    await assert.rejects(getImage(demo, one.imageId), /404/, "control: the first deployment's own previous image is deleted by its retention");

    // The other deployment's tagged image is no drift: an update would leave it tagged, so refresh must not plan a
    // repair that every later refresh finds again.
    const refreshed = await first.refresh();
    assert.deepEqual(first.state?.drift, [], refreshed.lines.join("\n"));
    assert.match(refreshed.lines.join("\n"), new RegExp(`also on ${two.outputs.imageId.slice(0, 8)}… of another instance of this resource name, left tagged`));
    assert.equal((await first.preview(inputs(tag, c, deleteOld))).changes, false, "no repair planned");

    await first.destroy();
    assert.deepEqual((await getImage(demo, two.outputs.imageId)).tags, [tag], "destroying the first leaves the second's image tagged");
    await assert.rejects(getImage(demo, oneAgain.outputs.imageId), /404/, "the first deployment's image went with it: the second still carries the tag");
    await neverEmpty(poller);
    assert.deepEqual(await ids(tag), [two.outputs.imageId]);
  });

  it("destroy never leaves Octavia without an image: the last tagged image is released, and the next resource of that name takes it over", async () => {
    const key = newKey("release");
    const tag = uniqueTag("release");
    const gone = new Engine(demo, key);
    const created = (await gone.up(inputs(tag, a))).outputs;
    const poller = startOctaviaPoller(octavia, tag, demo.projectId);
    const lines = (await gone.destroy()).join("\n");
    assert.match(lines, new RegExp(`kept ${created.imageId.slice(0, 8)}… \\(still carries tag "${tag}"`));
    const released = await getImage(demo, created.imageId);
    assert.deepEqual(released.tags, [tag]);
    assert.equal(released[RELEASED_MARKER], "true");

    const next = new Engine(demo, key);
    const step = await next.up(inputs(tag, b, { retention: { keep: 0, action: "delete" } }));
    assert.match(step.lines.join("\n"), new RegExp(`taking over ${created.imageId.slice(0, 8)}…`));
    assert.match(step.lines.join("\n"), new RegExp(`untagged ${created.imageId.slice(0, 8)}…`));
    await assert.rejects(getImage(demo, created.imageId), /404/, "taken over, then expired by the new resource's retention");
    await neverEmpty(poller);
    assert.deepEqual(await ids(tag), [step.outputs.imageId]);
  });

  it("a tag conflict on create leaves nothing behind: the tag stays where it was and no image of the failed resource remains", async () => {
    const tag = uniqueTag("conflict");
    const holder = new Engine(demo, newKey("holder"));
    const held = (await holder.up(inputs(tag, a))).outputs.imageId;
    const intruderKey = newKey("intruder");
    const intruder = new Engine(demo, intruderKey);
    await assert.rejects(intruder.up(inputs(tag, b)), (err: unknown) => {
      assert.ok(err instanceof GlanceTaggedImageError, String(err));
      assert.equal(err.code, "ERR_TAG_CONFLICT");
      assert.match(err.message, new RegExp(`image ${held} of resource ${holder.resourceKey} carries it`));
      assert.match(err.message, /Nothing was moved/);
      return true;
    });
    assert.deepEqual(await ids(tag), [held]);
    const tagged = await listAllImages(demo, { tag, owner: demo.projectId });
    assert.deepEqual(tagged.map((i) => i.id), [held], "only the holder's image carries the tag");
    const left = await listAllImages(demo, { owner: demo.projectId, filters: { pulumi_amphora_resource: intruderKey } });
    assert.deepEqual(left.map((i) => i.id), [], "the failed create's image was deleted");

    // The error's advice: another tag. The new resource publishes (nothing half-made to adopt) and the first tag stays put.
    const other = uniqueTag("conflict-other");
    const retried = await intruder.up(inputs(other, b));
    assert.deepEqual((await getImage(demo, retried.outputs.imageId)).tags, [other]);
    assert.deepEqual(await ids(tag), [held]);
  });

  it("a failure after the tag moved keeps the tagged image in state (init error), and the next up finishes", async () => {
    const key = newKey("initerr");
    const tag = uniqueTag("initerr");
    const e = new Engine(demo, key);
    const stub = sinon.stub(retention, "applyRetention").rejects(new Error("Glance went away"));
    let reported: { id?: string; properties?: { imageId: string } } = {};
    try {
      await assert.rejects(e.up(inputs(tag, a)), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.match(err.message, /applying retention failed: Glance went away; image .* carries the tag and is kept in state/);
        reported = err as unknown as typeof reported;
        return true;
      });
    } finally {
      stub.restore();
    }
    assert.equal(reported.id, key, "the engine gets the resource id with the error");
    const tagged = await ids(tag);
    assert.equal(tagged.length, 1);
    assert.equal(reported.properties?.imageId, tagged[0], "the partial state names the tagged image");
  });

  it("credentials of another project: update and destroy refuse naming both projects, refresh keeps the image it cannot see", async () => {
    const key = newKey("project");
    const tag = uniqueTag("project");
    const asDemo = new Engine(demo, key);
    const created = (await asDemo.up(inputs(tag, a))).outputs;
    const asAlt = new Engine(alt, key);
    asAlt.state = created;
    const preview = await asAlt.preview(inputs(tag, a));
    assert.equal(preview.changes, true, "a change of project is planned, even with nothing else changed");
    assert.match(preview.lines.join("\n"), new RegExp(`the session is project ${alt.projectId}, but image ${created.imageId} .* belong to project ${demo.projectId}: up will refuse`));
    await assert.rejects(asAlt.up(inputs(tag, b)), (err: unknown) => {
      assert.ok(err instanceof GlanceTaggedImageError, String(err));
      assert.equal(err.code, "ERR_PROJECT_CHANGED");
      assert.match(err.message, new RegExp(`session is project ${alt.projectId}.*belong to project ${demo.projectId}`));
      return true;
    });
    const refreshed = await asAlt.refresh();
    assert.equal(refreshed.gone, false, "a 404 for another project's image is not 'gone'");
    assert.match(refreshed.lines.join("\n"), new RegExp(`cannot see image ${created.imageId}`));
    assert.equal(asAlt.state?.imageId, created.imageId);
    const image = await getImage(demo, created.imageId);
    assert.deepEqual(image.tags, [tag]);
    assert.equal(image[INSTANCE_MARKER], created.instanceId);

    // destroy with alt's session would find none of demo's images and forget the resource: it refuses instead.
    await assert.rejects(asAlt.destroy(), (err: unknown) => {
      assert.ok(err instanceof GlanceTaggedImageError, String(err));
      assert.equal(err.code, "ERR_PROJECT_CHANGED");
      assert.match(err.message, new RegExp(`belong to project ${demo.projectId}: nothing was deleted and the resource stays in state`));
      return true;
    });
    assert.deepEqual((await getImage(demo, created.imageId)).tags, [tag]);
    assert.match((await asDemo.destroy()).join("\n"), new RegExp(`${created.imageId.slice(0, 8)}`));
  });

  it("projectId moves the resource: the new project publishes and tags, the old one's images stay tagged, neither query is ever empty", async () => {
    const key = newKey("move");
    const tag = uniqueTag("move");
    const asDemo = new Engine(demo, key);
    const created = (await asDemo.up(inputs(tag, a))).outputs;
    const asAlt = new Engine(alt, key);
    asAlt.state = created;

    // projectId naming another project than the session's is refused in check, before anything happens.
    const wrong = await asAlt.check(inputs(tag, a, { projectId: demo.projectId }));
    assert.deepEqual(wrong.failures.map((f) => f.property), ["projectId"]);
    assert.match(wrong.failures[0]!.reason, new RegExp(`the session is project ${alt.projectId}, not ${demo.projectId}`));

    const move = inputs(tag, a, { projectId: alt.projectId, keepLastTaggedImage: false });
    const preview = await asAlt.preview(move);
    assert.equal(preview.changes, true);
    assert.match(
      preview.lines.join("\n"),
      new RegExp(`project ${demo.projectId} → ${alt.projectId} \\(projectId\\): up publishes the source in ${alt.projectId} and tags it there; in ${demo.projectId}, image ${created.imageId} \\(tag "${tag}"\\) are left as they are`),
    );
    const demoQuery = startOctaviaPoller(octavia, tag, demo.projectId);
    const moved = await asAlt.up(move);
    await neverEmpty(demoQuery);
    assert.equal(moved.outputs.ownerId, alt.projectId);
    assert.notEqual(moved.outputs.imageId, created.imageId);
    assert.match(moved.outputs.octavia.configSnippet, new RegExp(`amp_image_owner_id = ${alt.projectId}`));
    assert.match(moved.lines.join("\n"), new RegExp(`tag "${tag}" is on image ${moved.outputs.imageId} in ${alt.projectId}; in ${demo.projectId}, image ${created.imageId}`));
    assert.deepEqual((await octaviaQuery(octavia, tag, alt.projectId)).map((i) => i.id), [moved.outputs.imageId]);
    assert.deepEqual(await ids(tag), [created.imageId], "the old project's image keeps the tag for Octavia's old configuration");

    // Afterwards the resource is alt's: an up with nothing changed is a no-op, destroy removes alt's images only
    // (keepLastTaggedImage false: its last one too).
    assert.equal((await asAlt.up(move)).op, "same");
    await asAlt.destroy();
    assert.deepEqual((await octaviaQuery(octavia, tag, alt.projectId)).map((i) => i.id), []);
    assert.deepEqual((await getImage(demo, created.imageId)).tags, [tag]);
  });
});
