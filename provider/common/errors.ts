/**
 * The one error model of the resources. Every error a resource raises is a ResourceError: a stable `code` (the
 * `ERR_*` the docs' troubleshooting is organised by, also shown at the end of the message), the resource it is
 * about (`subject`, the words the resource's plan lines start with: `GlanceTaggedImage <key>`, `SnapshotStorePolicy
 * <store>`, `AmphoraFleetRotation <tag>`, `AmphoraImageBuild <artifact file name>`), the image when there is one, the
 * cause, and the service's own words when a service answered. Layers below the resources (the Glance and OpenStack
 * clients) keep their own typed errors; the builder's errors are ResourceErrors without a subject, which the
 * AmphoraImageBuild provider gives them (`failingAs`) when they fail it. A resource error without a subject is
 * otherwise one reported inside a resource's result (one image, one store), not the failure of the resource.
 */
import { HttpError } from "../openstack/errors";

export interface ResourceErrorDetails {
  /** The resource the error is about; absent: the message stands alone (no subject, no code appended). */
  subject?: string;
  imageId?: string;
  cause?: unknown;
  /** The service's own message, when it is not in the cause (default: the first HTTP answer of the cause chain). */
  serviceMessage?: string;
}

export class ResourceError extends Error {
  override name = "ResourceError";
  #subject: string | undefined;
  readonly imageId?: string;
  /** The service's own message, when a service answered. */
  readonly serviceMessage?: string;

  constructor(
    readonly code: string,
    /** What went wrong, without the subject and code. */
    readonly detail: string,
    details: ResourceErrorDetails = {},
  ) {
    super(detail, details.cause !== undefined ? { cause: details.cause } : undefined);
    if (details.subject !== undefined) this.failing(details.subject);
    if (details.imageId !== undefined) this.imageId = details.imageId;
    const said = details.serviceMessage ?? serviceAnswer(details.cause)?.serviceMessage;
    if (said) this.serviceMessage = said;
  }

  /** The resource the error is about, when it fails one. */
  get subject(): string | undefined {
    return this.#subject;
  }

  /**
   * Names the resource this error fails, when it was raised without one (by a layer below the resources, such as
   * the builder): the message becomes `<subject>: <detail> (<code>)`. An error already naming a resource keeps it.
   */
  failing(subject: string): this {
    if (this.#subject === undefined) {
      this.#subject = subject;
      this.message = `${subject}: ${this.detail} (${this.code})`;
    }
    return this;
  }
}

/** Runs a resource's operation; an error of the model that names no resource yet is made to name `subject`. */
export async function failingAs<T>(subject: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw err instanceof ResourceError ? err.failing(subject) : err;
  }
}

/** The first HTTP answer in an error's cause chain. */
export function serviceAnswer(err: unknown): HttpError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof HttpError) return e;
  }
  return undefined;
}

/** A service's own words for an error, when it was an HTTP answer (with a Retry-After beyond the retry bound); the error's message otherwise. */
export function serviceWords(err: unknown): string {
  if (err instanceof HttpError) {
    const base = err.serviceMessage ? `${err.status} ${err.serviceMessage}` : err.message;
    // A Retry-After beyond the retry policy's bound is not waited for: say when the service wants to be asked again.
    return err.retryAfter !== undefined ? `${base} (the service asked to retry after ${err.retryAfter} s)` : base;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The one wording of a failure to reach OpenStack before anything was asked of the service. */
export function connectFailure(endpoints: string, service: string, err: unknown): string {
  return `connecting to OpenStack (a Keystone token, then ${endpoints} from the catalog) failed, nothing was asked of ${service}: ${serviceWords(err)}`;
}
