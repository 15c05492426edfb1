import * as assert from "node:assert";
import { amphoraImagesInUse } from "../../provider/octavia/images-in-use";
import { octaviaFor, TestFleet } from "./octavia-support";

/**
 * amphoraImagesInUse against the real Octavia: the image a load balancer's amphorae booted is in use (counted per
 * amphora), a fresh image nobody boots is not, and a session that may not read the amphora API gets Octavia's 403 as
 * `unknown`, never an empty set.
 */

describe("amphoraImagesInUse @cloud: images Octavia's amphorae still boot from", function () {
  this.timeout(300_000);
  const fleet = new TestFleet();
  let booted: string;
  let fresh: string;
  before(async () => {
    await fleet.connect();
    booted = await fleet.publishImage("booted");
    await fleet.loadBalancers(["a"], await fleet.flavor("ACTIVE_STANDBY"));
    fresh = await fleet.publishImage("fresh");
  });
  after(() => fleet.cleanup());

  it("counts the serving amphorae per image", async () => {
    const use = await amphoraImagesInUse(await octaviaFor("local-admin"));
    assert.ok("inUse" in use, JSON.stringify(use));
    assert.strictEqual(use.inUse.get(booted), 2, "both amphorae of the ACTIVE_STANDBY load balancer");
    assert.strictEqual(use.inUse.has(fresh), false);
  });

  it("a session that may not read the amphora API: unknown, with Octavia's answer", async () => {
    const use = await amphoraImagesInUse(await octaviaFor("local-demo"));
    assert.ok("unknown" in use, JSON.stringify(use));
    assert.match(use.unknown, /^this session may not read Octavia's amphora API \(403 /);
  });
});
