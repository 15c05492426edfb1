/**
 * Bounds a promise in time: rejects with DeadlineError after `ms` (the promise itself keeps running; use it for
 * optional work such as a reachability check, whose late result can be ignored).
 */
export class DeadlineError extends Error {
  override name = "DeadlineError";
}

export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} took longer than ${ms} ms`)), ms);
    timer.unref?.();
  });
  promise.catch(() => undefined); // a late failure must not become an unhandled rejection
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
