/**
 * Typed errors for everything that talks to OpenStack. Modelled on got's hierarchy: one base class with a
 * stable `code`, subclasses that override `name`/`code` and carry their context. Messages never contain
 * credentials (URLs are stripped of userinfo and query secrets before they are stored).
 */

export type OpenStackErrorCode =
  | "ERR_OPENSTACK"
  | "ERR_CONFIG"
  | "ERR_AUTH"
  | "ERR_HTTP_STATUS"
  | "ERR_NETWORK"
  | "ERR_ENDPOINT_NOT_FOUND"
  | "ERR_VERSION"
  | "ERR_WAIT_TIMEOUT"
  | "ERR_IMPORT_FAILED"
  | "ERR_IMPORT_STUCK"
  | "ERR_INPUT"
  | "ERR_UNEXPECTED_RESPONSE"
  | "ERR_UNEXPECTED_STATE";

export class OpenStackError extends Error {
  override name = "OpenStackError";
  readonly code: OpenStackErrorCode = "ERR_OPENSTACK";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Configuration is missing, contradictory or unreadable (clouds.yaml, env, Pulumi config). */
export class ConfigError extends OpenStackError {
  override name = "ConfigError";
  override readonly code = "ERR_CONFIG";
}

/** Keystone refused the credentials, or the token could not be obtained/renewed. */
export class AuthError extends OpenStackError {
  override name = "AuthError";
  override readonly code = "ERR_AUTH";
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface HttpErrorDetails {
  status: number;
  method: string;
  /** Credential-free URL of the request. */
  url: string;
  /** The service's own message (Glance's `message`, Keystone's `error.message`), cleaned of webob residue. */
  serviceMessage: string;
  /** `x-openstack-request-id` (or `x-compute-request-id`), when the service sent one. */
  requestId?: string;
  /** Raw response body text, truncated. */
  body?: string;
  /** Seconds from `Retry-After`, when present. */
  retryAfter?: number;
}

/** The service answered with an unexpected HTTP status. */
export class HttpError extends OpenStackError {
  override name = "HttpError";
  override readonly code = "ERR_HTTP_STATUS";
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly serviceMessage: string;
  readonly requestId?: string;
  readonly body?: string;
  /** Seconds the service asked to wait (`Retry-After`), when it said so. */
  readonly retryAfter?: number;

  constructor(details: HttpErrorDetails, options?: { cause?: unknown }) {
    const rid = details.requestId ? ` [${details.requestId}]` : "";
    const msg = details.serviceMessage ? `: ${details.serviceMessage}` : "";
    super(`${details.method} ${details.url} returned ${details.status}${msg}${rid}`, options);
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
    this.serviceMessage = details.serviceMessage;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.body !== undefined) this.body = details.body;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
  }
}

/** The request never got an HTTP answer (refused, reset, timed out, TLS failure). */
export class NetworkError extends OpenStackError {
  override name = "NetworkError";
  override readonly code = "ERR_NETWORK";
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No catalog entry matched the service type, region and interface. */
export class EndpointNotFoundError extends OpenStackError {
  override name = "EndpointNotFoundError";
  override readonly code = "ERR_ENDPOINT_NOT_FOUND";
}

/** The endpoint does not offer an API version this package speaks. */
export class VersionError extends OpenStackError {
  override name = "VersionError";
  override readonly code = "ERR_VERSION";
}

/** A wait for a state did not reach its target within the timeout. */
export class WaitTimeoutError extends OpenStackError {
  override name = "WaitTimeoutError";
  override readonly code = "ERR_WAIT_TIMEOUT";
  constructor(
    message: string,
    readonly lastState: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

/** True when `err` is an HttpError with one of the given statuses (gophercloud's ResponseCodeIs). */
export function isStatus(err: unknown, ...statuses: number[]): err is HttpError {
  return err instanceof HttpError && statuses.includes(err.status);
}

/** Removes userinfo and obviously secret query parameters from a URL before it goes into a message. */
export function stripUrlCredentials(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = "";
    url.password = "";
    for (const key of [...url.searchParams.keys()]) {
      if (/token|secret|password|signature|sig$/i.test(key)) url.searchParams.set(key, "***");
    }
    return url.toString();
  } catch {
    return raw;
  }
}
