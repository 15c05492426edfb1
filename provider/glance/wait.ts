/**
 * One generic wait, modelled on Terraform's StateChangeConf: a refresh function reports a state, the wait
 * returns when the state is a target, keeps polling while it is pending, and fails on anything else or when
 * the time is up.
 *
 * ```ts
 * const image = await waitFor({
 *   pending: ["queued", "saving", "importing"],
 *   target: ["active"],
 *   refresh: async () => { const i = await getImage(c, id); return { state: i.status, value: i }; },
 *   timeoutMs: 10 * 60_000,
 * });
 * ```
 * `refresh` may throw to abort the wait (that is how the import wait reports failed and stuck imports).
 */
import { sleep } from "../common/sleep";
import { WaitTimeoutError } from "../openstack/errors";
import { UnexpectedStateError } from "./errors";

export interface Refreshed<T> {
  state: string;
  value: T;
  /** A shorter pause before the next refresh, when the caller knows the change is imminent. */
  nextIntervalMs?: number;
}

export interface WaitForOptions<T> {
  /** States in which to keep polling. */
  pending: readonly string[];
  /** States that end the wait successfully. */
  target: readonly string[];
  refresh: () => Promise<Refreshed<T>>;
  /** Overall bound, measured from the call. */
  timeoutMs: number;
  /** Pause between refreshes (default 1000 ms). The first refresh happens at once. */
  intervalMs?: number;
  /** What is being waited for, for messages ("image 1234 to become active"). */
  description?: string;
  /** Aborts the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export async function waitFor<T>(options: WaitForOptions<T>): Promise<T> {
  const { pending, target, refresh, timeoutMs } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const what = options.description ?? `state ${target.join("/")}`;
  const deadline = Date.now() + timeoutMs;
  let lastState = "(none)";

  for (;;) {
    options.signal?.throwIfAborted();
    const { state, value, nextIntervalMs } = await refresh();
    lastState = state;
    if (target.includes(state)) return value;
    if (!pending.includes(state)) {
      throw new UnexpectedStateError(
        `Waiting for ${what}: unexpected state '${state}' (expected ${target.join(", ")}${
          pending.length ? `; pending ${pending.join(", ")}` : ""
        })`,
        state,
        target,
      );
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new WaitTimeoutError(
        `Timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}; last state '${lastState}'`,
        lastState,
        timeoutMs,
      );
    }
    await sleep(Math.min(nextIntervalMs ?? intervalMs, remaining), options.signal);
  }
}
