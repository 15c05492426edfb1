import * as assert from "node:assert";
import { useProviderHost, type Lifecycle, type PropertyMap, type StepResult } from "../harness";
import { OctaviaApiLog, TestFleet, withWorkerPaused } from "./octavia-support";
import { argsFor, failedUp, hostOptions, lbName, linesOf, provider, short, TYPE } from "./rotation-support";

/**
 * Waiting against the real Octavia. Octavia's worker is paused while a test needs a load balancer to stay
 * PENDING_UPDATE (a failover by someone else, queued): the rotation's own failover then gets Octavia's real 409.
 * What the rotation asked of Octavia is read from Octavia's API request log.
 */

const escape = (s: string): string => s.replace(/[()]/g, "\\$&");

describe("AmphoraFleetRotation @cloud: waiting for Octavia", function () {
  this.timeout(300_000);
  const ctx = useProviderHost(hostOptions);
  const fleet = new TestFleet();
  let a: string;
  let b: string;
  before(async () => {
    await fleet.connect();
    await fleet.publishImage("old");
    [a, b] = (await fleet.loadBalancers(["a", "b"], await fleet.flavor("ACTIVE_STANDBY"))) as [string, string];
  });
  after(() => fleet.cleanup());

  const failovers = (log: OctaviaApiLog, id: string): string[] =>
    log.requests().filter((r) => r.startsWith(`PUT /v2/lbaas/loadbalancers/${id}/failover `)).map((r) => r.replace(/^.* => /, ""));

  /** An up started while the worker is paused; the worker resumes once Octavia logged `until`. */
  async function upWhilePaused(lc: Lifecycle, args: PropertyMap, log: OctaviaApiLog, until: RegExp, before: () => Promise<void>): Promise<StepResult> {
    return withWorkerPaused(async (worker) => {
      await before();
      const running = lc.up(args);
      running.catch(() => undefined);
      await log.waitFor(until);
      await worker.resume();
      return running;
    });
  }

  it("a load balancer in PENDING_UPDATE at its turn: Octavia's 409 is waited through, and it is not failed over again", async () => {
    const target = await fleet.publishImage("new");
    const log = new OctaviaApiLog();
    const lc = await ctx.host.lifecycle(provider, TYPE, "pending-wait");
    const up = await upWhilePaused(lc, argsFor(fleet, [a, b], { canary: 1 }), log, new RegExp(`^PUT /v2/lbaas/loadbalancers/${a}/failover => 409$`), () =>
      fleet.failover(a),
    );
    const turn = linesOf(fleet, up.output).filter((l) => l.startsWith("canary 1/1: "));
    assert.match(
      turn[0] ?? "",
      new RegExp(`^canary 1/1: ${escape(lbName(fleet, "a", a))}: Octavia answered 409 Invalid state PENDING_UPDATE of loadbalancer resource ${a}.*; waiting up to \\d+ s for that operation to end$`),
    );
    assert.strictEqual(turn[1], `canary 1/1: ${lbName(fleet, "a", a)} skipped: already on image ${short(target)} after another operation: not failed over again`);
    assert.deepStrictEqual(up.outputs.rotated, [b]);
    assert.deepStrictEqual(up.outputs.pending, []);
    assert.deepStrictEqual(failovers(log, a), ["202", "409"], "someone else's failover, then the rotation's refused one; none after the wait");
    assert.deepStrictEqual(failovers(log, b), ["202"]);
  });

  it("whenPending skip: a load balancer in PENDING_UPDATE is skipped with the reason, the others rotate", async () => {
    await fleet.publishImage("newer");
    const log = new OctaviaApiLog();
    const lc = await ctx.host.lifecycle(provider, TYPE, "pending-skip");
    const up = await upWhilePaused(
      lc,
      argsFor(fleet, [a, b], { canary: 1, whenPending: "skip" }),
      log,
      new RegExp(`^PUT /v2/lbaas/loadbalancers/${b}/failover => 202$`),
      () => fleet.failover(a),
    );
    assert.match(
      linesOf(fleet, up.output)[0] ?? "",
      new RegExp(`1 skipped \\(${escape(lbName(fleet, "a", a))}: provisioning status PENDING_UPDATE: another operation is running on it \\(whenPending is skip\\)\\)$`),
    );
    assert.deepStrictEqual(up.outputs.rotated, [b]);
    assert.deepStrictEqual(failovers(log, a), ["202"], "only someone else's");
    await fleet.settled(a, "ACTIVE");
  });

  it("a failover longer than timeouts.failoverSeconds fails the up naming the load balancer; the next up waits for it and fails it over no second time", async () => {
    await fleet.publishImage("newest");
    const log = new OctaviaApiLog();
    const lc = await ctx.host.lifecycle(provider, TYPE, "timeout");
    const err = await withWorkerPaused(() => failedUp(lc, argsFor(fleet, [a, b], { canary: 1, timeouts: { failoverSeconds: 1, pollSeconds: 0.2 } })));
    assert.strictEqual(
      err.details,
      `AmphoraFleetRotation ${fleet.tag}: load balancer ${lbName(fleet, "a", a)}: failover still PENDING_UPDATE after 1 s ` +
        `(timeouts.failoverSeconds); Octavia may still finish it: the next up waits for it (ERR_TIMEOUT)`,
    );
    assert.deepStrictEqual(Object.keys(err.initFailed?.properties.failed as object), [a]);
    assert.deepStrictEqual(failovers(log, b), [], "the rotation stopped before b");

    const next = await lc.up(argsFor(fleet, [a, b], { canary: 1 }));
    assert.deepStrictEqual(next.outputs.pending, []);
    assert.deepStrictEqual(next.outputs.rotated, [b]);
    assert.deepStrictEqual(failovers(log, a).filter((s) => s === "202"), ["202"], "a failed over once, by the first up");
    assert.deepStrictEqual(failovers(log, b), ["202"]);
  });
});
