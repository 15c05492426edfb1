/**
 * When and how long to wait before retrying a request. Pure: the clock and the jitter source are parameters.
 *
 * - Only idempotent methods are retried (GET, HEAD, PUT, DELETE, OPTIONS). POST and PATCH never are, not even
 *   on 429/503 with `Retry-After`: Glance's POSTs (create image, import) are not idempotent and a lost answer
 *   would duplicate the image or the import task.
 * - A request whose body is a stream (Glance `PUT /file`, `/stage`) is never retried: the stream is consumed.
 * - Retried: transport failures (ECONNRESET, ECONNREFUSED, ETIMEDOUT, EPIPE, …) and HTTP 429, 502, 503, 504.
 * - `Retry-After` (seconds or an HTTP date) is honoured; when it asks for more than `maxDelayMs` the request is
 *   not retried (the caller sees the HttpError with `retryAfter`), since retrying earlier is pointless.
 * - Otherwise exponential backoff `baseDelayMs * 2^(attempt-1)` plus up to 10 % jitter, capped at `maxDelayMs`.
 */
export interface RetryPolicy {
  /** Retries after the first try (2 → at most 3 tries). */
  readonly limit: number;
  readonly methods: readonly string[];
  readonly statusCodes: readonly number[];
  readonly errorCodes: readonly string[];
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  limit: 2,
  methods: ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"],
  statusCodes: [429, 502, 503, 504],
  errorCodes: ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENETUNREACH", "EHOSTUNREACH", "EAI_AGAIN"],
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
};

/** The time retries are measured and waited in: the system's, or a test's that records the delays asked for. */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Milliseconds to wait from a `Retry-After` value (delta-seconds or HTTP date); undefined when absent/invalid. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  if (!/[a-z]/i.test(value)) return undefined; // an HTTP date always names the day/month; "-5" is not one
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface RetryInput {
  /** 1 for the first retry, 2 for the second, … */
  readonly attempt: number;
  readonly method: string;
  /** HTTP status, when an answer came. */
  readonly status?: number;
  /** Transport error code (`ECONNRESET`, …), when no answer came. */
  readonly errorCode?: string;
  /** Raw `Retry-After` header. */
  readonly retryAfter?: string;
  readonly bodyIsStream?: boolean;
  readonly now?: number;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

/** Delay in ms before the next try; 0 means "do not retry". */
export function computeRetryDelay(input: RetryInput, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  if (input.attempt > policy.limit || input.bodyIsStream) return 0;
  if (!policy.methods.includes(input.method.toUpperCase())) return 0;
  const retryableStatus = input.status !== undefined && policy.statusCodes.includes(input.status);
  const retryableError = input.status === undefined && input.errorCode !== undefined && policy.errorCodes.includes(input.errorCode);
  if (!retryableStatus && !retryableError) return 0;

  const asked = retryableStatus ? parseRetryAfter(input.retryAfter, input.now ?? Date.now()) : undefined;
  if (asked !== undefined) return asked > policy.maxDelayMs ? 0 : Math.max(1, asked);

  const exponential = policy.baseDelayMs * 2 ** (input.attempt - 1);
  const jitter = (input.random ?? Math.random)() * policy.baseDelayMs * 0.1;
  return Math.max(1, Math.min(policy.maxDelayMs, Math.round(exponential + jitter)));
}
