import type { RequestError } from "got";
import { z } from "zod";
import { HttpError, NetworkError, OpenStackError, stripUrlCredentials } from "./errors";
import { parseRetryAfter } from "./retry";

/**
 * Maps got's errors to this package's: a non-2xx answer → `HttpError`, no answer → `NetworkError`. got's own error
 * objects hold the request options (headers with `X-Auth-Token`, JSON bodies with passwords), so they are never
 * attached as `cause`: the cause is a detached copy with got's name, code, message and stack only.
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

/** A copy of got's error that keeps name, code, message and stack but not the options/response it points to. */
export function detachedCause(err: Error & { code?: string }): Error {
  const copy = new Error(err.message);
  copy.name = err.name;
  if (err.stack !== undefined) copy.stack = err.stack;
  if (err.code !== undefined) Object.assign(copy, { code: err.code });
  return copy;
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (Buffer.isBuffer(body)) return body.toString("utf8");
  return JSON.stringify(body);
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

/** Converts a got error into HttpError / NetworkError / OpenStackError. */
export function fromGotError(err: RequestError): OpenStackError {
  const method = err.options?.method ?? "GET";
  const url = err.options?.url ? stripUrlCredentials(err.options.url.toString()) : "(unknown URL)";
  const cause = detachedCause(err);
  const response = err.response;
  if (err.name === "HTTPError" && response) {
    const body = bodyText(response.body);
    const headers = response.headers;
    const retryAfterMs = parseRetryAfter(header(headers, "retry-after"));
    const requestId = requestIdOf(headers);
    return new HttpError(
      {
        status: response.statusCode,
        method,
        url,
        serviceMessage: serviceMessageFrom(body),
        ...(requestId !== undefined && { requestId }),
        ...(body !== undefined && body !== "" && { body: truncate(body) }),
        ...(retryAfterMs !== undefined && { retryAfter: Math.ceil(retryAfterMs / 1000) }),
      },
      { cause },
    );
  }
  if (err.name === "ParseError" && response) {
    return new OpenStackError(`${method} ${url} returned ${response.statusCode} with a body that is not valid JSON`, {
      cause,
    });
  }
  if (response === undefined || err.name === "TimeoutError" || err.name === "ReadError") {
    const tries = (err.request?.retryCount ?? 0) + 1;
    const attempts = tries > 1 ? ` (after ${tries} attempts)` : "";
    const code = err.code && !err.message.includes(err.code) ? ` (${err.code})` : "";
    const hint = err.code !== undefined && TLS_VERIFY_CODES.has(err.code) ? `; ${TLS_VERIFY_HINT}` : "";
    return new NetworkError(`${method} ${url} failed: ${err.message}${code}${attempts}${hint}`, method, url, { cause });
  }
  return new OpenStackError(`${method} ${url} failed: ${err.message}`, { cause });
}
