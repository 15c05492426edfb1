import type { Http } from "./http";

/** The interfaces a catalog entry can have. */
export type EndpointInterface = "public" | "internal" | "admin";

/**
 * What an API client (Glance, later Octavia) needs from a session: the service's endpoint and an HTTP client (./http.ts)
 * that already injects the token (renewing it before expiry and once on a 401), retries idempotent requests,
 * honours Retry-After, verifies TLS as configured and maps every non-2xx answer to an `HttpError` and every
 * transport failure to a `NetworkError` (see ./errors.ts).
 *
 * `http` sends `Accept: application/json` by default and has no prefixUrl: callers pass absolute URLs built
 * from `endpoint` (Glance's `next` links and version hrefs are absolute or root-relative, so a prefix would get
 * in the way).
 */
export interface ServiceClient {
  /** Endpoint URL as found in the catalog (or the override), without trailing slash. */
  readonly endpoint: string;
  readonly http: Http;
  /** The project the session is scoped to (owner of the images it creates). */
  readonly projectId: string;
  /** Role names of the token; `admin` decides whether admin-only Glance calls are worth trying. */
  readonly roles: readonly string[];
}
