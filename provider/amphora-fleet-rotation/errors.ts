import { ResourceError } from "../common/errors";

/**
 * Errors of AmphoraFleetRotation: one class with a stable `code`; every message names the rotation (its tag), the
 * load balancer when there is one, and Octavia's own message when Octavia said something.
 */

export type FleetRotationErrorCode =
  /** A check before any failover refused the rotation (the tag does not resolve to `imageId`, wrong owner, ...). */
  | "ERR_PREFLIGHT"
  /** Authentication, or finding Octavia or Glance in the catalog, failed: nothing was asked of Octavia. */
  | "ERR_CONNECT"
  /** The failover request was refused (409: not ACTIVE/ERROR, 403: the session may not fail over, ...). */
  | "ERR_FAILOVER"
  /** After its failover, a load balancer did not pass the health gate (ERROR, wrong operating status, old image). */
  | "ERR_GATE"
  /** A failover did not end within `timeouts.failoverSeconds`, or another operation within `timeouts.pendingSeconds`. */
  | "ERR_TIMEOUT"
  /** Reading the fleet (Octavia's or Glance's lists) failed. */
  | "ERR_OCTAVIA";

export class FleetRotationError extends ResourceError {
  override name = "FleetRotationError";
  declare readonly code: FleetRotationErrorCode;

  constructor(
    code: FleetRotationErrorCode,
    readonly tag: string,
    message: string,
    readonly loadBalancerId?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, { subject: `AmphoraFleetRotation ${tag}`, ...(options?.cause !== undefined && { cause: options.cause }) });
  }
}

/**
 * The rotation stopped on a failure after changing something. Carries `id`/`properties`/`reasons`, so the
 * dynamic-provider host reports a resource-initialization failure and the engine keeps the progress in state.
 */
export class RotationStoppedError extends FleetRotationError {
  override name = "RotationStoppedError";

  constructor(
    readonly failure: FleetRotationError,
    readonly id: string,
    readonly properties: Record<string, unknown>,
  ) {
    super(failure.code, failure.tag, failure.detail, failure.loadBalancerId, { cause: failure });
  }

  get reasons(): string[] {
    return [this.message];
  }
}
