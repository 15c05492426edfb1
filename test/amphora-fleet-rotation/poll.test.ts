import * as assert from "node:assert";
import type { LoadBalancer } from "../../provider/octavia/client";
import { awaitSettled, FAST_POLL_MS, FAST_POLLS, FailoverTimes, nextPollDelayMs, type PollClock } from "../../provider/amphora-fleet-rotation/poll";

/**
 * The poll schedule of a failing-over load balancer (poll.ts), on a clock that only moves when the code sleeps or
 * a poll is answered: each poll takes REQUEST_MS of it, Octavia marks the load balancer ACTIVE at a given time.
 */

const REQUEST_MS = 20;
const POLL_MS = 500;
/** A fast poll's sleep and request, then the answer's way back: the latest a fast-polled end can be seen. */
const SEEN_WITHIN = FAST_POLL_MS + REQUEST_MS + REQUEST_MS / 2;

const lbIn = (status: string): LoadBalancer => ({ id: "lb", project_id: "p", provisioning_status: status, operating_status: "OFFLINE" });

/** A clock and an Octavia whose failover ends `endsAfterMs` after `start()`; `onPoll` runs before each answer. */
function scripted(endsAfterMs: number, onPoll: (atMs: number) => void = () => undefined) {
  let now = 1_000_000;
  let endsAt = Infinity;
  const slept: number[] = [];
  const clock: PollClock = { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
  const read = async (): Promise<LoadBalancer> => {
    now += REQUEST_MS / 2;
    onPoll(now);
    const state = lbIn(now >= endsAt ? "ACTIVE" : "PENDING_UPDATE");
    now += REQUEST_MS / 2;
    return state;
  };
  const start = (): number => {
    endsAt = now + endsAfterMs;
    return now;
  };
  return { clock, read, slept, start, endsAt: () => endsAt, now: () => now };
}

/** One failover of a rotation: accepted now, polled until it ends; how late its end was seen and how many polls. */
async function failover(times: FailoverTimes, endsAfterMs: number, inFlight = 1, onPoll?: (atMs: number) => void) {
  const o = scripted(endsAfterMs, onPoll);
  const startMs = o.start();
  const settled = await awaitSettled(o.read, { clock: o.clock, pollMs: POLL_MS, deadlineMs: startMs + 300_000, learn: { times, inFlight, startMs } });
  assert.strictEqual(settled.state.provisioning_status, "ACTIVE");
  return { lateMs: o.now() - o.endsAt(), polls: settled.polls, slept: o.slept };
}

describe("AmphoraFleetRotation: polling a failover", () => {
  it("nextPollDelayMs: pollSeconds while young or without an expectation, FAST_POLL_MS from 70 % of the expected time for FAST_POLLS polls", () => {
    assert.strictEqual(nextPollDelayMs(2000, POLL_MS, undefined, FAST_POLLS), POLL_MS, "no earlier failover: the plain poll");
    assert.strictEqual(nextPollDelayMs(1000, POLL_MS, 3000, FAST_POLLS), POLL_MS, "young: the plain poll");
    assert.strictEqual(nextPollDelayMs(1800, POLL_MS, 3000, FAST_POLLS), 300, "the sleep ends where the fast polls start (2100 ms)");
    assert.strictEqual(nextPollDelayMs(2200, POLL_MS, 3000, FAST_POLLS), FAST_POLL_MS);
    assert.strictEqual(nextPollDelayMs(6000, POLL_MS, 3000, 1), FAST_POLL_MS, "later than expected: fast while polls are left");
    assert.strictEqual(nextPollDelayMs(2600, POLL_MS, 3000, 0), POLL_MS, "no fast polls left");
    assert.strictEqual(nextPollDelayMs(2600, 80, 3000, FAST_POLLS), 80, "a poll already faster than FAST_POLL_MS stays");
    assert.strictEqual(nextPollDelayMs(8400, 5000, 10_000, FAST_POLLS), FAST_POLL_MS, "the default 5 s poll too");
  });

  it("the first failover is polled every pollSeconds (from a sleep: Octavia answered 202 with PENDING_UPDATE); later ones are seen within FAST_POLL_MS of their end", async () => {
    const times = new FailoverTimes();
    const first = await failover(times, 2930);
    assert.ok(first.slept.every((ms) => ms === POLL_MS), `slept ${first.slept.join(", ")}`);
    assert.strictEqual(first.polls, 6, "5 pending answers from 0.5 s, the 6th at 3.1 s sees ACTIVE");
    assert.ok(first.lateMs > 100, `the first is seen ${first.lateMs} ms late`);
    const expected = times.expected(1) ?? NaN;
    assert.ok(Math.abs(expected - 2930) <= POLL_MS / 2 + REQUEST_MS, `recorded ${expected} ms for a failover of 2930`);

    for (const ms of [3100, 2700, 3300, 2950]) {
      const next = await failover(times, ms);
      assert.ok(next.lateMs <= SEEN_WITHIN, `a failover of ${ms} ms seen ${next.lateMs} ms late (expected ${times.expected(1)})`);
      assert.ok(next.polls <= Math.ceil(ms / POLL_MS) + FAST_POLLS, `${next.polls} polls`);
      assert.ok(next.slept.filter((s) => s < POLL_MS).length <= FAST_POLLS);
    }
    assert.ok(Math.abs((times.expected(1) ?? NaN) - 2950) <= FAST_POLL_MS, `the median of the last three (2700, 3300, 2950): ${times.expected(1)}`);
  });

  it("a failover much longer than expected costs at most FAST_POLLS extra polls, then pollSeconds again", async () => {
    const times = new FailoverTimes();
    times.record(1, 3000);
    const long = await failover(times, 20_000);
    const fast = long.slept.filter((ms) => ms < POLL_MS);
    assert.strictEqual(fast.length, FAST_POLLS);
    assert.ok(long.slept.slice(-5).every((ms) => ms === POLL_MS));
    assert.ok(long.polls <= Math.ceil(20_000 / POLL_MS) + FAST_POLLS, `${long.polls} polls`);
  });

  it("failovers in a batch learn from failovers in batches (a smaller last batch too), and from a sibling that ended", async () => {
    const times = new FailoverTimes();
    times.record(1, 3000); // the canary, alone
    const alone = nextPollDelayMs(2600, POLL_MS, times.expected(5), FAST_POLLS);
    assert.strictEqual(alone, POLL_MS, "the canary's time says nothing about five at once");
    // A sibling of the same batch ends at 10.2 s: the others poll fast from their next poll on.
    let siblingEnded = false;
    const batch = await failover(times, 10_600, 5, (at) => {
      if (!siblingEnded && at - 1_000_000 >= 10_200) {
        times.record(5, 10_200);
        siblingEnded = true;
      }
    });
    assert.ok(batch.lateMs <= SEEN_WITHIN, `seen ${batch.lateMs} ms late`);
    assert.ok(batch.slept.slice(0, 20).every((ms) => ms === POLL_MS), "before the sibling ended: the plain poll");
    assert.strictEqual(times.expected(1), 3000, "the canary's expectation is its own");
    const lastBatch = await failover(times, 10_100, 4);
    assert.ok(lastBatch.lateMs <= SEEN_WITHIN, `the last batch, four at once: seen ${lastBatch.lateMs} ms late`);
  });

  it("another operation's wait (a state given) polls every pollSeconds and learns nothing; a deadline ends it pending", async () => {
    const times = new FailoverTimes();
    const o = scripted(Infinity);
    o.start();
    const settled = await awaitSettled(o.read, { clock: o.clock, pollMs: POLL_MS, deadlineMs: o.now() + 2_000, first: lbIn("PENDING_UPDATE") });
    assert.strictEqual(settled.timedOut, true);
    assert.strictEqual(settled.state.provisioning_status, "PENDING_UPDATE");
    assert.ok(o.slept.every((ms) => ms <= POLL_MS));
    assert.strictEqual(times.expected(1), undefined);
    const done = await awaitSettled(o.read, { clock: o.clock, pollMs: POLL_MS, deadlineMs: o.now(), first: lbIn("ACTIVE") });
    assert.deepStrictEqual([done.timedOut, done.polls], [false, 0], "a state that is not pending: no poll");
  });
});
