/**
 * A tiny worker pool: runs `worker` over `items` with at most `concurrency` calls in flight, in item order.
 * A failing item never stops the others; every item gets a settled result at its own index. `stop()` is asked
 * before each item starts: once it answers true, the items not yet started are reported as `skipped` (used to
 * stop a run after a failure that would repeat for every item, such as a policy refusal).
 *
 * ```ts
 * const results = await runPool(ids, 2, (id) => copy(id), { stop: () => forbidden });
 * ```
 */

export type PoolResult<R> =
  | { status: "fulfilled"; value: R }
  | { status: "rejected"; reason: unknown }
  | { status: "skipped" };

export interface PoolOptions {
  /** Asked before each item starts; true skips it and every later item. */
  stop?: () => boolean;
}

export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
  options: PoolOptions = {},
): Promise<PoolResult<R>[]> {
  const limit = Math.max(1, Math.floor(concurrency));
  const results: PoolResult<R>[] = items.map(() => ({ status: "skipped" }));
  let next = 0;
  let stopped = false;

  const run = async (): Promise<void> => {
    while (next < items.length) {
      if (stopped || options.stop?.()) {
        stopped = true;
        return;
      }
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await worker(items[index] as T, index) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };

  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return results;
}
