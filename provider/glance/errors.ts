/**
 * Glance-specific errors. They extend the shared hierarchy in ../openstack/errors.ts, so callers can keep
 * asking `err instanceof OpenStackError` / `isStatus(err, 404)` and switch on the stable `code`.
 */
import { OpenStackError, stripUrlCredentials } from "../openstack/errors";

export { HttpError, isStatus, NetworkError, VersionError, WaitTimeoutError } from "../openstack/errors";

/** What an import looked like when it was judged failed or stuck. */
export interface ImportOutcome {
  imageId: string;
  /** Image status at the time of the verdict (`queued`, `importing`, `active`, ...). */
  status: string;
  /** Stores listed in `os_glance_failed_import`. */
  failedStores: string[];
  /** Stores that hold the image data (`stores`). */
  stores: string[];
  /** The import task (from `os_glance_import_task` or `GET /v2/images/{id}/tasks`), when known. */
  taskId?: string;
  taskStatus?: string;
  /** Glance's task message ("Task failed due to Internal Error", ...), when available. */
  taskMessage?: string;
}

/** ` (task <id> failure "<message>")` for a failed task; nothing for a task that succeeded or is unknown. */
function describeTask(o: ImportOutcome): string {
  if (o.taskStatus !== "failure") return "";
  const parts = [o.taskId ? `task ${o.taskId}` : "task", o.taskStatus, o.taskMessage ? `"${o.taskMessage}"` : undefined];
  return ` (${parts.filter(Boolean).join(" ")})`;
}

/** What both import verdicts carry: the image, its status and stores, and Glance's task. */
abstract class ImportOutcomeError extends OpenStackError {
  readonly imageId: string;
  readonly status: string;
  readonly failedStores: string[];
  readonly stores: string[];
  readonly taskId?: string;
  readonly taskStatus?: string;
  readonly taskMessage?: string;

  protected constructor(message: string, outcome: ImportOutcome, options?: { cause?: unknown }) {
    super(`${message}${describeTask(outcome)}`, options);
    this.imageId = outcome.imageId;
    this.status = outcome.status;
    this.failedStores = outcome.failedStores;
    this.stores = outcome.stores;
    if (outcome.taskId !== undefined) this.taskId = outcome.taskId;
    if (outcome.taskStatus !== undefined) this.taskStatus = outcome.taskStatus;
    if (outcome.taskMessage !== undefined) this.taskMessage = outcome.taskMessage;
  }
}

/** The import finished, but Glance reports stores it could not import to (`os_glance_failed_import`). */
export class ImportFailedError extends ImportOutcomeError {
  override name = "ImportFailedError";
  override readonly code = "ERR_IMPORT_FAILED";

  constructor(outcome: ImportOutcome, options?: { cause?: unknown }) {
    const failed = outcome.failedStores.length
      ? `failed for store(s) ${outcome.failedStores.join(", ")}`
      : `did not make the image active`;
    const held = outcome.stores.length ? `; image data is in ${outcome.stores.join(", ")}` : "";
    super(`Import of image ${outcome.imageId} ${failed} (image status ${outcome.status}${held})`, outcome, options);
  }
}

/**
 * The image sits in `importing` and nothing moves any more: the import task failed (or vanished) while the
 * image stayed `importing`, or neither the task nor `os_glance_importing_to_stores` changed for the configured
 * interval. Glance will not recover on its own (e.g. glance-direct with `all_stores_must_succeed` and a failing
 * store); a retry answers 409, so the usual remedy is deleting the image.
 */
export class ImportStuckError extends ImportOutcomeError {
  override name = "ImportStuckError";
  override readonly code = "ERR_IMPORT_STUCK";
  /** How long the image was observed without progress, in ms. */
  readonly stuckForMs: number;

  constructor(outcome: ImportOutcome & { stuckForMs: number; reason: string }) {
    const failed = outcome.failedStores.length ? `; failed store(s): ${outcome.failedStores.join(", ")}` : "";
    super(`Import of image ${outcome.imageId} is stuck in status ${outcome.status}: ${outcome.reason}${failed}`, outcome);
    this.stuckForMs = outcome.stuckForMs;
  }
}

/** Glance answered 2xx with a body this client does not understand (schema mismatch, not JSON). */
export class UnexpectedResponseError extends OpenStackError {
  override name = "UnexpectedResponseError";
  override readonly code = "ERR_UNEXPECTED_RESPONSE";
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${stripUrlCredentials(url)}: ${message}`, options);
  }
}

/** A wait saw a state that is neither pending nor a target (e.g. `killed` while waiting for `active`). */
export class UnexpectedStateError extends OpenStackError {
  override name = "UnexpectedStateError";
  override readonly code = "ERR_UNEXPECTED_STATE";
  constructor(
    message: string,
    readonly state: string,
    readonly target: readonly string[],
  ) {
    super(message);
  }
}

/** Options given to a Glance call are invalid (caught before any request is sent). */
export class GlanceInputError extends OpenStackError {
  override name = "GlanceInputError";
  override readonly code = "ERR_INPUT";
}
