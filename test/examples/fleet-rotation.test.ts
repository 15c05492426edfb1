import { strict as assert } from "node:assert";
import { TestFleet } from "../amphora-fleet-rotation/octavia-support";
import { assertTagKeptThenClean, ExampleStack, explain, glanceIn, octaviaPick } from "./support";

/**
 * examples/fleet-rotation through scripts/run-program.ts against the local cloud with Octavia: the first up builds,
 * publishes and tags (no load balancer selected yet); three load balancers of a flavor booting the example's tag come up on
 * that image; a rebuild publishes a new image, moves the tag, and the same up fails over the canary, then the rest of
 * the fleet, until every amphora is on the new image.
 */
describe("examples/fleet-rotation: build, publish, tag move, canary, the rest of the fleet @cloud", function () {
  this.timeout(300_000);
  let stack: ExampleStack;
  let fleet: TestFleet;
  let owner = "";
  let lbs: string[] = [];

  before(async () => {
    stack = new ExampleStack("fleet-rotation", {});
    fleet = await new TestFleet(stack.unique("fleet-example")).connect();
    stack.config = {
      "openstack:cloud": "local-admin",
      tag: fleet.tag,
      sizeGb: "1",
      outputDir: stack.work,
      // Octavia refuses a flavor whose amp_image_tag no image carries yet: the test's flavor comes after the first up.
      flavorIds: "no-such-flavor",
      canary: "1",
      batchSize: "2",
      concurrency: "2",
      pauseSeconds: "0",
      operatingStatuses: "ONLINE,OFFLINE",
    };
  });
  after(async () => {
    await fleet?.cleanup();
    await stack?.dispose();
    if (owner) await assertTagKeptThenClean(await glanceIn("local-admin"), fleet.tag, owner);
  });

  it("up publishes and tags the image; the rotation finds no load balancer yet", async () => {
    const r = await stack.up();
    const out = stack.outputs();
    owner = /amp_image_owner_id = ([0-9a-f]{32})/.exec(out.octaviaConf as string)?.[1] ?? assert.fail(explain(r));
    assert.equal(await octaviaPick(await glanceIn("local-admin"), fleet.tag, owner), out.ampImageId);
    assert.deepEqual(out.rotated, []);
    assert.deepEqual(out.pending, []);
    stack.config.flavorIds = await fleet.flavor("ACTIVE_STANDBY");
    lbs = await fleet.loadBalancers(["a", "b", "c"], stack.config.flavorIds);
    for (const id of lbs) assert.ok((await fleet.amphorae(id)).every((a) => a.image_id === out.ampImageId));
  });

  it("a rebuild publishes a new image, moves the tag, and rotates the fleet onto it: canary first, then the batch", async () => {
    const before = stack.outputs().ampImageId;
    stack.config.sizeGb = "2";
    const r = await stack.up();
    const out = stack.outputs();
    const image = out.ampImageId as string;
    assert.notEqual(image, before);
    assert.match(r.stdout, new RegExp(`AmphoraFleetRotation ${fleet.tag}: 3 load balancers to fail over onto image ${image.slice(0, 8)} `));
    assert.match(r.stdout, new RegExp(`canary 1/1: ${fleet.tag}-a \\(${(lbs[0] as string).slice(0, 8)}\\) failed over and passed its gate`));
    assert.equal((out.rotated as string[])[0], lbs[0], "the canary first");
    assert.deepEqual([...(out.rotated as string[])].sort(), [...lbs].sort());
    assert.deepEqual(out.pending, []);
    assert.deepEqual(out.failed, {});
    assert.deepEqual(out.amphoraeByImage, { [image]: 6 });
    for (const id of lbs) assert.ok((await fleet.amphorae(id)).every((a) => a.image_id === image));
  });
});
