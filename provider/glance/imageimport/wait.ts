import type { GlanceClient } from "../client";
import { ImportFailedError, ImportStuckError } from "../errors";
import { getImage } from "../images/requests";
import type { Image } from "../images/results";
import { listImageTasks } from "../tasks/requests";
import type { Task } from "../tasks/results";
import { waitFor, type Refreshed } from "../wait";
import { initialImportWatch, judgeImport, type ImportLimits } from "./progress";

export interface WaitForImportOptions {
  /** Overall bound (WaitTimeoutError). Default 30 minutes. */
  timeoutMs?: number;
  /** Poll interval. Default 1000 ms. */
  intervalMs?: number;
  /**
   * How long an image may sit in `importing` with nothing moving (no `os_glance_importing_to_stores`, no
   * change of status, stores or task) before it is declared stuck. Default 3 minutes (Glance refreshes the task at most once a minute while copying).
   */
  stuckAfterMs?: number;
  /**
   * How long the image may sit waiting for its import task to start (status `uploading` or `queued` while
   * `os_glance_import_task` is set) with nothing changing before it is declared stuck. Default 2 minutes: a
   * healthy Glance starts the task within a second, while a task lost to a Glance restart never starts and never
   * lets go of the lock (Glance does not resume tasks), which would otherwise be waited for until `timeoutMs`.
   */
  startTimeoutMs?: number;
  /**
   * Return the image when it is active even though some stores failed (`all_stores_must_succeed: false`).
   * Default false: any failed store is an ImportFailedError.
   */
  allowFailedStores?: boolean;
  signal?: AbortSignal;
  /** The clock the stuck rules measure with (tests); default `Date.now`. */
  now?: () => number;
}

async function tryTasks(c: GlanceClient, id: string): Promise<Task[] | undefined> {
  try {
    return await listImageTasks(c, id);
  } catch {
    return undefined; // older API or policy: the task message is a nicety, not a requirement
  }
}

/**
 * Waits for an import started with `importImage` to finish, and judges it (progress.ts says how): resolves with
 * the image, or fails with ImportFailedError (failed stores, Glance's task message included), ImportStuckError, or
 * WaitTimeoutError after `timeoutMs`.
 */
export async function waitForImport(c: GlanceClient, id: string, opts: WaitForImportOptions = {}): Promise<Image> {
  const limits: ImportLimits = {
    stuckAfterMs: opts.stuckAfterMs ?? 180_000,
    startTimeoutMs: opts.startTimeoutMs ?? 120_000,
    allowFailedStores: opts.allowFailedStores ?? false,
    intervalMs: opts.intervalMs ?? 1000,
  };
  const now = opts.now ?? Date.now;
  let watch = initialImportWatch();

  const refresh = async (): Promise<Refreshed<Image>> => {
    const image = await getImage(c, id);
    const at = now();
    let judged = judgeImport(watch, image, "unread", at, limits);
    if (judged.verdict.kind === "read-tasks") judged = judgeImport(watch, image, await tryTasks(c, id), at, limits);
    watch = judged.watch;
    const verdict = judged.verdict;
    switch (verdict.kind) {
      case "done":
        return { state: "done", value: image };
      case "failed":
        throw new ImportFailedError(verdict.outcome);
      case "stuck":
        throw new ImportStuckError({ ...verdict.outcome, stuckForMs: verdict.stuckForMs, reason: verdict.reason });
      default:
        return { state: "importing", value: image, ...(verdict.kind === "waiting" && verdict.nextIntervalMs !== undefined ? { nextIntervalMs: verdict.nextIntervalMs } : {}) };
    }
  };

  return waitFor<Image>({
    pending: ["importing"],
    target: ["done"],
    refresh,
    timeoutMs: opts.timeoutMs ?? 30 * 60_000,
    intervalMs: limits.intervalMs,
    description: `the import of image ${id} to finish`,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
