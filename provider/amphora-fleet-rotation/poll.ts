import { sleep } from "../common/sleep";
import type { LoadBalancer } from "../octavia/client";

/**
 * When to poll a load balancer that Octavia is failing over.
 *
 * A fixed poll notices Octavia's ACTIVE half a poll late on average (the poll's 0.5 s cost 0.3 s per failover of
 * 3 s on the local Octavia; the default 5 s, 1–2.5 s), and in a rotation that is paid once per step. So a
 * failover polls every `pollSeconds`, and every FAST_POLL_MS (at most FAST_POLLS times, then `pollSeconds` again)
 * once its end is near by what this run saw:
 * - alone (a canary, a batch of one): from LEAD of the time this run's latest failovers alone took (RECENT);
 * - in a batch: from the moment the first failover of its batch ended. The batch's failovers were asked for
 *   together and run on the same Octavia workers, so they end close together, and the step waits for the last
 *   one; earlier batches predict badly (on the local Octavia, batches of five took 8 to 14 s as its load
 *   changed). A failover sleeping through a `pollSeconds` is woken for this.
 */

/** The shortest poll interval: a failover's end is noticed ~50 ms late plus a request. */
export const FAST_POLL_MS = 100;
/** Polls at an interval shorter than `pollSeconds` per failover at most: the extra requests it may cost. */
export const FAST_POLLS = 20;
/**
 * The fast polls start at this fraction of the expected failover time: serial failovers on the local Octavia
 * vary by ±40 % from one to the next; replayed over 80 measured ones, 0.7 with 20 fast polls noticed their ends
 * 90 ms late on average for 6 extra polls (0.85 with 15: 122 ms for 4; the plain 0.5 s poll: 270 ms).
 */
const LEAD = 0.7;
/** How many of the latest failover times the expectation is the median of. */
const RECENT = 3;

/** The time polls are measured and waited in: the system's, or a test's. A sleep ends early when `signal` aborts. */
export interface PollClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const SYSTEM_POLL_CLOCK: PollClock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, signal) };

/**
 * Milliseconds to sleep before the next poll of a failover `elapsedMs` old (pure). Never longer than `pollMs`;
 * shorter only near `expectedMs` while `fastPollsLeft` lasts.
 */
export function nextPollDelayMs(elapsedMs: number, pollMs: number, expectedMs: number | undefined, fastPollsLeft: number): number {
  if (expectedMs === undefined || fastPollsLeft <= 0 || pollMs <= FAST_POLL_MS) return pollMs;
  const fastFrom = expectedMs * LEAD;
  if (elapsedMs + pollMs <= fastFrom) return pollMs;
  return Math.max(FAST_POLL_MS, Math.min(pollMs, fastFrom - elapsedMs));
}

/** What one rotation saw of its failovers' times (ms, accepted → seen ACTIVE), and who waits for a batch's first end. */
export class FailoverTimes {
  readonly #alone: number[] = [];
  readonly #firstOfStep = new Map<number, number>();
  readonly #waiting = new Map<number, Set<() => void>>();

  record(step: number, inFlight: number, ms: number): void {
    if (inFlight <= 1) {
      this.#alone.push(ms);
      return;
    }
    if (this.#firstOfStep.has(step)) return;
    this.#firstOfStep.set(step, ms);
    for (const wake of this.#waiting.get(step) ?? []) wake();
    this.#waiting.delete(step);
  }

  /** Alone: the median of the latest RECENT failovers alone; in a batch: its first failover to end (so its others, as old, poll fast at once). */
  expected(step: number, inFlight: number): number | undefined {
    if (inFlight > 1) return this.#firstOfStep.get(step);
    const recent = this.#alone.slice(-RECENT).sort((a, b) => a - b);
    if (recent.length === 0) return undefined;
    const mid = recent.length >> 1;
    return recent.length % 2 ? recent[mid] : ((recent[mid - 1] as number) + (recent[mid] as number)) / 2;
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
 * Octavia has just accepted is PENDING_UPDATE: its API sets it before answering). With `learn`, the polls follow
 * nextPollDelayMs from the clock time `startMs` (a poll woken by its batch's first end counts as a fast one), and
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
  },
): Promise<Settled> {
  const { clock, pollMs, deadlineMs, learn } = opts;
  let fastLeft = FAST_POLLS;
  let polls = 0;
  let lastPending = learn?.startMs ?? clock.now();
  let state = opts.first;
  while (state === undefined || pending(state.provisioning_status)) {
    if (state !== undefined && clock.now() >= deadlineMs) return { state, timedOut: true, polls };
    // Asked before every poll: the batch's first end may have come meanwhile.
    const expected = learn?.times.expected(learn.step, learn.inFlight);
    const delay = learn ? nextPollDelayMs(clock.now() - learn.startMs, pollMs, expected, fastLeft) : pollMs;
    const wakeOn = learn && learn.inFlight > 1 && expected === undefined && fastLeft > 0 ? (wake: () => void) => learn.times.onFirstEnd(learn.step, wake) : undefined;
    const woken = await nap(clock, Math.min(delay, Math.max(0, deadlineMs - clock.now())), wakeOn);
    if (delay < pollMs || woken) fastLeft--;
    state = await read();
    polls++;
    if (pending(state.provisioning_status)) lastPending = clock.now();
  }
  if (learn && state.provisioning_status === "ACTIVE") learn.times.record(learn.step, learn.inFlight, (lastPending + clock.now()) / 2 - learn.startMs);
  return { state, timedOut: false, polls };
}
