import * as assert from "node:assert";
import { failoverTurn, type TurnOutcome } from "../../provider/amphora-fleet-rotation/failover";
import type { Fleet } from "../../provider/amphora-fleet-rotation/fleet";
import { GateWitness } from "../../provider/amphora-fleet-rotation/gate-witness";
import { amphoraFleetRotationInputsSchema } from "../../provider/amphora-fleet-rotation/inputs";
import { FAST_POLL_MS, FailoverTimes, SYSTEM_POLL_CLOCK } from "../../provider/amphora-fleet-rotation/poll";
import type { Amphora } from "../../provider/octavia/client";
import { fakeServiceClient, sendJson, startServer, type TestServer } from "../glance/support/fake-service";

/**
 * The failover's replacement watched (replacement-watch.ts): the gate proven by an amphora list taken while the
 * failover runs (gate-witness.ts) and the end expected from there, against a stand-in Octavia that plays an
 * ACTIVE_STANDBY failover as Octavia's flow runs it, in real time from its 202: the first amphora PENDING_DELETE,
 * its replacement created (no image yet), booted, ALLOCATED; the same for the second; the load balancer ACTIVE last.
 */

const LB = "10000000-0000-4000-8000-000000000001";
const TARGET = "target-image";
const OTHER = "newer-image";
const FAILOVER_MS = 1500;

type Amp = Pick<Amphora, "id" | "status" | "image_id">;
const amp = (id: string, image: string | null, status = "ALLOCATED"): Amp => ({ id, status, image_id: image });

/** The serving amphorae from `ms` after the 202 on, in order (`slower` ms more from the second replacement on). */
function timeline(before: [Amp, Amp], secondImage: string, slower = 0): Array<[number, Amp[]]> {
  const [a1, a2] = before;
  const at = (ms: number): number => (ms >= 1000 ? ms + slower : ms);
  return ([
    [0, [a1, a2]],
    [100, [a2]],
    [150, [amp("n1", null, "PENDING_CREATE"), a2]],
    [250, [amp("n1", TARGET, "BOOTING"), a2]],
    [300, [amp("n1", TARGET), a2]],
    [1000, [amp("n1", TARGET)]],
    [1020, [amp("n1", TARGET), amp("n2", null, "PENDING_CREATE")]],
    [1040, [amp("n1", TARGET), amp("n2", secondImage, "BOOTING")]],
    [1060, [amp("n1", TARGET), amp("n2", secondImage)]],
  ] as Array<[number, Amp[]]>).map(([ms, amps]) => [at(ms), amps]);
}

describe("AmphoraFleetRotation: the gate proven while the failover runs", () => {
  let server: TestServer;
  let script: Array<[number, Amp[]]> = [];
  let acceptedAt = 0;
  let activeAt = FAILOVER_MS;
  /** When each request arrived (ms after the 202) and what it was. */
  let seen: Array<{ at: number; what: "poll" | "list"; active?: boolean }> = [];
  before(async () => {
    server = await startServer((req, res) => {
      const url = new URL(req.url, "http://x");
      const at = Date.now() - acceptedAt;
      if (req.method === "PUT" && url.pathname === `/v2/lbaas/loadbalancers/${LB}/failover`) {
        acceptedAt = Date.now();
        res.statusCode = 202;
        res.end();
        return;
      }
      if (url.pathname === `/v2/lbaas/loadbalancers/${LB}`) {
        const active = at >= activeAt;
        seen.push({ at, what: "poll", active });
        const loadbalancer = { id: LB, project_id: "p", provisioning_status: active ? "ACTIVE" : "PENDING_UPDATE", operating_status: "ONLINE" };
        return sendJson(res, 200, { loadbalancer });
      }
      if (url.pathname === "/v2/octavia/amphorae" && url.searchParams.get("loadbalancer_id") === LB) {
        seen.push({ at, what: "list" });
        const now = [...script].reverse().find(([from]) => at >= from)?.[1] ?? [];
        return sendJson(res, 200, { amphorae: now.map((a) => ({ ...a, loadbalancer_id: LB, role: "MASTER" })), amphorae_links: [] });
      }
      return sendJson(res, 404, { faultstring: `no ${url.pathname}` });
    });
  });
  after(() => server.close());

  const inputs = amphoraFleetRotationInputsSchema().parse({ imageTag: "amphora", timeouts: { pollSeconds: 0.5, failoverSeconds: 30 } });

  /**
   * One turn, this run having seen failovers alone take `FAILOVER_MS` (so its end is expected), `tailMs` after the
   * list that proved their replacement; this one is `slower` ms slower from its second replacement on.
   */
  async function turn(fleetAmphorae: string[], before: [Amp, Amp], secondImage: string, o: { slower?: number; tailMs?: number } = {}): Promise<TurnOutcome | Error> {
    script = timeline(before, secondImage, o.slower);
    activeAt = FAILOVER_MS + (o.slower ?? 0);
    seen = [];
    const fleet: Fleet = {
      members: [{ id: LB, name: "lb", provisioningStatus: "ACTIVE", operatingStatus: "ONLINE", standalone: false, tag: "amphora", images: ["old", "old"], amphoraIds: fleetAmphorae }],
      targets: { amphora: TARGET },
    };
    const times = new FailoverTimes();
    times.record(0, 1, FAILOVER_MS, 0);
    if (o.tailMs !== undefined) times.recordTail(o.tailMs);
    return failoverTurn(fakeServiceClient(server.origin), fleet, inputs, LB, () => undefined, { clock: SYSTEM_POLL_CLOCK, times, step: 1, inFlight: 1 }).catch(
      (err: Error) => err,
    );
  }

  it("a list taken once the replacement is complete proves the gate: none is left to send once Octavia says ACTIVE", async () => {
    const outcome = await turn(["a1", "a2"], [amp("a1", "old"), amp("a2", "old")], TARGET);
    assert.deepStrictEqual(outcome, { kind: "rotated" });
    const end = seen.findIndex((r) => r.active);
    assert.ok(end > 0, JSON.stringify(seen));
    assert.ok(
      !seen.slice(end + 1).some((r) => r.what === "list"),
      `no amphora list after the poll that saw ACTIVE: ${seen.map((r) => `${r.what}@${r.at}`).join(" ")}`,
    );
    assert.ok(seen.some((r) => r.what === "list" && r.at >= 1060 && r.at < FAILOVER_MS), "a list between the last ALLOCATED and ACTIVE");
  });

  it("a replacement on another image (the tag moved mid-failover): no list before the end proves the gate, the list after it fails it as before", async () => {
    const outcome = await turn(["a1", "a2"], [amp("a1", "old"), amp("a2", "old")], OTHER);
    assert.ok(outcome instanceof Error && /not all on image target-image: .* n2 ALLOCATED on newer-i/.test(outcome.message), String(outcome));
    const end = seen.findIndex((r) => r.active);
    assert.ok(seen.slice(end + 1).some((r) => r.what === "list"), "the gate's list after ACTIVE");
  });

  it("amphorae another operation made after the fleet read count as the load balancer's own: a half-done replacement does not prove the gate", async () => {
    // The fleet read saw a1, a2; another operation's failover replaced them by x1, x2 (x2 on the target) before this
    // turn. Mid-flow (0.3 to 1 s, where lists near the expected end are taken), n1 and x2 are both on the target
    // and none is a1 or a2: only the list taken once Octavia accepted the failover shows x2 was there before.
    const outcome = await turn(["a1", "a2"], [amp("x1", TARGET), amp("x2", TARGET)], OTHER);
    assert.ok(outcome instanceof Error && /not all on image target-image/.test(outcome.message), String(outcome));
    assert.ok(seen.some((r) => r.what === "list" && r.at >= 300 && r.at < 1000), `a list while half done: ${seen.map((r) => `${r.what}@${r.at}`).join(" ")}`);
  });

  it("a failover far slower than the ones before: once a list proves its replacement complete, its end is expected a tail later and polled closely there", async () => {
    // Before: ACTIVE 1.5 s after the 202, 0.35 s after the replacement was proven. This one: replaced at 2.56 s, ACTIVE at 3 s.
    const outcome = await turn(["a1", "a2"], [amp("a1", "old"), amp("a2", "old")], TARGET, { slower: 1500, tailMs: 350 });
    assert.deepStrictEqual(outcome, { kind: "rotated" });
    const polls = seen.filter((r) => r.what === "poll").map((r) => r.at);
    const last = polls.length - 1;
    const gap = (polls[last] as number) - (polls[last - 1] as number);
    // Expected from the earlier failovers alone, 3 s is 1.5 s late: polls would be 225 ms apart there.
    assert.ok(gap <= 2 * FAST_POLL_MS + 30, `polls at ${polls.join(", ")}`);
    // Until the replacement is complete it cannot have ended ACTIVE: polled every pollSeconds only, also around 1.5 s.
    const early = polls.filter((at) => at < 2500);
    assert.ok(early.length <= 5 && early.slice(1).every((at, i) => at - (early[i] as number) >= 400), `polls at ${polls.join(", ")}`);
    assert.ok(!seen.slice(seen.findIndex((r) => r.active) + 1).some((r) => r.what === "list"), "the gate proven before the end");
  });

  it("GateWitness: proves only a complete replacement, all ALLOCATED on the target, once the accepted list is in", () => {
    const w = new GateWitness(["a1", "a2"], 2, TARGET);
    const done = [amp("n1", TARGET), amp("n2", TARGET)] as Amphora[];
    assert.strictEqual(w.proves(done), false, "not before the list taken once Octavia accepted the failover");
    w.accepted([amp("a1", "old"), amp("a2", "old")] as Amphora[]);
    assert.strictEqual(w.proves(done), true);
    assert.strictEqual(w.proves([amp("n1", TARGET)] as Amphora[]), false, "the second amphora not replaced yet");
    assert.strictEqual(w.proves([amp("n1", TARGET), amp("a2", TARGET)] as Amphora[]), false, "one from before");
    assert.strictEqual(w.proves([amp("n1", TARGET), amp("n2", TARGET, "BOOTING")] as Amphora[]), false, "not allocated yet");
    assert.strictEqual(w.proves([amp("n1", TARGET), amp("n2", null)] as Amphora[]), false, "no image yet");
    assert.strictEqual(new GateWitness([], 0, TARGET).proves([]), false, "no amphora to judge");
    const noTarget = new GateWitness(["a1"], 1, undefined);
    noTarget.accepted([]);
    assert.strictEqual(noTarget.proves([amp("n1", TARGET)] as Amphora[]), false, "no target image");
  });
});
