import * as assert from "node:assert";
import type { LoadBalancer } from "../../provider/octavia/client";
import { awaitSettled, FAST_POLL_MS, FAST_POLLS, FailoverTimes, nextPollDelayMs, SLOPE, type PollClock } from "../../provider/amphora-fleet-rotation/poll";

/**
 * The poll schedule of failing-over load balancers (poll.ts), on a clock that moves only when every failover
 * being polled sleeps (a discrete-event simulation: several failovers of a batch run at once, a sleep can be
 * woken). Each poll takes REQUEST_MS of it (Octavia reads the state halfway); Octavia marks a load balancer
 * ACTIVE at a given time.
 */

const REQUEST_MS = 40;
const POLL_MS = 500;
/**
 * The latest an end `offMs` away from the expected one is seen: the interval there (polls start that far apart,
 * at most one interval further from the expected end), then half a request for the answer's way back.
 */
const seenWithin = (offMs: number): number => Math.max(FAST_POLL_MS, SLOPE * (Math.abs(offMs) + POLL_MS)) + REQUEST_MS / 2;
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
  /** Clock time from one poll's start to the next's (the first: from the failover's acceptance). */
  intervals: number[];
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
  const starts = [startMs];
  const own: PollClock = { now: () => clock.now(), sleep: (ms, signal) => clock.sleep(ms, signal) };
  const read = async (): Promise<LoadBalancer> => {
    starts.push(clock.now());
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
  return { lateMs: clock.now() - endsAt, polls: settled.polls, intervals: starts.slice(1).map((t, i) => t - (starts[i] as number)) };
}

describe("AmphoraFleetRotation: polling a failover", () => {
  it("nextPollDelayMs: pollSeconds without an expectation or far from it; near it SLOPE of the distance, at least FAST_POLL_MS, while FAST_POLLS last", () => {
    assert.strictEqual(nextPollDelayMs(2000, POLL_MS, undefined, FAST_POLLS), POLL_MS, "no earlier failover: the plain poll");
    assert.strictEqual(nextPollDelayMs(0, POLL_MS, 4000, FAST_POLLS), POLL_MS, "far from the expected end: the plain poll");
    assert.strictEqual(nextPollDelayMs(1000, POLL_MS, 3000, FAST_POLLS), 300, "2 s before the expected end");
    assert.strictEqual(nextPollDelayMs(2900, POLL_MS, 3000, FAST_POLLS), FAST_POLL_MS, "close to it: the shortest interval");
    assert.strictEqual(nextPollDelayMs(4000, POLL_MS, 3000, FAST_POLLS), 150, "1 s later than expected");
    assert.strictEqual(nextPollDelayMs(9000, POLL_MS, 3000, FAST_POLLS), POLL_MS, "far later than expected: the plain poll");
    assert.strictEqual(nextPollDelayMs(3000, POLL_MS, 3000, 0), POLL_MS, "no fast polls left");
    assert.strictEqual(nextPollDelayMs(3000, 40, 3000, FAST_POLLS), 40, "a poll already faster than FAST_POLL_MS stays");
    assert.strictEqual(nextPollDelayMs(10_000, 5000, 10_000, FAST_POLLS), 100, "the default 5 s poll too; a 10 s failover's shortest interval is 1 % of it");
    assert.strictEqual(nextPollDelayMs(120_000, 5000, 120_000, FAST_POLLS), 1200, "a 2-minute failover: 1.2 s");
  });

  it("alone: the first failover is polled every pollSeconds (from a sleep: Octavia answered 202 with PENDING_UPDATE); later ones are seen within an interval of their end, polls starting an interval apart whatever a request takes", async () => {
    const clock = new ManualClock();
    const times = new FailoverTimes();
    const first = await clock.run(failover(clock, times, { endsAfterMs: 2930 }));
    assert.deepStrictEqual(first.intervals, [500, 500, 500, 500, 500, 500], "the 6th poll, at 3 s, sees ACTIVE");
    const expected = times.expected(1, 1, 0) ?? NaN;
    assert.ok(Math.abs(expected - 2930) <= POLL_MS / 2 + REQUEST_MS, `recorded ${expected} ms for a failover of 2930`);

    for (const [step, ms] of [3100, 2300, 3900, 2950].entries()) {
      const before = times.expected(step + 1, 1, 0) ?? NaN;
      const next = await clock.run(failover(clock, times, { endsAfterMs: ms, step: step + 1 }));
      assert.ok(next.lateMs <= seenWithin(ms - before), `a failover of ${ms} ms (expected ${before}) seen ${next.lateMs} ms late`);
      assert.ok(next.polls <= Math.ceil(ms / POLL_MS) + FAST_POLLS, `${next.polls} polls`);
      // A request takes REQUEST_MS, yet where the schedule says FAST_POLL_MS, the polls start FAST_POLL_MS apart.
      if (Math.abs(ms - before) < 100) assert.ok(next.intervals.includes(FAST_POLL_MS), `intervals ${next.intervals.join(", ")}`);
    }
    assert.ok(Math.abs((times.expected(5, 1, 0) ?? NaN) - 2950) <= FAST_POLL_MS, `the median of the last three (2300, 3900, 2950): ${times.expected(5, 1, 0)}`);
  });

  it("a failover 60 % longer than expected is still seen within SLOPE of its lateness, not at the plain poll", async () => {
    const clock = new ManualClock();
    const times = new FailoverTimes();
    times.record(0, 1, 3000, 0);
    const late = await clock.run(failover(clock, times, { endsAfterMs: 4800, step: 1 }));
    assert.ok(late.lateMs <= seenWithin(1800), `seen ${late.lateMs} ms late`);
    assert.ok(late.lateMs < POLL_MS / 2, `seen ${late.lateMs} ms late`);
  });

  it("a failover much longer than expected costs at most FAST_POLLS extra polls, then pollSeconds again", async () => {
    const clock = new ManualClock();
    const times = new FailoverTimes();
    times.record(0, 1, 3000, 0);
    const long = await clock.run(failover(clock, times, { endsAfterMs: 20_000, step: 1 }));
    const fast = long.intervals.filter((ms) => ms < POLL_MS).length;
    assert.ok(fast > 10 && fast <= FAST_POLLS, `${fast} fast polls`);
    assert.ok(long.intervals.slice(-5).every((ms) => ms === POLL_MS), `intervals ${long.intervals.join(", ")}`);
    assert.ok(long.polls <= Math.ceil(20_000 / POLL_MS) + FAST_POLLS, `${long.polls} polls`);
  });

  it("a batch: nothing is expected from the canary or earlier batches; once its first failover ended, the others are seen within an interval of their end", async () => {
    const clock = new ManualClock();
    const times = new FailoverTimes();
    times.record(0, 1, 3000, 0); // the canary, alone
    times.record(1, 5, 14_000, 0); // the batch before: Octavia's load changes
    const ends = [10_200, 10_500, 10_900, 11_400, 12_600];
    const batch = await clock.run(Promise.all(ends.map((endsAfterMs) => failover(clock, times, { endsAfterMs, step: 2, inFlight: 5 }))));
    assert.ok(batch[0]?.intervals.every((ms) => ms === POLL_MS), "the first to end: the plain poll throughout");
    assert.ok(batch[0] && batch[0].lateMs > seenWithin(0));
    // The first is seen at 10.5 s: the others are expected from then.
    for (const [i, turn] of batch.entries()) {
      if (i > 0) assert.ok(turn.lateMs <= seenWithin((ends[i] as number) - 10_500), `failover ${i} (ends at ${ends[i]} ms) seen ${turn.lateMs} ms late`);
    }
    assert.ok(batch.every((turn) => turn.intervals.filter((ms) => ms < POLL_MS).length <= FAST_POLLS));
    assert.strictEqual(times.expected(0, 1, 0), 3000, "the canary's expectation is its own");
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
    // The first is seen at 10 s: the others, 0.5 and 1 s later, are expected from then.
    assert.ok(batch[1] && batch[1].lateMs <= seenWithin(500), `the second seen ${batch[1]?.lateMs} ms late`);
    assert.ok(batch[2] && batch[2].lateMs <= seenWithin(1000), `the third seen ${batch[2]?.lateMs} ms late`);
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
