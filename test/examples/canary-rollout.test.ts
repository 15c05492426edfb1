import { strict as assert } from "node:assert";
import type { GlanceClient } from "../../provider/glance/client";
import { getImage } from "../../provider/glance/images";
import { assertTagKeptThenClean, ExampleStack, glanceIn, octaviaPick, summaryLine, type RecordedResource } from "./support";

/**
 * examples/canary-rollout through scripts/run-program.ts against the local cloud: first deploy (both tags on one
 * image), a canary (new build gets the canary tag only, the main tag stays on stableImageId), promotion (one
 * config change moves the main tag). The Octavia flavor profile and flavor are recorded (the local cloud has no
 * Octavia): their inputs must carry the canary tag in Octavia's flavor-data format.
 */
describe("examples/canary-rollout: canary tag, Octavia flavor, promotion @cloud", function () {
  this.timeout(120_000);
  let stack: ExampleStack;
  let glance: GlanceClient;
  let mainTag = "";
  let canaryTag = "";
  let owner = "";
  let first = "";
  let second = "";

  const tagsOf = async (id: string) => (await getImage(glance, id)).tags.filter((t) => t === mainTag || t === canaryTag).sort();

  before(async () => {
    stack = new ExampleStack("canary-rollout", {});
    mainTag = stack.unique("amphora");
    canaryTag = stack.unique("amphora-canary");
    stack.config = {
      "openstack:cloud": "local-admin",
      tag: mainTag,
      canaryTag,
      flavorName: stack.unique("flavor"),
      stores: "fast",
      builder: "fixture",
      sizeGb: "1",
      outputDir: stack.work,
    };
    glance = await glanceIn("local-admin");
  });
  after(async () => {
    await stack?.dispose();
    if (owner) {
      await assertTagKeptThenClean(glance, [mainTag, canaryTag], owner);
    }
  });

  it("first up: one image carries both tags; the flavor profile sets amp_image_tag to the canary tag", async () => {
    const r = await stack.up();
    assert.equal(summaryLine(r), "Resources: 5 created, 0 updated, 0 unchanged, 0 deleted");
    const out = stack.outputs();
    first = out.canaryImageId as string;
    owner = out.ampImageOwnerId as string;
    assert.equal(out.ampImageId, first);
    assert.equal(out.phase, "promoted");
    assert.equal(out.ampImageTag, mainTag);
    assert.equal(out.canaryImageTag, canaryTag);
    assert.equal(out.octaviaConf, `[controller_worker]\namp_image_tag = ${mainTag}\namp_image_owner_id = ${owner}\n`);
    assert.equal(await octaviaPick(glance, mainTag, owner), first);
    assert.equal(await octaviaPick(glance, canaryTag, owner), first);

    // The Octavia objects, as recorded with their inputs (what the OpenStack provider would be given).
    const recorded = stack.state().resources;
    const profile = only(recorded, "openstack:loadbalancer/flavorprofileV2:FlavorprofileV2");
    const flavor = only(recorded, "openstack:loadbalancer/flavorV2:FlavorV2");
    assert.equal(profile.inputs.providerName, "amphora");
    assert.deepEqual(JSON.parse(profile.inputs.flavorData as string), { amp_image_tag: canaryTag });
    assert.equal(flavor.inputs.flavorProfileId, profile.id);
    assert.equal(flavor.inputs.name, stack.config.flavorName);
    assert.equal(flavor.inputs.enabled, true);
    assert.equal(out.canaryFlavorId, flavor.id);
    assert.equal(out.canaryFlavorData, profile.inputs.flavorData);
  });

  it("canary: a new build gets the canary tag only; Octavia's default query still returns the stable image", async () => {
    stack.config.stableImageId = first;
    stack.config.sizeGb = "2";
    const r = await stack.up();
    // The build and the canary image change; the main tag (same imageId) and the flavor objects do not.
    assert.equal(summaryLine(r), "Resources: 0 created, 2 updated, 3 unchanged, 0 deleted");
    const out = stack.outputs();
    second = out.canaryImageId as string;
    assert.notEqual(second, first);
    assert.equal(out.ampImageId, first);
    assert.equal(out.phase, "canary");
    assert.equal(await octaviaPick(glance, mainTag, owner), first, "amp_image_tag of octavia.conf");
    assert.equal(await octaviaPick(glance, canaryTag, owner), second, "amp_image_tag of the canary flavor");
    assert.deepEqual(await tagsOf(first), [mainTag]);
    assert.deepEqual(await tagsOf(second), [canaryTag]);
  });

  it("promotion (stableImageId removed) moves the main tag to the canary image", async () => {
    delete stack.config.stableImageId;
    const r = await stack.up();
    assert.equal(summaryLine(r), "Resources: 0 created, 1 updated, 4 unchanged, 0 deleted");
    assert.match(r.stdout, new RegExp(`tag "${mainTag}": ${first.slice(0, 8)}… \\([^)]*\\) → adopt image ${second.slice(0, 8)}…`));
    const out = stack.outputs();
    assert.equal(out.ampImageId, second);
    assert.equal(out.phase, "promoted");
    assert.equal(await octaviaPick(glance, mainTag, owner), second);
    assert.deepEqual(await tagsOf(second), [canaryTag, mainTag].sort());
    assert.deepEqual(await tagsOf(first), []);
    assert.equal((await getImage(glance, first)).status, "active", "kept by the canary resource's retention (keep)");
  });
});

function only(resources: RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((r) => r.type === type);
  assert.equal(found.length, 1, `one ${type} in state, got ${found.length}`);
  return found[0] as RecordedResource;
}
