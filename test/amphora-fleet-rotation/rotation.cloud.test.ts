import * as assert from "node:assert";
import { assertProviderSerializes, ProviderCallError, useProviderHost, type Lifecycle } from "../harness";
import { readCloud } from "../support/cloud";
import { TestFleet } from "./octavia-support";
import { argsFor, hostOptions, provider, short, TYPE } from "./rotation-support";

/**
 * AmphoraFleetRotation through the real dynamic-provider host against the local Octavia (real API, Keystone auth,
 * default policies, the real controller-worker failover flows; compute by the test driver that records each
 * amphora's image and fails images carrying `octavia_test_boot_fault`).
 */

describe("AmphoraFleetRotation @cloud: rotation against the real Octavia", function () {
  this.timeout(300_000);
  const ctx = useProviderHost(hostOptions);

  describe("a fleet of ACTIVE_STANDBY and SINGLE load balancers", () => {
    const fleet = new TestFleet();
    let oldImage: string;
    let lbs: string[];
    let single: string;
    let lc: Lifecycle;
    before(async () => {
      await fleet.connect();
      oldImage = await fleet.publishImage("old");
      const [ha, sa] = [await fleet.flavor("ACTIVE_STANDBY"), await fleet.flavor("SINGLE")];
      lbs = await fleet.loadBalancers(["a", "b", "c"], ha);
      [single] = (await fleet.loadBalancers(["d"], sa)) as [string];
    });
    after(() => fleet.cleanup());

    it("preview lists exactly the load balancers an up would fail over, and fails over none", async () => {
      const newImage = await fleet.publishImage("new");
      const before = await Promise.all([...lbs, single].map((id) => fleet.amphorae(id)));
      lc = await ctx.host.lifecycle(provider, TYPE, "fleet");
      const args = argsFor(fleet, [...lbs, single], { canary: 1, batchSize: 2, concurrency: 2 });
      const preview = await lc.preview(args);
      const names = lbs.map((id, i) => `${fleet.tag}-${"abc"[i]} (${short(id)})`);
      assert.deepStrictEqual(preview.output, [
        `AmphoraFleetRotation ${fleet.tag}: 3 load balancers to fail over onto image ${short(newImage)} (tag "${fleet.tag}"): ` +
          `canary ${names[0]}; batch 1: ${names[1]}, ${names[2]}; 0 on target, 1 skipped (${fleet.tag}-d (${short(single)}): ` +
          `SINGLE topology: its VIP is down during a failover (set allowStandalone))`,
      ]);
      const after = await Promise.all([...lbs, single].map((id) => fleet.amphorae(id)));
      assert.deepStrictEqual(after, before, "a preview changes no amphora");
      assert.ok(before.flat().every((a) => a.image_id === oldImage), "the fleet booted the old image");
    });

    it("up fails over canary then batches onto the new image; SINGLE last with allowStandalone; a second up changes nothing", async () => {
      const newImage = await fleet.publishImage("newer");
      const args = argsFor(fleet, [...lbs, single], { canary: 1, batchSize: 2, concurrency: 2, allowStandalone: true });
      const up = await lc.up(args);
      assert.strictEqual(up.op, "create");
      const progress = up.output.filter((l) => / failed over and passed its gate /.test(l)).map((l) => l.replace(/ in [0-9.]+ s /, " "));
      assert.deepStrictEqual(progress.slice(0, 1), [
        `AmphoraFleetRotation ${fleet.tag}: canary 1/1: ${fleet.tag}-a (${short(lbs[0] as string)}) failed over and passed its gate (1/4)`,
      ]);
      assert.strictEqual(progress.length, 4);
      assert.match(progress[3] as string, new RegExp(`batch 2/2: ${fleet.tag}-d \\(${short(single)}\\) failed over and passed its gate \\(4/4\\)`));
      for (const id of [...lbs, single]) {
        const amps = await fleet.amphorae(id);
        assert.ok(amps.length >= 1 && amps.every((a) => a.image_id === newImage), `${id}: ${JSON.stringify(amps)}`);
      }
      const rotated = up.outputs.rotated as string[];
      assert.deepStrictEqual([rotated[0], rotated[3]], [lbs[0], single], "canary first, SINGLE last");
      assert.deepStrictEqual([...rotated].sort(), [...lbs, single].sort());
      assert.deepStrictEqual(up.outputs.pending, []);
      assert.deepStrictEqual(up.outputs.targetImages, { [fleet.tag]: newImage });
      assert.deepStrictEqual(up.outputs.amphoraeByImage, { [newImage]: 7 });

      const amphoraeBefore = await Promise.all([...lbs, single].map((id) => fleet.amphorae(id)));
      const again = await lc.up(args);
      assert.strictEqual(again.op, "same");
      assert.deepStrictEqual(again.output, []);
      assert.deepStrictEqual(await Promise.all([...lbs, single].map((id) => fleet.amphorae(id))), amphoraeBefore);

      // The next tag move: the preview of the existing rotation (diff) plans all four, and fails over none.
      const newest = await fleet.publishImage("newest");
      const preview = await lc.preview(args);
      assert.strictEqual(preview.op, "update");
      assert.strictEqual(preview.output.length, 1);
      assert.match(preview.output[0] as string, new RegExp(`^AmphoraFleetRotation ${fleet.tag}: 4 load balancers to fail over onto image ${short(newest)} .*; 0 on target$`));
      assert.deepStrictEqual(await Promise.all([...lbs, single].map((id) => fleet.amphorae(id))), amphoraeBefore);
    });
  });

  it("serialization guard: the provider in state is the small shim, without credentials", async () => {
    const passwords = (["local-admin", "local-demo", "local-alt"] as const).map((c) => readCloud(c).auth.password);
    const { text } = await assertProviderSerializes(provider, { forbidden: passwords, maxBytes: 20_000 });
    assert.match(text, /pulumi-amphora\/provider\/amphora-fleet-rotation\/provider/);
  });

  describe("a broken image", () => {
    const fleet = new TestFleet();
    let lbs: string[];
    before(async () => {
      await fleet.connect();
      await fleet.publishImage("good");
      lbs = await fleet.loadBalancers(["a", "b", "c"], await fleet.flavor("ACTIVE_STANDBY"));
    });
    after(() => fleet.cleanup());

    it("fails the canary in Octavia, stops the rotation naming the load balancer, and leaves the rest untouched", async () => {
      const broken = await fleet.publishImage("broken", { octavia_test_boot_fault: "kernel panic" });
      const untouched = await Promise.all(lbs.slice(1).map((id) => fleet.amphorae(id)));
      const lc = await ctx.host.lifecycle(provider, TYPE, "broken");
      const err = await lc.up(argsFor(fleet, lbs, { canary: 1, batchSize: 2, concurrency: 2 })).then(
        () => assert.fail("up should fail"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProviderCallError, String(err));
      assert.match(
        err.details,
        new RegExp(`^AmphoraFleetRotation ${fleet.tag}: load balancer ${fleet.tag}-a \\(${short(lbs[0] as string)}\\): Octavia's failover ended in provisioning status ERROR`),
      );
      assert.strictEqual(await fleet.settled(lbs[0] as string), "ERROR", "Octavia's own flow failed the canary");
      assert.deepStrictEqual(await Promise.all(lbs.slice(1).map((id) => fleet.amphorae(id))), untouched);
      const init = err.initFailed;
      assert.ok(init, "reported as ErrorResourceInitFailed, the progress kept in state");
      assert.deepStrictEqual(init.properties.rotated, []);
      assert.deepStrictEqual(Object.keys(init.properties.failed as object), [lbs[0]]);
      assert.deepStrictEqual(init.properties.targetImages, { [fleet.tag]: broken });
      assert.deepStrictEqual([...(init.properties.pending as string[])].sort(), [...lbs].sort());
    });
  });
});
