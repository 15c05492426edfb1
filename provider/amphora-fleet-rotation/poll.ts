import { sleep } from "../common/sleep";
import type { LoadBalancer } from "../octavia/client";

/**
 * When to poll a load balancer that Octavia is failing over.
 *
 * A fixed poll notices Octavia's ACTIVE half a poll late on average (the poll's 0.5 s cost 0.3 s per failover of
 * 3 s on the local Octavia; the default 5 s, 1–2.5 s), and in a rotation that is paid once per step. So once a
 * failover's end can be expected from what this run saw, its polls come closer together the nearer it is to that
 * end: SLOPE of the distance to it, never closer than FAST_POLL_MS (or FLOOR_FRACTION of the expected time), at
 * most FAST_POLLS times, never further apart than `pollSeconds`. The expected end:
 * - alone (a canary, a batch of one): the time this run's latest failovers alone took (RECENT);
 * - in a batch: the moment the first failover of its batch ended. The batch's failovers were asked for together
 *   and run on the same Octavia workers, so they end close together, and the step waits for the last one; earlier
 *   batches predict badly (on the local Octavia, batches of five took 8 to 14 s as its load changed). A failover
 *   sleeping through a `pollSeconds` is woken for this;
 * - but while amphora lists watch its replacement (replacement-watch.ts), nothing: a failover cannot end ACTIVE
 *   before its replacement is complete; once one proved it complete, that moment plus the time this run's
 *   failovers took from there (the flow's last tasks, which vary far less than a whole failover).
 * Intervals run from one poll's start to the next: a poll's own answer (~40 ms on the local Octavia) does not
 * push the next one back, so near the expected end the polls follow one another.
 */

/** The shortest interval between two polls' starts. */
export const FAST_POLL_MS = 50;
/** The shortest interval is at least this fraction of the expected time: a 2-minute failover is polled at most every 1.2 s. */
const FLOOR_FRACTION = 0.01;
/**
 * The interval is this fraction of the distance to the expected end. Consecutive serial failovers on the local
 * Octavia differ by 17 % (median; 40 % at the 90th percentile, up to twice): replayed over 140 measured ones with
 * 40 ms requests, 0.15 noticed their ends 78 ms late on average for 20 polls (0.1: 88 ms for 26; 0.2: 92 ms for
 * 18; a fixed 0.1 s from 70 % of the expected time, 20 times: 112 ms for 11).
 */
export const SLOPE = 0.15;
/** Polls at an interval shorter than `pollSeconds` per failover at most: the extra requests it may cost. */
export const FAST_POLLS = 40;
/** How many of the latest failover times the expectation is the median of. */
const RECENT = 3;

/** The time polls are measured and waited in: the system's, or a test's. A sleep ends early when `signal` aborts. */
export interface PollClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const SYSTEM_POLL_CLOCK: PollClock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, signal) };

/**
 * Milliseconds from the start of one poll, `elapsedMs` into a failover, to the start of the next (pure). Never
 * longer than `pollMs`; shorter only around `expectedMs` while `fastPollsLeft` lasts.
 */
export function nextPollDelayMs(elapsedMs: number, pollMs: number, expectedMs: number | undefined, fastPollsLeft: number): number {
  if (expectedMs === undefined || fastPollsLeft <= 0 || pollMs <= FAST_POLL_MS) return pollMs;
  const shortest = Math.max(FAST_POLL_MS, expectedMs * FLOOR_FRACTION);
  return Math.min(pollMs, Math.max(shortest, SLOPE * Math.abs(expectedMs - elapsedMs)));
}

/** What one rotation saw of its failovers' times (ms, accepted → seen ACTIVE), and who waits for a batch's first end. */
export class FailoverTimes {
  readonly #alone: number[] = [];
  /** From the list that proved a replacement complete to the end (replacement-watch.ts), ms. */
  readonly #tails: number[] = [];
  /** Step → the clock time its first failover was seen ACTIVE. */
  readonly #firstOfStep = new Map<number, number>();
  readonly #waiting = new Map<number, Set<() => void>>();

  /** A failover of `step` took `ms`; it was seen ACTIVE at clock time `seenAt`. */
  record(step: number, inFlight: number, ms: number, seenAt: number): void {
    if (inFlight <= 1) {
      this.#alone.push(ms);
      return;
    }
    if (this.#firstOfStep.has(step)) return;
    this.#firstOfStep.set(step, seenAt);
    for (const wake of this.#waiting.get(step) ?? []) wake();
    this.#waiting.delete(step);
  }

  /** A failover ended `ms` after the list that proved its replacement complete. */
  recordTail(ms: number): void {
    this.#tails.push(ms);
  }

  /** The median of the latest RECENT tails (recordTail); 0 before the first. */
  tail(): number {
    return median(this.#tails.slice(-RECENT)) ?? 0;
  }

  /** Whether the first failover of `step` ended. */
  firstEnded(step: number): boolean {
    return this.#firstOfStep.has(step);
  }

  /**
   * When a failover accepted at clock time `startMs` is expected to end, ms after `startMs`. Alone: the median of
   * the latest RECENT failovers alone; in a batch: when its first failover was seen to end (so its others poll
   * fast from then).
   */
  expected(step: number, inFlight: number, startMs: number): number | undefined {
    if (inFlight > 1) {
      const first = this.#firstOfStep.get(step);
      return first === undefined ? undefined : first - startMs;
    }
    return median(this.#alone.slice(-RECENT));
  }

  /** Calls `wake` when the first failover of `step` ends (not if one has); returns the way to stop waiting. */
  onFirstEnd(step: number, wake: () => void): () => void {
    if (this.#firstOfStep.has(step)) return () => undefined;
    const set = this.#waiting.get(step) ?? new Set();
    set.add(wake);
    this.#waiting.set(step, set);
    return () => void set.delete(wake);
  }
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Sleeps `ms`, or less when `wakeOn` calls back; true when woken early. */
async function nap(clock: PollClock, ms: number, wakeOn?: (wake: () => void) => () => void): Promise<boolean> {
  const woken = new AbortController();
  const stop = wakeOn?.(() => woken.abort());
  try {
    await clock.sleep(ms, woken.signal);
    return false;
  } catch (err) {
    if (woken.signal.aborted) return true;
    throw err;
  } finally {
    stop?.();
  }
}

export interface Settled {
  state: LoadBalancer;
  /** The load balancer was still PENDING_* when the deadline passed. */
  timedOut: boolean;
  /** Polls sent (`read` calls). */
  polls: number;
}

export const pending = (status: string): boolean => status.startsWith("PENDING_");

/**
 * Polls `read` until the load balancer leaves `PENDING_*` or `deadlineMs` (clock time) passes. With `first` (a
 * state just read) it polls again only if that is pending; without, it sleeps before the first poll (a failover
 * Octavia has just accepted is PENDING_UPDATE: its API sets it before answering). Polls start `pollMs` apart; with
 * `learn`, they follow nextPollDelayMs from the clock time `startMs` (a poll woken by its batch's first end or its
 * watch's counts as a fast one), and
 * a failover that ends ACTIVE adds its time (midway between the last pending answer and the answer that saw it end).
 */
export async function awaitSettled(
  read: () => Promise<LoadBalancer>,
  opts: {
    clock: PollClock;
    pollMs: number;
    deadlineMs: number;
    first?: LoadBalancer;
    learn?: { times: FailoverTimes; step: number; inFlight: number; startMs: number };
    /**
     * The failover's replacement, when watched (replacement-watch.ts): while the watch runs nothing is expected
     * (a failover cannot end ACTIVE before its replacement is complete); once proven complete, its end is expected
     * a tail later; a watch that ended without proof leaves the expectation as without one.
     */
    progress?: { provenAt(): number | undefined; watching(): boolean; onEnd(wake: () => void): () => void };
  },
): Promise<Settled> {
  const { clock, pollMs, deadlineMs, learn, progress } = opts;
  let fastLeft = FAST_POLLS;
  let polls = 0;
  let lastPending = learn?.startMs ?? clock.now();
  let lastStart = lastPending;
  let state = opts.first;
  while (state === undefined || pending(state.provisioning_status)) {
    if (state !== undefined && clock.now() >= deadlineMs) return { state, timedOut: true, polls };
    // Asked before every poll: the batch's first end or the replacement's may have come meanwhile.
    const provenAt = progress?.provenAt();
    const watching = provenAt === undefined && (progress?.watching() ?? false);
    const expected = !learn || watching ? undefined : provenAt !== undefined ? provenAt + learn.times.tail() - learn.startMs : learn.times.expected(learn.step, learn.inFlight, learn.startMs);
    const delay = learn ? nextPollDelayMs(lastStart - learn.startMs, pollMs, expected, fastLeft) : pollMs;
    const wakers: Array<(wake: () => void) => () => void> = [];
    if (learn && learn.inFlight > 1 && expected === undefined && !watching && fastLeft > 0) wakers.push((wake) => learn.times.onFirstEnd(learn.step, wake));
    if (progress && watching && fastLeft > 0) wakers.push((wake) => progress.onEnd(wake));
    const wakeOn = wakers.length
      ? (wake: () => void) => {
          const stops = wakers.map((w) => w(wake));
          return () => stops.forEach((stop) => stop());
        }
      : undefined;
    const now = clock.now();
    const woken = await nap(clock, Math.max(0, Math.min(lastStart + delay, deadlineMs) - now), wakeOn);
    if (delay < pollMs || woken) fastLeft--;
    lastStart = clock.now();
    state = await read();
    polls++;
    if (pending(state.provisioning_status)) lastPending = clock.now();
  }
  if (learn && state.provisioning_status === "ACTIVE") {
    const endedAt = (lastPending + clock.now()) / 2;
    learn.times.record(learn.step, learn.inFlight, endedAt - learn.startMs, clock.now());
    const provenAt = progress?.provenAt();
    if (provenAt !== undefined) learn.times.recordTail(Math.max(0, endedAt - provenAt));
  }
  return { state, timedOut: false, polls };
}
