/**
 * The arithmetic behind BENCHMARKS.md's fleet-rotation overhead (bench section 7): Octavia's failover times read
 * from its own log lines, each load balancer's turn read from the client's request trace, and the rotation's
 * overhead over the sum of failovers and over the batches' critical path, split so that the parts add up.
 */
import * as assert from "node:assert";
import type { TracedRequest } from "../../bench/lib/http-trace";
import { failoverSpans, logTimeMs } from "../../bench/lib/octavia-log";
import { rotationOverhead, turnsFromTrace } from "../../bench/lib/rotation-overhead";

const A = "6170d5b7-97bc-4db7-8c0b-99dc2ffc1e93";
const B = "0b1c2d3e-0000-4000-8000-00000000000b";
const C = "0c1c2d3e-0000-4000-8000-00000000000c";

const api = (time: string, id: string): string =>
  `2026-12-04 17:23:${time} 13191 INFO octavia.api.v2.controllers.load_balancer [None req-6aefcf9c-33cd-4e56-a26e-0ea1f9b09034 - d05f2e54be2d40f2a5ddae6c6c45a6ce - - default default] ` +
  `Sending failover request for load balancer ${id} to the provider amphora`;
const active = (time: string, id: string): string =>
  `2026-12-04 17:23:${time} 25079 INFO octavia.controller.worker.v2.tasks.database_tasks [-] Mark ACTIVE in DB for load balancer id: ${id}`;
const failed = (time: string, id: string): string =>
  `2026-12-04 17:23:${time} 25079 ERROR octavia.controller.worker.v2.controller_worker [-] LB ${id} failover exception: boom`;
const at = (time: string): number => logTimeMs(`2026-12-04 17:23:${time}`);

describe("bench: fleet rotation overhead arithmetic", () => {
  it("reads Octavia's failover start (API) and end (worker) per load balancer, pairing each request with its own end", () => {
    const apiLog = [api("10.382", A), "2026-12-04 17:23:10.500 13191 INFO octavia.api.app [-] unrelated", api("11.000", B), api("14.000", A), api("16.000", C)].join("\n");
    const workerLog = [
      active("09.000", A), // an earlier operation (before the request): not this failover's end
      `2026-12-04 17:23:12.000 25079 INFO octavia.controller.worker.v2.tasks.database_tasks [-] Created Amphora x in DB for load balancer ${A}`,
      active("13.250", A),
      failed("13.500", B),
      active("15.125", A),
    ].join("\n");
    const spans = failoverSpans(apiLog, workerLog);
    assert.deepStrictEqual(spans.get(A), [
      { startMs: at("10.382"), endMs: at("13.250"), failed: false },
      { startMs: at("14.000"), endMs: at("15.125"), failed: false },
    ]);
    assert.deepStrictEqual(spans.get(B), [{ startMs: at("11.000"), endMs: at("13.500"), failed: true }]);
    assert.ok(Number.isNaN(spans.get(C)?.[0]?.endMs), "no end logged yet");
    assert.strictEqual(at("13.250") - at("10.382"), 2868);
  });

  it("finds each turn in the request trace: the accepted failover, the poll that saw it settle, the gate's amphora list", () => {
    const r = (method: string, path: string, startMs: number, endMs: number, status = 200): TracedRequest => ({ method, path, startMs, endMs, status });
    const trace = [
      r("GET", "/v2/lbaas/loadbalancers?limit=1000", 0, 10),
      r("PUT", `/v2/lbaas/loadbalancers/${A}/failover`, 100, 130, 409),
      r("GET", `/v2/lbaas/loadbalancers/${A}`, 130, 140),
      r("PUT", `/v2/lbaas/loadbalancers/${A}/failover`, 200, 350, 202),
      r("GET", `/v2/lbaas/loadbalancers/${A}`, 350, 360),
      r("GET", `/v2/lbaas/loadbalancers/${A}`, 860, 875),
      r("GET", `/v2/octavia/amphorae?loadbalancer_id=${A}&limit=1000`, 876, 900),
    ];
    assert.deepStrictEqual([...turnsFromTrace(trace, [A, B])], [[A, { requestMs: 200, seenMs: 875, gateEndMs: 900 }]]);
  });

  it("a turn whose gate a list taken while the failover ran proved ends with the poll that saw it settle, or with a list still in flight then", () => {
    const r = (method: string, path: string, startMs: number, endMs: number, status = 200): TracedRequest => ({ method, path, startMs, endMs, status });
    const list = (startMs: number, endMs: number): TracedRequest => r("GET", `/v2/octavia/amphorae?loadbalancer_id=${A}&limit=1000`, startMs, endMs);
    const trace = [
      r("PUT", `/v2/lbaas/loadbalancers/${A}/failover`, 200, 230, 202),
      list(231, 250), // as soon as Octavia accepted it
      r("GET", `/v2/lbaas/loadbalancers/${A}`, 600, 640),
      list(600, 620), // beside a poll near the end: proves the gate
      r("GET", `/v2/lbaas/loadbalancers/${A}`, 650, 690),
    ];
    assert.deepStrictEqual([...turnsFromTrace(trace, [A])], [[A, { requestMs: 200, seenMs: 690, gateEndMs: 690 }]]);
    assert.deepStrictEqual([...turnsFromTrace([...trace, list(650, 700)], [A])], [[A, { requestMs: 200, seenMs: 690, gateEndMs: 700 }]]);
  });

  it("splits the rotation's time over the batches' critical path into parts that add up to it", () => {
    const spans = new Map([
      [A, [{ startMs: 1_100, endMs: 4_100, failed: false }]], // canary: 3 s
      [B, [{ startMs: 5_100, endMs: 7_100, failed: false }]], // batch: 2 s
      [C, [{ startMs: 5_150, endMs: 9_150, failed: false }]], //        4 s, the batch's slowest
    ]);
    const turns = new Map([
      [A, { requestMs: 1_000, seenMs: 4_400, gateEndMs: 4_500 }],
      [B, { requestMs: 5_000, seenMs: 7_300, gateEndMs: 7_350 }],
      [C, { requestMs: 5_010, seenMs: 9_400, gateEndMs: 9_500 }],
    ]);
    const o = rotationOverhead({ startMs: 0, endMs: 10_000, steps: [[A], [B, C]], spans, turns });
    assert.strictEqual(o.octaviaSumMs, 9_000);
    assert.strictEqual(o.octaviaCriticalMs, 7_000);
    assert.strictEqual(o.wallMs, 10_000);
    assert.ok(Math.abs(o.overCritical - 3 / 7) < 1e-12);
    assert.ok(Math.abs(o.overSum - 1 / 9) < 1e-12);
    assert.deepStrictEqual(o.parts, { beforeMs: 1_000, stepsExcessMs: 3_500 - 3_000 + (4_500 - 4_000), betweenMs: 500, afterMs: 500 });
    const { beforeMs, stepsExcessMs, betweenMs, afterMs } = o.parts;
    assert.strictEqual(beforeMs + stepsExcessMs + betweenMs + afterMs, o.wallMs - o.octaviaCriticalMs);
    assert.deepStrictEqual(o.perTurn, {
      octaviaMs: [3_000, 2_000, 4_000],
      submitMs: [100, 100, 140],
      detectMs: [300, 200, 250],
      gateMs: [100, 50, 100],
    });
  });

  it("refuses to compute an overhead for a load balancer Octavia's logs show no finished failover of", () => {
    const spans = new Map([[A, [{ startMs: 1, endMs: NaN, failed: false }]]]);
    const turns = new Map([[A, { requestMs: 0, seenMs: 5, gateEndMs: 6 }]]);
    assert.throws(() => rotationOverhead({ startMs: 0, endMs: 10, steps: [[A]], spans, turns }), new RegExp(`no finished failover of load balancer ${A}`));
  });
});
