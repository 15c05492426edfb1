import * as assert from "node:assert";
import type { LoadBalancer } from "../../provider/octavia/client";
import { awaitSettled, FAST_POLL_MS, FAST_POLLS, FailoverTimes, nextPollDelayMs, type PollClock } from "../../provider/amphora-fleet-rotation/poll";

/**
 * The poll schedule of failing-over load balancers (poll.ts), on a clock that moves only when every failover
 * being polled sleeps (a discrete-event simulation: several failovers of a batch run at once, a sleep can be
 * woken). Each poll takes REQUEST_MS of it; Octavia marks a load balancer ACTIVE at a given time.
 */

const REQUEST_MS = 20;
const POLL_MS = 500;
/** A fast poll's sleep and request, then the answer's way back: the latest a fast-polled end is seen. */
const SEEN_WITHIN = FAST_POLL_MS + REQUEST_MS + REQUEST_MS / 2;
const T0 = 1_000_000;

const lbIn = (status: string): LoadBalancer => ({ id: "lb", project_id: "p", provisioning_status: status, operating_status: "OFFLINE" });

class ManualClock implements PollClock {
  t = T0;
  readonly #timers: Array<{ at: number; seq: number; fire: () => void }> = [];
  #seq = 0;

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = { at: this.t + ms, seq: this.#seq++, fire: resolve };
      this.#timers.push(timer);
      signal?.addEventListener("abort", () => {
        this.#timers.splice(this.#timers.indexOf(timer), 1);
        reject(new Error("woken"));
      });
    });
  }

  /** Runs the timers in time order until `work` settles. */
  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    work.then(
      () => (done = true),
      () => (done = true),
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve)); // every failover reaches its next sleep
      if (done) return work;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers.shift();
      if (!next) throw new Error("nothing left to wake");
      this.t = next.at;
      next.fire();
    }
  }
}

interface Polled {
  lateMs: number;
  polls: number;
  slept: number[];
}

/** One failover accepted at `acceptedAt` (clock time), ending `endsAfterMs` later, polled until it is seen ACTIVE. */
async function failover(
  clock: ManualClock,
  times: FailoverTimes,
  o: { endsAfterMs: number; acceptedAt?: number; step?: number; inFlight?: number; pollMs?: number },
): Promise<Polled> {
  if (o.acceptedAt !== undefined) await clock.sleep(o.acceptedAt - clock.now());
  const startMs = clock.now();
  const endsAt = startMs + o.endsAfterMs;
  const slept: number[] = [];
  const own: PollClock = { now: () => clock.now(), sleep: (ms, signal) => (slept.push(ms), clock.sleep(ms, signal)) };
  const read = async (): Promise<LoadBalancer> => {
    await clock.sleep(REQUEST_MS / 2);
    const state = lbIn(clock.now() >= endsAt ? "ACTIVE" : "PENDING_UPDATE");
    await clock.sleep(REQUEST_MS / 2);
    return state;
  };
  const settled = await awaitSettled(read, {
    clock: own,
    pollMs: o.pollMs ?? POLL_MS,
    deadlineMs: startMs + 300_000,
    learn: { times, step: o.step ?? 0, inFlight: o.inFlight ?? 1, startMs },
  });
  assert.strictEqual(settled.state.provisioning_status, "ACTIVE");
  return { lateMs: clock.now() - endsAt, polls: settled.polls, slept };
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

  it("alone: the first failover is polled every pollSeconds (from a sleep: Octavia answered 202 with PENDING_UPDATE); later ones are seen within a fast poll of their end", async () => {
    const clock = new ManualClock();
    const times = new FailoverTimes();
    const first = await clock.run(failover(clock, times, { endsAfterMs: 2930 }));
    assert.ok(first.slept.every((ms) => ms === POLL_MS), `slept ${first.slept.join(", ")}`);
    assert.strictEqual(first.polls, 6, "5 pending answers from 0.5 s, the 6th at 3.1 s sees ACTIVE");
    assert.ok(first.lateMs > SEEN_WITHIN, `the first is seen ${first.lateMs} ms late`);
    const expected = times.expected(1, 1) ?? NaN;
    assert.ok(Math.abs(expected - 2930) <= POLL_MS / 2 + REQUEST_MS, `recorded ${expected} ms for a failover of 2930`);

    for (const [step, ms] of [3100, 2300, 3900, 2950].entries()) {
      const next = await clock.run(failover(clock, times, { endsAfterMs: ms, step: step + 1 }));
      assert.ok(next.lateMs <= SEEN_WITHIN, `a failover of ${ms} ms seen ${next.lateMs} ms late (expected ${times.expected(step + 1, 1)})`);
      assert.ok(next.polls <= Math.ceil(ms / POLL_MS) + FAST_POLLS, `${next.polls} polls`);
    }
    assert.ok(Math.abs((times.expected(5, 1) ?? NaN) - 2950) <= FAST_POLL_MS, `the median of the last three (2300, 3900, 2950): ${times.expected(5, 1)}`);
  });

  it("a failover much longer than expected costs at most FAST_POLLS extra polls, then pollSeconds again", async () => {
    const clock = new ManualClock();
    const times = new FailoverTimes();
    times.record(0, 1, 3000);
    const long = await clock.run(failover(clock, times, { endsAfterMs: 20_000, step: 1 }));
    assert.strictEqual(long.slept.filter((ms) => ms < POLL_MS).length, FAST_POLLS);
    assert.ok(long.slept.slice(-5).every((ms) => ms === POLL_MS));
    assert.ok(long.polls <= Math.ceil(20_000 / POLL_MS) + FAST_POLLS, `${long.polls} polls`);
  });

  it("a batch: nothing is expected from the canary or earlier batches; once its first failover ended, the others are seen within a fast poll of their end", async () => {
    const clock = new ManualClock();
    const times = new FailoverTimes();
    times.record(0, 1, 3000); // the canary, alone
    times.record(1, 5, 14_000); // the batch before: Octavia's load changes
    const ends = [10_200, 10_500, 10_900, 11_400, 12_600];
    const batch = await clock.run(Promise.all(ends.map((endsAfterMs) => failover(clock, times, { endsAfterMs, step: 2, inFlight: 5 }))));
    assert.ok(batch[0]?.slept.every((ms) => ms === POLL_MS), "the first to end: the plain poll throughout");
    assert.ok(batch[0] && batch[0].lateMs > SEEN_WITHIN);
    for (const [i, turn] of batch.entries()) if (i > 0) assert.ok(turn.lateMs <= SEEN_WITHIN, `failover ${i} (ends at ${ends[i]} ms) seen ${turn.lateMs} ms late`);
    assert.ok(batch.every((turn) => turn.slept.filter((ms) => ms < POLL_MS).length <= FAST_POLLS));
    assert.strictEqual(times.expected(0, 1), 3000, "the canary's expectation is its own");
  });

  it("a batch at the default 5 s poll: a failover asleep when the first of its batch ends is woken and polls fast", async () => {
    const clock = new ManualClock();
    const times = new FailoverTimes();
    // Asked for one after the other (Octavia's API answers them in turn): their polls are out of step.
    const turns = [
      { acceptedAt: T0, endsAfterMs: 9_000 }, // polled at 5 and 10 s
      { acceptedAt: T0 + 1_300, endsAfterMs: 9_200 }, // ends at 10.5 s, its plain polls at 6.3 and 11.3 s
      { acceptedAt: T0 + 2_600, endsAfterMs: 8_400 }, // ends at 11 s, its plain polls at 7.6 and 12.6 s
    ];
    const batch = await clock.run(Promise.all(turns.map((t) => failover(clock, times, { ...t, step: 1, inFlight: 3, pollMs: 5000 }))));
    assert.ok(batch[0] && batch[0].lateMs > 1000, "the first to end is seen at its plain poll");
    assert.ok(batch[1] && batch[1].lateMs <= SEEN_WITHIN, `the second seen ${batch[1]?.lateMs} ms late`);
    assert.ok(batch[2] && batch[2].lateMs <= SEEN_WITHIN, `the third seen ${batch[2]?.lateMs} ms late`);
    assert.ok(batch.every((turn) => turn.polls <= 4 + FAST_POLLS));
  });

  it("another operation's wait (a state given) polls every pollSeconds and learns nothing; a deadline ends it pending", async () => {
    const clock = new ManualClock();
    const slept: number[] = [];
    const own: PollClock = { now: () => clock.now(), sleep: (ms, signal) => (slept.push(ms), clock.sleep(ms, signal)) };
    let reads = 0;
    const read = async (): Promise<LoadBalancer> => (reads++, lbIn("PENDING_UPDATE"));
    const settled = await clock.run(awaitSettled(read, { clock: own, pollMs: POLL_MS, deadlineMs: T0 + 2_000, first: lbIn("PENDING_UPDATE") }));
    assert.deepStrictEqual([settled.timedOut, settled.state.provisioning_status, settled.polls, reads], [true, "PENDING_UPDATE", 4, 4]);
    assert.deepStrictEqual(slept, [POLL_MS, POLL_MS, POLL_MS, POLL_MS]);
    const done = await clock.run(awaitSettled(read, { clock: own, pollMs: POLL_MS, deadlineMs: clock.now(), first: lbIn("ACTIVE") }));
    assert.deepStrictEqual([done.timedOut, done.polls, reads], [false, 0, 4], "a state that is not pending: no poll");
  });
});
