import got, { type Got, type HandlerFunction, type Options, type Response } from "got";
import { OpenStackError } from "./errors";
import { fromGotError } from "./http-errors";
import { computeRetryDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry";
import type { TlsOptions } from "./tls";

/**
 * The got instance behind every ServiceClient (one per session, shared by its service clients; Keystone
 * authentication uses a separate instance without the token hooks):
 * - `Accept: application/json` (Glance only sends JSON error bodies when asked), timeouts, TLS options;
 * - `X-Auth-Token` injected by a `beforeRequest` hook from the session's token source (renewed before expiry);
 * - on a 401 the token is renewed once and the request re-sent once (`afterResponse`); a second 401 is an
 *   HttpError. Requests with a stream body cannot be re-sent: the token is dropped so the next request renews,
 *   and the 401 is an HttpError. (Only the promise API has `afterResponse`: a 401 on `http.stream()` is an HttpError and drops the token.)
 * - retries as decided by ./retry.ts (idempotent methods only, never stream bodies);
 * - every failure is mapped to HttpError / NetworkError (./http-errors.ts), or to the error the token source
 *   threw (e.g. AuthError), for promises (`await http.get()`, `.json()`, `.text()`) and streams alike.
 */
export interface TokenSource {
  /** A valid token (renewed when close to expiry). */
  current(): Promise<string>;
  /** The service rejected `rejected`: drop it (if still current) and obtain a new one. */
  renew(rejected: string | undefined): Promise<void>;
  /** Drop `rejected` (if still current) so that the next `current()` renews. */
  invalidate(rejected: string | undefined): void;
}

/** got's per-phase timeouts (lookup, connect, secureConnect, socket, send, response, request), in ms. */
export type Delays = Exclude<NonNullable<Options["timeout"]>, number>;

export interface HttpOptions {
  readonly timeout?: Delays;
  readonly retry?: Partial<RetryPolicy>;
  readonly userAgent?: string;
}

export const DEFAULT_TIMEOUT: Delays = {
  lookup: 10_000,
  connect: 15_000,
  secureConnect: 15_000,
  /** Until the response headers arrive once the request is sent (Glance answers PUT /file after storing it). */
  response: 300_000,
  /** Idle socket. */
  socket: 120_000,
};

const TOKEN_HEADER = "x-auth-token";

/** Errors thrown by our own hooks, keyed by the request options; got re-wraps them, `mapError` restores them. */
const hookFailures = new WeakMap<object, Error>();

function isStream(body: unknown): boolean {
  return typeof body === "object" && body !== null && typeof (body as { pipe?: unknown }).pipe === "function";
}

function tokenOf(options: Options): string | undefined {
  const value = options.headers?.[TOKEN_HEADER];
  return typeof value === "string" ? value : undefined;
}

export function createHttp(config: { tls: TlsOptions; tokens?: TokenSource } & HttpOptions): Got {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...config.retry };
  const { tokens } = config;

  const injectToken = async (options: Options): Promise<void> => {
    if (!tokens) return;
    try {
      options.headers = { ...options.headers, [TOKEN_HEADER]: await tokens.current() };
    } catch (err) {
      hookFailures.set(options, err as Error);
      throw err;
    }
  };

  const renewOn401 = async (
    response: Response,
    retryWithMergedOptions: (options: Options) => Promise<Response>,
  ): Promise<Response> => {
    if (response.statusCode !== 401 || !tokens) return response;
    const options = response.request.options;
    const rejected = tokenOf(options);
    if (isStream(options.body)) {
      tokens.invalidate(rejected);
      return response;
    }
    try {
      await tokens.renew(rejected);
      return await retryWithMergedOptions({});
    } catch (err) {
      hookFailures.set(options, err as Error);
      throw err;
    }
  };

  const mapError = (error: unknown): unknown => {
    if (error instanceof OpenStackError || !(error instanceof got.RequestError) || error.name === "CancelError") return error;
    const ours = error.options ? hookFailures.get(error.options) : undefined;
    if (ours !== undefined) return mapError(ours);
    // A 401 that reaches the caller (second 401, stream body, stream API): the next request gets a new token.
    if (error.response?.statusCode === 401 && error.options) tokens?.invalidate(tokenOf(error.options));
    return fromGotError(error);
  };

  /**
   * got 11 wraps whatever a `beforeError` hook returns into its own RequestError, so errors are mapped here
   * instead: the promise API's p-cancelable delegates `then`/`catch`/`finally` (and thereby `.json()`, `.text()`,
   * `.buffer()`) to `_promise`, which is replaced by a mapped one; streams get their `error` events mapped.
   */
  const mapRejections: HandlerFunction = (options, next) => {
    const result = next(options);
    if (options.isStream) {
      const stream = result as unknown as NodeJS.EventEmitter;
      const emit = stream.emit.bind(stream);
      stream.emit = (event: string | symbol, ...args: unknown[]) =>
        event === "error" ? emit(event, mapError(args[0])) : emit(event, ...args);
      return result;
    }
    const cancelable = result as unknown as { _promise?: unknown };
    if (cancelable._promise instanceof Promise) {
      cancelable._promise = cancelable._promise.catch((err: unknown) => {
        throw mapError(err);
      });
    }
    return result;
  };

  return got.extend({
    headers: { accept: "application/json", "user-agent": config.userAgent ?? "pulumi-amphora" },
    timeout: config.timeout ?? DEFAULT_TIMEOUT,
    https: {
      rejectUnauthorized: config.tls.rejectUnauthorized,
      ...(config.tls.certificateAuthority && { certificateAuthority: config.tls.certificateAuthority }),
    },
    throwHttpErrors: true,
    retry: {
      limit: policy.limit,
      calculateDelay: ({ attemptCount, error }) =>
        computeRetryDelay(
          {
            attempt: attemptCount,
            method: error.options.method,
            ...(error.response ? { status: error.response.statusCode } : { errorCode: error.code }),
            ...(typeof error.response?.headers["retry-after"] === "string" && {
              retryAfter: error.response.headers["retry-after"],
            }),
            bodyIsStream: isStream(error.options.body),
          },
          policy,
        ),
    },
    hooks: {
      beforeRequest: [injectToken],
      afterResponse: [renewOn401],
    },
    handlers: [mapRejections],
  });
}
