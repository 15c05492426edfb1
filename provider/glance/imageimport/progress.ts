/**
 * How an import is judged from what Glance shows, as a pure function of what was seen before, the image now, its
 * tasks (when they had to be read) and the time: `waitForImport` (wait.ts) does the reading and the sleeping.
 *
 * - Running while the image carries `os_glance_import_task` (Glance's import lock); `status` alone is not enough
 *   (copy-image keeps the image `active` throughout).
 * - When the lock is gone: stores listed in `os_glance_failed_import`, or an image that is not `active`
 *   (web-download failures go back to `queued`), are a failure; otherwise done.
 * - Stuck: `importing` with no `os_glance_importing_to_stores` and either the task in `failure` (or the lock gone)
 *   on two consecutive polls, or nothing changing for `stuckAfterMs` (`startTimeoutMs` while the task has not
 *   moved the image on yet). The same when data is on its way into stores (copy-image included) and neither the
 *   image nor its task changes for `stuckAfterMs`.
 */
import type { ImportOutcome } from "../errors";
import { splitStores, type Image } from "../images/results";
import type { Task } from "../tasks/results";

export interface ImportLimits {
  stuckAfterMs: number;
  startTimeoutMs: number;
  allowFailedStores: boolean;
  intervalMs: number;
}

/** What earlier polls saw: enough to tell "nothing moves" from "slow". */
export interface ImportWatch {
  /** The last import lock seen (the task that ran, once the lock is gone). */
  lastTaskId?: string;
  /** Since when nothing moved (image, task) in the phase being watched. */
  quietSince: number;
  /** `importing` with no store in progress: what image and task looked like. */
  quietSignature?: string;
  /** The previous poll already saw the task failed (or the lock gone) while the image stayed importing. */
  failureSeen: boolean;
  /** When the image was first seen active with nothing left to import but the lock still held. */
  finishingSince?: number;
  /** Data on its way into stores: the image's and the task's last look, and when the task was read. */
  copyImageSignature?: string;
  copyTaskSignature?: string;
  copyTaskReadAt: number;
  copyTask?: Task;
}

export type ImportVerdict =
  | { kind: "waiting"; nextIntervalMs?: number }
  | { kind: "done" }
  /** The image's tasks are needed to judge this poll: read them and judge again with them. */
  | { kind: "read-tasks" }
  | { kind: "failed"; outcome: ImportOutcome }
  | { kind: "stuck"; outcome: ImportOutcome; stuckForMs: number; reason: string };

/** Tasks not read yet (the verdict may ask for them); `undefined`: they could not be read. */
export type TasksSeen = readonly Task[] | undefined | "unread";

export const initialImportWatch = (): ImportWatch => ({ quietSince: 0, failureSeen: false, copyTaskReadAt: -Infinity });

/**
 * An image already `active`, no store left to import to, but still holding the lock: Glance is finishing the flow
 * (deleting the staged data, then releasing the lock ~60 ms later). Polled this often for at most
 * FINISHING_FAST_MS, instead of a whole interval after the data is in place.
 */
export const FINISHING_POLL_MS = 50;
export const FINISHING_FAST_MS = 2_000;

/**
 * While data is being imported or copied, the task is read this often at most (and at most six times per
 * `stuckAfterMs`): Glance saves it ("Copied N MiB") as the copy runs, and a task lost to a Glance restart never
 * changes again.
 */
export const COPY_TASK_CHECK_MS = 10_000;

const nonEmpty = (s: string | null | undefined): s is string => s !== undefined && s !== null && s !== "";

/** The task Glance ran for this import: the one named by the lock, else the newest. */
export function pickTask(tasks: readonly Task[], taskId: string | undefined): Task | undefined {
  if (taskId) {
    const named = tasks.find((t) => t.id === taskId);
    if (named) return named;
  }
  return [...tasks].sort((a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? ""))[0];
}

export function importOutcome(image: Image, task: Task | undefined, taskId: string | undefined): ImportOutcome {
  const id = task?.id ?? taskId;
  return {
    imageId: image.id,
    status: image.status,
    failedStores: splitStores(image.os_glance_failed_import),
    stores: splitStores(image.stores),
    ...(id !== undefined ? { taskId: id } : {}),
    ...(task ? { taskStatus: task.status } : {}),
    ...(nonEmpty(task?.message) ? { taskMessage: task?.message ?? "" } : {}),
  };
}

interface Judged {
  watch: ImportWatch;
  verdict: ImportVerdict;
}

const readTasks = (unchanged: ImportWatch): Judged => ({ watch: unchanged, verdict: { kind: "read-tasks" } });
const seconds = (ms: number): number => Math.round(ms / 1000);

/** Data on its way into stores: alive while the image or its task changes; the task is read once the image is quiet. */
function judgeCopy(before: ImportWatch, w: ImportWatch, image: Image, lock: string, tasks: TasksSeen, now: number, limits: ImportLimits): Judged {
  const watch: ImportWatch = { ...w, quietSignature: undefined };
  const checkEvery = Math.min(COPY_TASK_CHECK_MS, limits.stuckAfterMs / 6);
  const imageSignature = JSON.stringify([image.status, image.stores ?? "", image.os_glance_importing_to_stores ?? "", image.os_glance_failed_import ?? "", lock]);
  if (imageSignature !== watch.copyImageSignature) {
    watch.copyImageSignature = imageSignature;
    watch.quietSince = now;
  } else if (now - watch.quietSince >= checkEvery && now - watch.copyTaskReadAt >= checkEvery) {
    if (tasks === "unread") return readTasks(before);
    watch.copyTaskReadAt = now;
    const task = tasks && pickTask(tasks, lock);
    if (task) watch.copyTask = task;
    else delete watch.copyTask;
    const taskSignature = JSON.stringify([task?.status ?? "", task?.updated_at ?? "", task?.message ?? ""]);
    if (taskSignature !== watch.copyTaskSignature) {
      watch.copyTaskSignature = taskSignature;
      watch.quietSince = now;
    }
  }
  const quietFor = now - watch.quietSince;
  if (quietFor >= limits.stuckAfterMs) {
    const reason =
      `no import progress for ${seconds(quietFor)}s while importing to ${image.os_glance_importing_to_stores} ` +
      `(a task lost to a Glance restart never resumes; Glance lets another import take the lock 60 minutes after the task's last update)`;
    return { watch, verdict: { kind: "stuck", outcome: importOutcome(image, watch.copyTask, lock), stuckForMs: quietFor, reason } };
  }
  return { watch, verdict: { kind: "waiting" } };
}

/** The next watch and the verdict for one poll of the image (and of its tasks, when the verdict asked for them). */
export function judgeImport(before: ImportWatch, image: Image, tasks: TasksSeen, now: number, limits: ImportLimits): Judged {
  const lock = nonEmpty(image.os_glance_import_task) ? image.os_glance_import_task : undefined;
  const watch: ImportWatch = { ...before, ...(lock ? { lastTaskId: lock } : {}) };
  const importingTo = image.os_glance_importing_to_stores ?? "";
  // The task holds the lock but has not moved the image on: starting, queued behind others, or lost.
  const waitingToStart = lock !== undefined && (image.status === "uploading" || image.status === "queued");
  const suspicious = (image.status === "importing" && importingTo === "") || waitingToStart;

  if (!suspicious) {
    watch.failureSeen = false;
    if (lock) {
      const finishing = image.status === "active" && importingTo === "";
      if (!finishing) return judgeCopy(before, watch, image, lock, tasks, now, limits);
      delete watch.quietSignature;
      watch.finishingSince ??= now;
      const fast = now - watch.finishingSince < FINISHING_FAST_MS;
      return { watch, verdict: { kind: "waiting", ...(fast ? { nextIntervalMs: Math.min(FINISHING_POLL_MS, limits.intervalMs) } : {}) } };
    }
    delete watch.quietSignature;
    const failed = splitStores(image.os_glance_failed_import);
    if (image.status === "active" && (failed.length === 0 || limits.allowFailedStores)) return { watch, verdict: { kind: "done" } };
    if (tasks === "unread") return readTasks(before);
    return { watch, verdict: { kind: "failed", outcome: importOutcome(image, tasks && pickTask(tasks, watch.lastTaskId), watch.lastTaskId) } };
  }

  // `importing` with no store in progress: either between steps, or stuck for good.
  if (tasks === "unread") return readTasks(before);
  delete watch.copyImageSignature;
  const task = tasks && pickTask(tasks, lock ?? watch.lastTaskId);
  const signature = JSON.stringify([image.status, image.stores ?? "", image.os_glance_failed_import ?? "", lock ?? "", task?.status ?? "", task?.updated_at ?? ""]);
  if (signature !== watch.quietSignature) {
    watch.quietSignature = signature;
    watch.quietSince = now;
  }
  const failureNow = task?.status === "failure" || !lock;
  const confirmed = failureNow && before.failureSeen;
  watch.failureSeen = failureNow;
  const quietFor = now - watch.quietSince;
  const quietLimit = waitingToStart ? limits.startTimeoutMs : limits.stuckAfterMs;
  if (!confirmed && quietFor < quietLimit) return { watch, verdict: { kind: "waiting" } };
  const reason = confirmed
    ? task?.status === "failure"
      ? `its import task failed but the image stayed ${image.status}`
      : "the import lock is gone but the image stayed importing"
    : waitingToStart
      ? `its import task ${lock} did not start within ${seconds(quietFor)}s (the image stays ` +
        `${image.status} holding the import lock; a task lost to a Glance restart never resumes)`
      : `no import progress for ${seconds(quietFor)}s`;
  return { watch, verdict: { kind: "stuck", outcome: importOutcome(image, task, lock ?? watch.lastTaskId), stuckForMs: quietFor, reason } };
}
