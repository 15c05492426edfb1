import { STATUS_CODES } from "node:http";
import { z } from "zod";
import { HttpError, type HttpErrorDetails, NetworkError, OpenStackError, stripUrlCredentials } from "./errors";
import { parseRetryAfter } from "./retry";

/**
 * Maps what the HTTP client saw to this package's errors: a non-2xx answer → `HttpError`, no answer →
 * `NetworkError`. Transport errors (undici's, Node's) may point at request state (headers with `X-Auth-Token`),
 * so they are never attached as `cause`: the cause is a detached copy with name, code, message and stack only.
 */

const BODY_LIMIT = 2000;

const GlanceBody = z.object({ message: z.string() });
const KeystoneBody = z.object({ error: z.object({ message: z.string() }) });
const OctaviaBody = z.object({ faultstring: z.string() });
/** Nova/Neutron style: `{"itemNotFound": {"message": …}}`. */
const WrappedBody = z.record(z.string(), z.object({ message: z.string() }));

/** Removes webob's `<br /><br />` residue and collapses whitespace. */
export function cleanServiceMessage(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function fromHtml(html: string): string {
  const body = /<body[^>]*>([\s\S]*?)<\/body>/i.exec(html)?.[1] ?? html;
  return cleanServiceMessage(body.replace(/<h1>[\s\S]*?<\/h1>/i, "").replace(/<[^>]+>/g, " "));
}

/** The service's own message from an error body (Glance, Keystone, Octavia, Nova/Neutron shapes; HTML; text). */
export function serviceMessageFrom(body: string | undefined): string {
  if (body === undefined || body.trim() === "") return "";
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return truncate(/<\/?[a-z][\s\S]*>/i.test(body) ? fromHtml(body) : cleanServiceMessage(body), 500);
  }
  for (const parse of [
    (j: unknown) => KeystoneBody.safeParse(j).data?.error.message,
    (j: unknown) => GlanceBody.safeParse(j).data?.message,
    (j: unknown) => OctaviaBody.safeParse(j).data?.faultstring,
    (j: unknown) => Object.values(WrappedBody.safeParse(j).data ?? {})[0]?.message,
  ]) {
    const message = parse(json);
    if (message !== undefined) return cleanServiceMessage(message);
  }
  return truncate(cleanServiceMessage(body), 500);
}

export function truncate(text: string, limit = BODY_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request id a service sent (`x-openstack-request-id`, or the older names), quoted in errors. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  return header(headers, "x-openstack-request-id") ?? header(headers, "openstack-request-id") ?? header(headers, "x-compute-request-id");
}

/** A copy of an error that keeps name, code, message and stack but nothing it points to. */
export function detachedCause(err: Error & { code?: string }): Error {
  const copy = new Error(err.message);
  copy.name = err.name;
  if (err.stack !== undefined) copy.stack = err.stack;
  if (err.code !== undefined) Object.assign(copy, { code: err.code });
  return copy;
}

/**
 * OpenSSL/Node codes of a server certificate the client could not verify (untrusted issuer, self-signed, expired,
 * wrong name). Such a failure gets TLS_VERIFY_HINT appended: the bare OpenSSL text does not say what to configure.
 */
const TLS_VERIFY_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

export const TLS_VERIFY_HINT =
  "TLS certificate verification failed: set openstack:cacertFile (OS_CACERT, clouds.yaml cacert) to the CA bundle " +
  "that signed the server's certificate; openstack:insecure=true skips verification (not recommended)";

/** What a non-2xx answer says: status, credential-free URL, the service's message, request id and body. */
export function httpErrorDetails(
  method: string,
  url: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): HttpErrorDetails {
  const requestId = requestIdOf(headers);
  return {
    status,
    method,
    url: stripUrlCredentials(url),
    serviceMessage: serviceMessageFrom(body),
    ...(requestId !== undefined && { requestId }),
    ...(body !== "" && { body: truncate(body) }),
  };
}

/** The HttpError for a non-2xx answer; its cause is a bare `HTTPError` naming the status. */
export function httpErrorFrom(
  method: string,
  url: string,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): HttpError {
  const cause = new Error(`Response code ${status} (${STATUS_CODES[status] ?? "unknown"})`);
  cause.name = "HTTPError";
  const retryAfterMs = parseRetryAfter(header(headers, "retry-after"));
  return new HttpError(
    {
      ...httpErrorDetails(method, url, status, headers, body),
      ...(retryAfterMs !== undefined && { retryAfter: Math.ceil(retryAfterMs / 1000) }),
    },
    { cause },
  );
}

/** The answer's body was to be JSON and is not. */
export function parseErrorFrom(method: string, url: string, status: number, err: Error): OpenStackError {
  return new OpenStackError(`${method} ${stripUrlCredentials(url)} returned ${status} with a body that is not valid JSON`, {
    cause: detachedCause(err),
  });
}

/**
 * The code that says what went wrong on the wire, in the terms the retry policy uses: undici's socket and timeout
 * codes become the classic ones (a peer closing the connection is ECONNRESET, any timeout ETIMEDOUT), and an
 * AggregateError from trying several addresses takes its first error's code.
 */
export function transportCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (code === "UND_ERR_SOCKET" || code === "UND_ERR_CLOSED") return transportCode(e.cause) ?? "ECONNRESET";
  if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "ETIMEDOUT";
  if (code === undefined && Array.isArray(e?.errors)) return transportCode(e.errors[0]);
  return code;
}

/**
 * Node 24 appends advice to certificate errors ("…; if the root CA is installed locally, try running Node.js with
 * --use-system-ca"); this package's own hint (TLS_VERIFY_HINT) says what to configure instead, so it is cut.
 */
function transportMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/;?\s*if the root CA is installed locally, try running Node\.js with --use-system-ca\.?/, "");
}

/** The NetworkError for a request that got no answer after `tries` attempts. */
export function networkErrorFrom(method: string, rawUrl: string, err: unknown, tries: number): NetworkError {
  const url = stripUrlCredentials(rawUrl);
  const code = transportCode(err);
  const message = transportMessage(err);
  const attempts = tries > 1 ? ` (after ${tries} attempts)` : "";
  const shown = code && !message.includes(code) ? ` (${code})` : "";
  const hint = code !== undefined && TLS_VERIFY_CODES.has(code) ? `; ${TLS_VERIFY_HINT}` : "";
  const cause = err instanceof Error ? detachedCause(err) : new Error(message);
  if (err instanceof Error) cause.message = message;
  return new NetworkError(`${method} ${url} failed: ${message}${shown}${attempts}${hint}`, method, url, { cause });
}
