import { PassThrough, type Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { Agent } from "./undici-client";
import { OpenStackError } from "./errors";
import { httpErrorFrom, networkErrorFrom, parseErrorFrom, transportCode } from "./http-errors";
import { BodySourceError, createAgent, send, type Answer } from "./http-send";
import type { Delays, Http, HttpResponse, Method, RequestOptions, ResponsePromise, UploadProgress } from "./http-types";
import { computeRetryDelay, DEFAULT_RETRY_POLICY, type RetryClock, type RetryPolicy } from "./retry";
import type { TlsOptions } from "./tls";

/**
 * The HTTP client behind every ServiceClient (one per session, shared by its service clients; Keystone
 * authentication uses a separate one without a token source), on undici (./http-send.ts):
 * - `Accept: application/json` (Glance only sends JSON error bodies when asked), timeouts, TLS options;
 * - `X-Auth-Token` from the session's token source (renewed before expiry), set for every attempt;
 * - on a 401 the token is renewed once and the request re-sent once; a second 401 is an HttpError. Requests with
 *   a stream body cannot be re-sent: the token is dropped so the next request renews, and the 401 is an
 *   HttpError. A 401 on `http.stream()` is an HttpError and drops the token.
 * - retries as decided by ./retry.ts (idempotent methods only, never stream bodies);
 * - every failure is an HttpError / NetworkError (./http-errors.ts), or the error the token source threw
 *   (e.g. AuthError), or the request body's own error (a stream that failed), for promises and streams alike.
 */
export type { Delays, Http, HttpResponse, Method, RequestOptions, ResponsePromise } from "./http-types";

export interface TokenSource {
  /** A valid token (renewed when close to expiry). */
  current(): Promise<string>;
  /** The service rejected `rejected`: drop it (if still current) and obtain a new one. */
  renew(rejected: string | undefined): Promise<void>;
  /** Drop `rejected` (if still current) so that the next `current()` renews. */
  invalidate(rejected: string | undefined): void;
}

export interface HttpOptions {
  readonly timeout?: Delays;
  readonly retry?: Partial<RetryPolicy>;
  readonly userAgent?: string;
  /** What retries read the time from and wait with (default: the system's). */
  readonly clock?: RetryClock;
}

export const DEFAULT_TIMEOUT: Delays = {
  connect: 30_000,
  /** Until the response headers arrive once the request is sent (Glance answers PUT /file after storing it). */
  response: 300_000,
  /** Idle socket. */
  socket: 120_000,
};

const SYSTEM_CLOCK: RetryClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

const TOKEN_HEADER = "x-auth-token";
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface Context {
  readonly agent: Agent;
  readonly policy: RetryPolicy;
  readonly clock: RetryClock;
  readonly timeout: Delays;
  readonly tokens: TokenSource | undefined;
}

function isStream(body: unknown): body is Readable {
  return typeof body === "object" && body !== null && typeof (body as { pipe?: unknown }).pipe === "function";
}

function merge(defaults: RequestOptions, options: RequestOptions): RequestOptions {
  const beforeRequest = [...(defaults.hooks?.beforeRequest ?? []), ...(options.hooks?.beforeRequest ?? [])];
  return {
    ...defaults,
    ...options,
    headers: { ...defaults.headers, ...options.headers },
    ...(beforeRequest.length > 0 && { hooks: { beforeRequest } }),
  };
}

function requestUrl(input: string | URL, searchParams: RequestOptions["searchParams"]): URL {
  const url = new URL(input);
  if (searchParams) {
    const entries = searchParams instanceof URLSearchParams ? [...searchParams] : Object.entries(searchParams);
    for (const [key, value] of entries) url.searchParams.set(key, String(value));
  }
  return url;
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

interface Outcome {
  readonly answer: Answer;
  readonly url: URL;
  /** The whole body (promise API); undefined for streams, whose body is still to be read. */
  readonly data?: Buffer;
}

/**
 * Sends until there is an answer to give: follows redirects, renews the token once on a 401, retries as the
 * policy says, and turns a final non-2xx into an HttpError (unless `throwHttpErrors` is false).
 */
async function exchange(
  ctx: Context,
  input: string | URL,
  options: RequestOptions,
  mode: "promise" | "stream",
  onProgress: ((progress: UploadProgress) => void) | undefined,
): Promise<Outcome> {
  const method: Method = options.method ?? "GET";
  let url = requestUrl(input, options.searchParams);
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
  const bodyIsStream = isStream(body);
  const policy = { ...ctx.policy, ...(options.retry?.limit !== undefined && { limit: options.retry.limit }) };
  const timeout = { ...ctx.timeout, ...options.timeout };
  const declared = options.headers?.["content-length"];
  const total = declared !== undefined ? Number(declared) : undefined;
  let renewed = false;
  let redirects = 0;
  for (let attempt = 1; ; attempt++) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
    if (options.json !== undefined) headers["content-type"] ??= "application/json";
    if (ctx.tokens) headers[TOKEN_HEADER] = await ctx.tokens.current();
    for (const hook of options.hooks?.beforeRequest ?? []) hook({ method, url, headers });
    const token = headers[TOKEN_HEADER];

    let answer: Answer;
    let data: Buffer | undefined;
    try {
      answer = await send(ctx.agent, {
        method,
        url,
        headers,
        ...(body !== undefined && { body }),
        ...(options.releaseChunk && { releaseChunk: options.releaseChunk }),
        timeout,
        ...(onProgress && { onBytesSent: (transferred: number) => onProgress({ transferred, ...(total !== undefined && { total }) }) }),
      });
      if (mode === "promise" || answer.statusCode < 200 || answer.statusCode > 299) data = await readAll(answer.body);
    } catch (err) {
      if (err instanceof BodySourceError) throw err.original;
      const delay = computeRetryDelay({ attempt, method, errorCode: transportCode(err), bodyIsStream, now: ctx.clock.now() }, policy);
      if (delay > 0) {
        await ctx.clock.sleep(delay);
        continue;
      }
      throw networkErrorFrom(method, url.toString(), err, attempt);
    }

    const status = answer.statusCode;
    const location = answer.headers.location;
    if (REDIRECTS.has(status) && options.followRedirect !== false && (method === "GET" || method === "HEAD") && typeof location === "string") {
      if (redirects++ >= MAX_REDIRECTS) throw new OpenStackError(`${method} ${url.origin}${url.pathname} redirected more than ${MAX_REDIRECTS} times`);
      if (data === undefined) answer.abort();
      url = new URL(location, url);
      attempt--;
      continue;
    }
    if (status === 401 && ctx.tokens && mode === "promise" && !bodyIsStream && !renewed) {
      renewed = true;
      await ctx.tokens.renew(token);
      attempt--;
      continue;
    }
    const ok = (status >= 200 && status <= 299) || (status >= 300 && status <= 399 && options.followRedirect === false);
    if (ok || options.throwHttpErrors === false) {
      if (data !== undefined && mode === "stream") return { answer: { ...answer, body: bodyOf(data) }, url };
      return { answer, url, ...(data !== undefined && { data }) };
    }

    const retryAfter = answer.headers["retry-after"];
    const delay = computeRetryDelay(
      { attempt, method, status, ...(typeof retryAfter === "string" && { retryAfter }), bodyIsStream, now: ctx.clock.now() },
      policy,
    );
    if (delay > 0) {
      await ctx.clock.sleep(delay);
      continue;
    }
    // The next request gets a new token (second 401, stream body, stream API).
    if (status === 401) ctx.tokens?.invalidate(token);
    // Glance may answer (400/409/413) before it has read the whole upload: end it.
    answer.abort();
    throw httpErrorFrom(method, url.toString(), status, answer.headers, (data ?? Buffer.alloc(0)).toString("utf8"));
  }
}

/** A body already read, as a stream again. */
function bodyOf(data: Buffer): Readable {
  const stream = new PassThrough();
  stream.end(data);
  return stream;
}

function responseOf<T>(outcome: Outcome, responseType: RequestOptions["responseType"], method: Method): HttpResponse<T> {
  const data = outcome.data ?? Buffer.alloc(0);
  const url = outcome.url.toString();
  let body: unknown;
  if (responseType === "buffer") body = data;
  else if (responseType === "json") body = parseJson(data, method, url, outcome.answer.statusCode);
  else body = data.toString("utf8");
  return { statusCode: outcome.answer.statusCode, headers: outcome.answer.headers, body: body as T, url };
}

function parseJson(data: Buffer, method: string, url: string, status: number): unknown {
  if (data.length === 0) return "";
  try {
    return JSON.parse(data.toString("utf8"));
  } catch (err) {
    throw parseErrorFrom(method, url, status, err as Error);
  }
}

function call<T>(ctx: Context, input: string | URL, options: RequestOptions): ResponsePromise<T> {
  const method: Method = options.method ?? "GET";
  const listeners: Array<(progress: UploadProgress) => void> = [];
  const onProgress = (progress: UploadProgress): void => listeners.forEach((listener) => listener(progress));
  // Started on the next tick, so that listeners added right after the call see every event.
  const outcome = Promise.resolve().then(() => exchange(ctx, input, options, "promise", onProgress));
  const response = outcome.then((o) => responseOf<T>(o, options.responseType, method));
  // Callers that read through .json()/.text()/.buffer() never await `response` itself: without this its rejection
  // would be unhandled, which ends the process (the provider host) on a plain 404.
  response.catch(() => undefined);
  const pending = response as ResponsePromise<T>;
  const raw = (): Promise<Buffer> => outcome.then((o) => o.data ?? Buffer.alloc(0));
  pending.json = <J>() => outcome.then((o) => parseJson(o.data ?? Buffer.alloc(0), method, o.url.toString(), o.answer.statusCode) as J);
  pending.text = () => raw().then((data) => data.toString("utf8"));
  pending.buffer = raw;
  pending.on = (_event: "uploadProgress", listener: (progress: UploadProgress) => void) => {
    listeners.push(listener);
    return pending;
  };
  return pending;
}

function stream(ctx: Context, input: string | URL, options: RequestOptions): Readable {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  exchange(ctx, input, options, "stream", undefined).then(
    ({ answer, url }) => {
      out.emit("response", { statusCode: answer.statusCode, headers: answer.headers, url: url.toString() });
      const method = options.method ?? "GET";
      answer.body.on("error", (err) => out.destroy(networkErrorFrom(method, url.toString(), err, 1)));
      out.on("close", () => {
        if (!answer.body.readableEnded) answer.abort();
      });
      answer.body.pipe(out);
    },
    (err: unknown) => out.destroy(err as Error),
  );
  return out;
}

function client(ctx: Context, defaults: RequestOptions): Http {
  const with_ = (options: RequestOptions = {}, method?: Method): RequestOptions =>
    merge(defaults, method ? { ...options, method } : options);
  const http = (<T = string>(url: string | URL, options?: RequestOptions) => call<T>(ctx, url, with_(options))) as Http;
  const verb = (method: Method) => <T = string>(url: string | URL, options?: RequestOptions) => call<T>(ctx, url, with_(options, method));
  return Object.assign(http, {
    get: verb("GET"),
    head: verb("HEAD"),
    post: verb("POST"),
    put: verb("PUT"),
    patch: verb("PATCH"),
    delete: verb("DELETE"),
    stream: (url: string | URL, options?: RequestOptions) => stream(ctx, url, with_(options)),
    extend: (more: RequestOptions) => client(ctx, merge(defaults, more)),
  });
}

export function createHttp(config: { tls: TlsOptions; tokens?: TokenSource } & HttpOptions): Http {
  const timeout = config.timeout ?? DEFAULT_TIMEOUT;
  const ctx: Context = {
    agent: createAgent(config.tls, timeout),
    policy: { ...DEFAULT_RETRY_POLICY, ...config.retry },
    clock: config.clock ?? SYSTEM_CLOCK,
    timeout,
    tokens: config.tokens,
  };
  return client(ctx, { headers: { accept: "application/json", "user-agent": config.userAgent ?? "pulumi-amphora" } });
}
