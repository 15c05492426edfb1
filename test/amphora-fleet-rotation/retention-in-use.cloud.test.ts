/**
 * Retention never deactivates or deletes an image Octavia's amphorae still boot from (issue 16): a load balancer
 * of an Octavia flavor whose amp_image_tag is this resource's tag boots the resource's first image; moving the tag
 * twice with retention `delete`, keep 0, deletes the second image but keeps the first, and preview and up say so.
 * Through the real dynamic-provider host as local-admin (who may read the amphora API), against the real Octavia
 * (kept with the fleet's tests: CI's OpenStack 2025.1 pass runs the Glance suites without Octavia).
 */
import { strict as assert } from "node:assert";
import { getImage, isStatus, type GlanceClient } from "../../provider/glance";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { TestFleet } from "./octavia-support";
import { hostOptions } from "./rotation-support";
import { useProviderHost, type Lifecycle } from "../harness";
import { cleanupImages, Files, glanceFor, uniqueTag, type TestImage } from "../glance-tagged-image/support";

const TYPE = "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage";
const provider = packageProvider("glance-tagged-image/provider");

async function statusOf(glance: GlanceClient, id: string): Promise<string> {
  try {
    return (await getImage(glance, id)).status;
  } catch (err) {
    if (isStatus(err, 404)) return "gone";
    throw err;
  }
}

describe("GlanceTaggedImage retention keeps the images Octavia's amphorae boot from @cloud", function () {
  this.timeout(300_000);
  const files = new Files();
  const tag = uniqueTag("in-use");
  const resourceKey = `amphora-test/test/${tag}`;
  const fleet = new TestFleet(tag);
  let admin: GlanceClient;
  let imgs: TestImage[];
  const ctx = useProviderHost(hostOptions);
  before(async () => {
    [admin] = await Promise.all([glanceFor("local-admin"), fleet.connect()]);
    imgs = [await files.image(), await files.image(), await files.image()];
  });
  after(async () => {
    await fleet.cleanup();
    await cleanupImages([resourceKey]);
    await files.remove();
  });

  it("an image amphorae boot from is kept (plan and up name it with its amphorae); an unused one is deleted", async () => {
    const lc: Lifecycle = await ctx.host.lifecycle(provider, TYPE, "in-use");
    const [a, b, c] = imgs as [TestImage, TestImage, TestImage];
    const base = { resourceKey, tag, diskFormat: "raw", keepLastTaggedImage: false, retention: { keep: 0, action: "delete" } };

    const booted = String((await lc.up({ ...base, file: a.path })).outputs.imageId);
    const [lb] = await fleet.loadBalancers(["lb"], await fleet.flavor("ACTIVE_STANDBY"));
    const amphorae = await fleet.amphorae(lb as string);
    assert.deepEqual(amphorae.map((x) => x.image_id), [booted, booted], "the load balancer's two amphorae boot the resource's image");

    const inUse = new RegExp(`${booted.slice(0, 8)}… \\(2 amphorae\\) kept: amphorae boot from it`);
    const preview = await lc.preview({ ...base, file: b.path });
    assert.match(preview.output.join("\n"), inUse);
    const second = await lc.up({ ...base, file: b.path });
    const unused = String(second.outputs.imageId);
    assert.match(second.output.join("\n"), inUse);
    assert.equal(await statusOf(admin, booted), "active", "retention delete kept the image in use");
    assert.deepEqual(second.outputs.previousImageIds, []);

    const planThird = (await lc.preview({ ...base, file: c.path })).output.join("\n");
    assert.match(planThird, new RegExp(`${unused.slice(0, 8)}… deleted by retention`));
    assert.match(planThird, inUse);
    await lc.up({ ...base, file: c.path });
    assert.equal(await statusOf(admin, unused), "gone", "the image nobody boots went as retention said");
    assert.equal(await statusOf(admin, booted), "active");
  });
});
