import { strict as assert } from "node:assert";
import type { GlanceClient } from "../../provider/glance/client";
import { isStatus } from "../../provider/glance/errors";
import { getImage } from "../../provider/glance/images";
import { assertTagKeptThenClean, ExampleStack, REGION_TWO, ensureRegionTwo, glanceIn, octaviaPick, summaryLine, taggedImages } from "./support";

const REGION_ONE = "RegionOne";
/** Not in the catalog: only named in a diff, which calls nothing (RegionOne would be importFrom's own region). */
const REGION_THREE = "RegionThree";

interface OctaviaOut {
  ampImageTag: string;
  ampImageOwnerId: string;
  ampImageId: string;
  configSnippet: string;
}

/**
 * examples/multi-region through scripts/run-program.ts against the local cloud with its second Glance (region
 * RegionTwo, `local-openstack.sh start --region-two`, started here when missing): one build, one
 * GlanceTaggedImage per region; each region's Glance answers Octavia's query with its own image, and a rebuild
 * moves the tag in both.
 */
describe("examples/multi-region: one build published to two regions @cloud", function () {
  this.timeout(120_000);
  let stack: ExampleStack;
  const glance: Record<string, GlanceClient> = {};
  let tag = "";
  let owner = "";
  let firstIds: Record<string, string> = {};

  before(async function () {
    this.timeout(180_000);
    await ensureRegionTwo();
    stack = new ExampleStack("multi-region", {});
    tag = stack.unique("amphora-mr");
    stack.config = {
      "openstack:cloud": "local-multi",
      regions: `${REGION_ONE},${REGION_TWO}`,
      tag,
      stores: "fast,cheap",
      builder: "fixture",
      sizeGb: "1",
      outputDir: stack.work,
      keep: "1",
      retentionAction: "delete",
    };
    for (const region of [REGION_ONE, REGION_TWO]) glance[region] = await glanceIn("local-multi", region);
  });
  after(async () => {
    await stack?.dispose();
    if (owner) {
      for (const region of [REGION_ONE, REGION_TWO]) {
        await assertTagKeptThenClean(glance[region]!, tag, owner);
      }
    }
  });

  const exists = async (region: string, id: string) =>
    getImage(glance[region]!, id).then(
      () => true,
      (err: unknown) => (isStatus(err, 404) ? false : Promise.reject(err)),
    );

  it("up publishes the build to both regions: outputs and Octavia's query per region", async () => {
    const r = await stack.up();
    assert.equal(summaryLine(r), "Resources: 3 created, 0 updated, 0 unchanged, 0 deleted");
    assert.match(r.stdout, new RegExp(`tag "${tag}" in ${REGION_ONE}: new upload`));
    const out = stack.outputs();
    firstIds = out.ampImageIds as Record<string, string>;
    // Uploaded once: RegionTwo's Glance (glance-download enabled) imports RegionOne's image itself.
    const origin = firstIds[REGION_ONE]!.slice(0, 8);
    assert.match(r.stdout, new RegExp(`tag "${tag}" in ${REGION_TWO}: glance-download of image ${origin}… of ${REGION_ONE} \\(nothing uploaded from here\\)`));
    const octavia = out.octavia as Record<string, OctaviaOut>;
    assert.deepEqual(Object.keys(firstIds).sort(), [REGION_ONE, REGION_TWO]);
    assert.notEqual(firstIds[REGION_ONE], firstIds[REGION_TWO]);
    owner = octavia[REGION_ONE]!.ampImageOwnerId;
    assert.equal(octavia[REGION_TWO]!.ampImageOwnerId, owner, "one Keystone: the same project owns both");
    for (const region of [REGION_ONE, REGION_TWO]) {
      const id = firstIds[region]!;
      assert.equal(octavia[region]!.ampImageId, id);
      assert.equal(octavia[region]!.configSnippet, `[controller_worker]\namp_image_tag = ${tag}\namp_image_owner_id = ${owner}\n`);
      assert.equal(await octaviaPick(glance[region]!, tag, owner), id, `Octavia's query in ${region}`);
      const image = await getImage(glance[region]!, id);
      assert.equal(image.os_hash_value, out.sha512, `the build's bytes in ${region}`);
    }
    assert.deepEqual(out.imageStores, { [REGION_ONE]: ["cheap", "fast"], [REGION_TWO]: ["cheap", "fast"] });
    // Two Glances: each image exists in its own region only.
    assert.equal(await exists(REGION_TWO, firstIds[REGION_ONE]!), false);
    assert.equal(await exists(REGION_ONE, firstIds[REGION_TWO]!), false);
  });

  it("a rebuild moves the tag in each region (one tag move per region), RegionTwo importing RegionOne's new image", async () => {
    stack.config.sizeGb = "2";
    const r = await stack.up();
    assert.equal(summaryLine(r), "Resources: 0 created, 3 updated, 0 unchanged, 0 deleted");
    const ids = stack.outputs().ampImageIds as Record<string, string>;
    assert.match(r.stdout, new RegExp(`by glance-download from image ${ids[REGION_ONE]} of ${REGION_ONE}`));
    assert.equal((await getImage(glance[REGION_TWO]!, ids[REGION_TWO]!)).os_hash_value, stack.outputs().sha512);
    for (const region of [REGION_ONE, REGION_TWO]) {
      assert.notEqual(ids[region], firstIds[region]);
      assert.equal(await octaviaPick(glance[region]!, tag, owner), ids[region], `Octavia's query in ${region}`);
      assert.deepEqual(await taggedImages(glance[region]!, tag, owner), [ids[region]]);
    }
  });

  it("changing a resource's region is planned as a replacement, old region first (diff, no call)", async () => {
    const { provider } = await import("../../provider/glance-tagged-image/provider");
    const record = stack.state().resources.find((x) => x.name === `amphora-${REGION_TWO}`)!;
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      const diff = await provider.diff!(record.id, record.outputs, { ...record.inputs, region: REGION_THREE });
      assert.deepEqual(diff, { changes: true, replaces: ["region"], deleteBeforeReplace: true });
    } finally {
      process.stdout.write = write;
    }
    assert.deepEqual(lines, [
      `GlanceTaggedImage amphora-${REGION_TWO}: tag "${tag}": region ${REGION_TWO} → ${REGION_THREE}: replace (the old resource's images leave ${REGION_TWO} first, except its current image, which keeps the tag there while no other image of the project carries it; then ${REGION_THREE} publishes)\n`,
    ]);
    // With keepLastTaggedImage false the tag leaves too, and the line says so.
    lines.length = 0;
    process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await provider.diff!(record.id, { ...record.outputs, keepLastTaggedImage: false }, { ...record.inputs, region: REGION_THREE, keepLastTaggedImage: false });
    } finally {
      process.stdout.write = write;
    }
    assert.match(lines[0] ?? "", new RegExp(`replace \\(tag and images leave ${REGION_TWO} first; then ${REGION_THREE} publishes\\)`));
  });
});
