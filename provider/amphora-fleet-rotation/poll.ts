import { sleep } from "../common/sleep";
import type { LoadBalancer } from "../octavia/client";

/**
 * When to poll a load balancer that Octavia is failing over.
 *
 * A fixed poll notices Octavia's ACTIVE half a poll late on average (the poll's 0.5 s cost 0.3 s per failover of
 * 3 s on the local Octavia; the default 5 s, 1–2.5 s), and in a rotation that is paid once per step. Failovers of
 * one fleet take similar times, so the rotation learns from its own: a failover polls every `pollSeconds` while
 * young, and every FAST_POLL_MS from LEAD of the time this run's earlier failovers took for at most FAST_POLLS
 * polls, then every `pollSeconds` again. A failover alone learns from those that ran alone (the canaries, serial
 * batches), one of a batch from those of batches (five at once take 3–6× as long as one alone on the local
 * Octavia; a rotation's batches are alike, its last one maybe smaller); a failover of the same batch that has
 * already ended counts.
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

/** The time polls are measured and waited in: the system's, or a test's that records the sleeps asked for. */
export interface PollClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_POLL_CLOCK: PollClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

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

/** The failover times one rotation observed (ms, accepted → seen ACTIVE), apart for those alone and in batches. */
export class FailoverTimes {
  readonly #times = new Map<boolean, number[]>();

  record(inFlight: number, ms: number): void {
    const list = this.#times.get(inFlight > 1) ?? [];
    list.push(ms);
    this.#times.set(inFlight > 1, list);
  }

  /** The median of the latest RECENT failovers run alone (`inFlight` 1) or in a batch; undefined before the first. */
  expected(inFlight: number): number | undefined {
    const recent = (this.#times.get(inFlight > 1) ?? []).slice(-RECENT).sort((a, b) => a - b);
    if (recent.length === 0) return undefined;
    const mid = recent.length >> 1;
    return recent.length % 2 ? recent[mid] : ((recent[mid - 1] as number) + (recent[mid] as number)) / 2;
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
 * Octavia has just accepted is PENDING_UPDATE: its API sets it before answering). With `times`, the polls follow
 * nextPollDelayMs from the clock time `startMs`, and a failover that ends ACTIVE adds its time (midway between
 * the last pending answer and the answer that saw it end).
 */
export async function awaitSettled(
  read: () => Promise<LoadBalancer>,
  opts: {
    clock: PollClock;
    pollMs: number;
    deadlineMs: number;
    first?: LoadBalancer;
    learn?: { times: FailoverTimes; inFlight: number; startMs: number };
  },
): Promise<Settled> {
  const { clock, pollMs, deadlineMs, learn } = opts;
  let fastLeft = FAST_POLLS;
  let polls = 0;
  let lastPending = learn?.startMs ?? clock.now();
  let state = opts.first;
  while (state === undefined || pending(state.provisioning_status)) {
    if (state !== undefined && clock.now() >= deadlineMs) return { state, timedOut: true, polls };
    // Asked again before every poll: a failover of the same step that ended meanwhile is the best expectation.
    const delay = learn ? nextPollDelayMs(clock.now() - learn.startMs, pollMs, learn.times.expected(learn.inFlight), fastLeft) : pollMs;
    if (delay < pollMs) fastLeft--;
    await clock.sleep(Math.min(delay, Math.max(0, deadlineMs - clock.now())));
    state = await read();
    polls++;
    if (pending(state.provisioning_status)) lastPending = clock.now();
  }
  if (learn && state.provisioning_status === "ACTIVE") learn.times.record(learn.inFlight, (lastPending + clock.now()) / 2 - learn.startMs);
  return { state, timedOut: false, polls };
}
