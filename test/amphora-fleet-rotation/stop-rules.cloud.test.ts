import * as assert from "node:assert";
import { useProviderHost } from "../harness";
import { getLoadBalancer } from "../../provider/octavia/client";
import { octaviaFor, OctaviaApiLog, TestFleet, withWorkerPaused } from "./octavia-support";
import { argsFor, failedUp, hostOptions, lbName, linesOf, provider, TYPE } from "./rotation-support";

/**
 * Stop rules and resumption against the real Octavia: `maxFailures` (real failures: images the test compute driver
 * fails to boot), and a rotation whose Octavia worker stopped taking work mid-way (paused), finished by the next up
 * without failing over again what is already on target. Failovers are counted in Octavia's API request log.
 */

const failovers = (log: OctaviaApiLog, id: string): string[] =>
  log.requests().filter((r) => r.startsWith(`PUT /v2/lbaas/loadbalancers/${id}/failover `)).map((r) => r.replace(/^.* => /, ""));

describe("AmphoraFleetRotation @cloud: stop rules and resumption", function () {
  this.timeout(300_000);
  const ctx = useProviderHost(hostOptions);

  describe("maxFailures", () => {
    const fleet = new TestFleet();
    const ids: Record<string, string> = {};
    before(async () => {
      await fleet.connect();
      await fleet.publishImage("old");
      await fleet.publishImage("old", {}, "-broken");
      const [good, broken] = [await fleet.flavor("ACTIVE_STANDBY"), await fleet.flavor("ACTIVE_STANDBY", "-broken")];
      const [a, c, e] = await fleet.loadBalancers(["a", "c", "e"], good);
      const [b, d] = await fleet.loadBalancers(["b", "d"], broken);
      Object.assign(ids, { a, b, c, d, e });
      await fleet.publishImage("new");
      await fleet.publishImage("broken", { octavia_test_boot_fault: "kernel panic" }, "-broken");
    });
    after(() => fleet.cleanup());

    it("goes on after a failure while at most maxFailures failed, stops at the next one, and leaves the rest untouched", async () => {
      const log = new OctaviaApiLog();
      const lc = await ctx.host.lifecycle(provider, TYPE, "max-failures");
      const all = ["a", "b", "c", "d", "e"].map((n) => ids[n] as string);
      const err = await failedUp(lc, argsFor(fleet, all, { canary: 1, batchSize: 1, maxFailures: 1 }));
      const name = (n: string): string => lbName(fleet, n, ids[n] as string);
      assert.match(err.details, new RegExp(`^AmphoraFleetRotation ${fleet.tag}: load balancer ${name("b").replace(/[()]/g, "\\$&")}: Octavia's failover ended in provisioning status ERROR`));
      const init = err.initFailed;
      assert.ok(init);
      assert.deepStrictEqual(init.properties.rotated, [ids.a, ids.c]);
      assert.deepStrictEqual(Object.keys(init.properties.failed as object).sort(), [ids.b, ids.d].sort());
      assert.deepStrictEqual(failovers(log, ids.e as string), [], "e is left untouched");
      const lines = linesOf(fleet, err.output);
      assert.ok(lines.some((l) => l.startsWith(`batch 1/4: ${name("b")} failed (1 of maxFailures 1): `)), lines.join("\n"));
      assert.ok(lines.includes("batch 3/4: stopped after 2 failed load balancer(s) (maxFailures 1); 1 load balancer(s) left untouched"), lines.join("\n"));
    });
  });

  describe("Octavia's worker stopped taking work mid-rotation", () => {
    const fleet = new TestFleet();
    let lbs: string[];
    before(async () => {
      await fleet.connect();
      await fleet.publishImage("old");
      lbs = await fleet.loadBalancers(["a", "b", "c"], await fleet.flavor("ACTIVE_STANDBY"));
    });
    after(() => fleet.cleanup());

    it("the up stops naming the load balancer it waited for; the next up finishes the job without failing over again what is on target", async () => {
      const [a, b, c] = lbs as [string, string, string];
      const target = await fleet.publishImage("new");
      const log = new OctaviaApiLog();
      const octavia = await octaviaFor("local-admin");
      const lc = await ctx.host.lifecycle(provider, TYPE, "interrupted");
      const args = argsFor(fleet, lbs, { canary: 1, batchSize: 2, pauseSeconds: 5, timeouts: { failoverSeconds: 20, pollSeconds: 0.5 } });
      const err = await withWorkerPaused(async (worker) => {
        await worker.resume(); // the canary runs on a working Octavia ...
        const first = failedUp(lc, args);
        first.catch(() => undefined);
        await log.waitFor(new RegExp(`^PUT /v2/lbaas/loadbalancers/${a}/failover => 202$`));
        for (;;) {
          const amps = await fleet.amphorae(a);
          if ((await getLoadBalancer(octavia, a)).provisioning_status === "ACTIVE" && amps.length === 2 && amps.every((x) => x.image_id === target)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        await worker.pause(); // ... and in the pause before batch 1 the worker stops taking work
        return first;
      });
      assert.strictEqual(
        err.details,
        `AmphoraFleetRotation ${fleet.tag}: load balancer ${lbName(fleet, "b", b)}: failover still PENDING_UPDATE after 20 s ` +
          `(timeouts.failoverSeconds); Octavia may still finish it: the next up waits for it (ERR_TIMEOUT)`,
      );
      assert.deepStrictEqual(err.initFailed?.properties.rotated, [a]);
      assert.deepStrictEqual(failovers(log, c), [], "the rotation stopped before c");

      // The worker is back and takes the failover of b that waited in RabbitMQ; the next up waits for it if needed.
      const next = await lc.up({ ...args, timeouts: { failoverSeconds: 120, pollSeconds: 0.5 } });
      assert.deepStrictEqual(next.outputs.rotated, [c]);
      assert.deepStrictEqual(next.outputs.pending, []);
      assert.deepStrictEqual([a, b, c].map((id) => failovers(log, id).filter((s) => s === "202").length), [1, 1, 1], "each failed over once");
      for (const id of [a, b, c]) assert.ok((await fleet.amphorae(id)).every((x) => x.image_id === target));
    });
  });
});
