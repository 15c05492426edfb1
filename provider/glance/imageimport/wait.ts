import type { GlanceClient } from "../client";
import { ImportFailedError, ImportStuckError, type ImportOutcome } from "../errors";
import { getImage } from "../images/requests";
import { splitStores, type Image } from "../images/results";
import { listImageTasks } from "../tasks/requests";
import type { Task } from "../tasks/results";
import { waitFor, type Refreshed } from "../wait";

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
}

const nonEmpty = (s: string | undefined): s is string => s !== undefined && s !== "";

/**
 * An image already `active`, no store left to import to, but still holding the lock: Glance is finishing the
 * flow (deleting the staged data, then releasing the lock ~60 ms later). Polled this often for at most
 * FINISHING_FAST_MS, instead of a whole interval after the data is in place.
 */
const FINISHING_POLL_MS = 50;
const FINISHING_FAST_MS = 2_000;

/**
 * While data is being imported or copied (stores in `os_glance_importing_to_stores`), the task is read this often
 * at most (and at most six times per `stuckAfterMs`): Glance saves it ("Copied N MiB") as the copy runs, and a task
 * lost to a Glance restart never changes again.
 */
const COPY_TASK_CHECK_MS = 10_000;

/** The task Glance ran for this import: the one named by the lock, else the newest. */
function pickTask(tasks: readonly Task[], taskId: string | undefined): Task | undefined {
  if (taskId) {
    const named = tasks.find((t) => t.id === taskId);
    if (named) return named;
  }
  return [...tasks].sort((a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? ""))[0];
}

async function tryTasks(c: GlanceClient, id: string): Promise<Task[] | undefined> {
  try {
    return await listImageTasks(c, id);
  } catch {
    return undefined; // older API or policy: the task message is a nicety, not a requirement
  }
}

function outcome(image: Image, task: Task | undefined, taskId: string | undefined): ImportOutcome {
  const id = task?.id ?? taskId;
  return {
    imageId: image.id,
    status: image.status,
    failedStores: splitStores(image.os_glance_failed_import),
    stores: splitStores(image.stores),
    ...(id !== undefined ? { taskId: id } : {}),
    ...(task ? { taskStatus: task.status } : {}),
    ...(nonEmpty(task?.message ?? undefined) ? { taskMessage: task?.message ?? "" } : {}),
  };
}

/**
 * Waits for an import started with `importImage` to finish, and judges it.
 *
 * - Running while the image carries `os_glance_import_task` (Glance's import lock); `status` alone is not
 *   enough (copy-image keeps the image `active` throughout).
 * - When the lock is gone: stores listed in `os_glance_failed_import` → ImportFailedError naming the image and
 *   stores, with Glance's task message from `GET /v2/images/{id}/tasks`; an image that is not `active`
 *   (web-download failures go back to `queued`) → ImportFailedError as well. Otherwise resolves with the image.
 * - Stuck: `importing` with no `os_glance_importing_to_stores` and either the task in `failure` (or the lock
 *   gone) on two consecutive polls, or nothing changing for `stuckAfterMs` → ImportStuckError. The same when data
 *   is on its way into stores (copy-image included) and neither the image nor its task changes for `stuckAfterMs`.
 * - Bounded by `timeoutMs` → WaitTimeoutError.
 */
export async function waitForImport(c: GlanceClient, id: string, opts: WaitForImportOptions = {}): Promise<Image> {
  const stuckAfterMs = opts.stuckAfterMs ?? 180_000;
  const startTimeoutMs = opts.startTimeoutMs ?? 120_000;
  let lastTaskId: string | undefined;
  let quietSignature: string | undefined;
  let quietSince = 0;
  let failureSeen = false;
  let finishingSince: number | undefined;

  let copyTask: Task | undefined;
  let copyImageSignature: string | undefined;
  let copyTaskSignature: string | undefined;
  let copyTaskReadAt = -Infinity;

  /**
   * Data on its way into stores (`os_glance_importing_to_stores` set; copy-image keeps the image `active`). Alive
   * while the image or its task changes; the task is read only once the image has been quiet for a while. Quiet
   * for `stuckAfterMs` means a task that will never finish, which holds Glance's import lock until Glance lets
   * another import take it (60 minutes after the task's last update).
   */
  const copying = async (image: Image, lock: string): Promise<Refreshed<Image>> => {
    quietSignature = undefined;
    const now = Date.now();
    const checkEvery = Math.min(COPY_TASK_CHECK_MS, stuckAfterMs / 6);
    const imageSignature = [image.status, image.stores ?? "", image.os_glance_importing_to_stores ?? "", image.os_glance_failed_import ?? "", lock].join("|");
    if (imageSignature !== copyImageSignature) {
      copyImageSignature = imageSignature;
      quietSince = now;
    } else if (now - quietSince >= checkEvery && now - copyTaskReadAt >= checkEvery) {
      copyTaskReadAt = now;
      const tasks = await tryTasks(c, id);
      copyTask = tasks && pickTask(tasks, lock);
      const taskSignature = [copyTask?.status ?? "", copyTask?.updated_at ?? "", copyTask?.message ?? ""].join("|");
      if (taskSignature !== copyTaskSignature) {
        copyTaskSignature = taskSignature;
        quietSince = now;
      }
    }
    if (now - quietSince >= stuckAfterMs) {
      const reason =
        `no import progress for ${Math.round((now - quietSince) / 1000)}s while importing to ${image.os_glance_importing_to_stores} ` +
        `(a task lost to a Glance restart never resumes; Glance lets another import take the lock 60 minutes after the task's last update)`;
      throw new ImportStuckError({ ...outcome(image, copyTask, lock), stuckForMs: now - quietSince, reason });
    }
    return { state: "importing", value: image };
  };

  const refresh = async (): Promise<Refreshed<Image>> => {
    const image = await getImage(c, id);
    const lock = nonEmpty(image.os_glance_import_task) ? image.os_glance_import_task : undefined;
    if (lock) lastTaskId = lock;
    const importingTo = image.os_glance_importing_to_stores ?? "";
    // The task holds the lock but has not moved the image on: starting, queued behind others, or lost.
    const waitingToStart = lock !== undefined && (image.status === "uploading" || image.status === "queued");
    const suspicious = (image.status === "importing" && importingTo === "") || waitingToStart;

    if (!suspicious) {
      failureSeen = false;
      if (lock) {
        const finishing = image.status === "active" && importingTo === "";
        if (!finishing) return copying(image, lock);
        quietSignature = undefined;
        finishingSince ??= Date.now();
        const fast = Date.now() - finishingSince < FINISHING_FAST_MS;
        return { state: "importing", value: image, ...(fast ? { nextIntervalMs: Math.min(FINISHING_POLL_MS, opts.intervalMs ?? 1000) } : {}) };
      }
      quietSignature = undefined;
      const failed = splitStores(image.os_glance_failed_import);
      if (image.status === "active" && (failed.length === 0 || opts.allowFailedStores)) return { state: "done", value: image };
      const tasks = await tryTasks(c, id);
      throw new ImportFailedError(outcome(image, tasks && pickTask(tasks, lastTaskId), lastTaskId));
    }

    // `importing` with no store in progress: either between steps, or stuck for good.
    copyImageSignature = undefined;
    const tasks = await tryTasks(c, id);
    const task = tasks && pickTask(tasks, lock ?? lastTaskId);
    const signature = [image.status, image.stores ?? "", image.os_glance_failed_import ?? "", lock ?? "", task?.status ?? "", task?.updated_at ?? ""].join("|");
    const now = Date.now();
    if (signature !== quietSignature) {
      quietSignature = signature;
      quietSince = now;
    }
    const failureNow = task?.status === "failure" || !lock;
    const confirmed = failureNow && failureSeen;
    failureSeen = failureNow;
    const quietLimit = waitingToStart ? startTimeoutMs : stuckAfterMs;
    if (confirmed || now - quietSince >= quietLimit) {
      const reason = confirmed
        ? task?.status === "failure"
          ? `its import task failed but the image stayed ${image.status}`
          : "the import lock is gone but the image stayed importing"
        : waitingToStart
          ? `its import task ${lock} did not start within ${Math.round((now - quietSince) / 1000)}s (the image stays ` +
            `${image.status} holding the import lock; a task lost to a Glance restart never resumes)`
          : `no import progress for ${Math.round((now - quietSince) / 1000)}s`;
      throw new ImportStuckError({ ...outcome(image, task, lock ?? lastTaskId), stuckForMs: now - quietSince, reason });
    }
    return { state: "importing", value: image };
  };

  return waitFor<Image>({
    pending: ["importing"],
    target: ["done"],
    refresh,
    timeoutMs: opts.timeoutMs ?? 30 * 60_000,
    intervalMs: opts.intervalMs ?? 1000,
    description: `the import of image ${id} to finish`,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
