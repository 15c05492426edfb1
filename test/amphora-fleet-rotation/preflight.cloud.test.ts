import * as assert from "node:assert";
import { useProviderHost } from "../harness";
import { OctaviaApiLog, TestFleet } from "./octavia-support";
import { argsFor, failedUp, hostOptions, linesOf, provider, TYPE } from "./rotation-support";

/**
 * Preflight against the real Octavia and Glance: with `imageId`, the rotation starts only when the tag resolves
 * to exactly that image in Octavia's own choice; every `loadBalancers` id must be one Octavia lists. A refusal
 * comes before any failover (Octavia's API log shows none) and the preview already says it.
 */

describe("AmphoraFleetRotation @cloud: preflight", function () {
  this.timeout(300_000);
  const ctx = useProviderHost(hostOptions);
  const fleet = new TestFleet();
  let a: string;
  let oldImage: string;
  let newImage: string;
  before(async () => {
    await fleet.connect();
    oldImage = await fleet.publishImage("old");
    [a] = (await fleet.loadBalancers(["a"], await fleet.flavor("ACTIVE_STANDBY"))) as [string];
    newImage = await fleet.publishImage("new");
  });
  after(() => fleet.cleanup());

  const noFailover = (log: OctaviaApiLog): void =>
    assert.deepStrictEqual(log.requests().filter((r) => r.includes("/failover")), [], "no failover was asked of Octavia");

  it("imageId that the tag does not resolve to: the preview says why an up would refuse, the up refuses naming both images", async () => {
    const log = new OctaviaApiLog();
    const lc = await ctx.host.lifecycle(provider, TYPE, "stale-image");
    const why =
      `the tag "${fleet.tag}" resolves to image ${newImage} in Octavia's choice (the newest active image with the tag), ` +
      `not imageId ${oldImage}: amphorae would boot that one`;
    const preview = await lc.preview(argsFor(fleet, [a], { imageId: oldImage }));
    assert.strictEqual(preview.output.length, 1);
    assert.ok(preview.output[0]?.endsWith(`; up would refuse: ${why}`), preview.output[0]);
    const err = await failedUp(lc, argsFor(fleet, [a], { imageId: oldImage }));
    assert.strictEqual(err.details, `AmphoraFleetRotation ${fleet.tag}: refused before any failover: ${why} (ERR_PREFLIGHT)`);
    noFailover(log);
  });

  it("refuses an image of another owner than imageOwner, an image without the tag, and load balancers Octavia does not list", async () => {
    const log = new OctaviaApiLog();
    const lc = await ctx.host.lifecycle(provider, TYPE, "refusals");
    const otherOwner = "0123456789abcdef0123456789abcdef";
    let err = await failedUp(lc, argsFor(fleet, [a], { imageId: newImage, imageOwner: otherOwner }));
    assert.match(err.details, new RegExp(`refused before any failover: imageId ${newImage} is owned by project [0-9a-f]{32}, not imageOwner ${otherOwner}: Octavia would not boot it \\(ERR_PREFLIGHT\\)$`));

    const untagged = await fleet.publishImage("untagged", {}, "-other");
    err = await failedUp(lc, argsFor(fleet, [a], { imageId: untagged }));
    assert.match(err.details, new RegExp(`refused before any failover: imageId ${untagged} does not carry the tag "${fleet.tag}": Octavia would not boot it \\(ERR_PREFLIGHT\\)$`));

    const unknown = crypto.randomUUID();
    err = await failedUp(lc, argsFor(fleet, [a, unknown]));
    assert.match(err.details, new RegExp(`refused before any failover: loadBalancers names ${unknown}, which Octavia does not list \\(deleted, being deleted, or not visible to this session\\) \\(ERR_PREFLIGHT\\)$`));
    noFailover(log);
  });

  it("imageId the tag resolves to: the rotation runs", async () => {
    const lc = await ctx.host.lifecycle(provider, TYPE, "pinned");
    const up = await lc.up(argsFor(fleet, [a], { imageId: newImage, canary: 1 }));
    assert.deepStrictEqual(up.outputs.rotated, [a]);
    assert.deepStrictEqual(up.outputs.targetImages, { [fleet.tag]: newImage });
    assert.ok(!linesOf(fleet, up.output).some((l) => l.includes("refuse")));
  });
});
