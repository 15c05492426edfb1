import type { Readable } from "node:stream";

/**
 * The HTTP client every ServiceClient hands out (./http.ts). Its surface is the small part of got's that this
 * package and its tests use (`http.get(url).json()`, `http.put(url, { body })`, `http.stream(url)`, `extend`), so
 * callers read as they did with got; underneath it is undici (./http-send.ts).
 */
export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

export type Headers = Record<string, string | string[] | undefined>;

/** Per-phase timeouts, in ms. */
export interface Delays {
  /** Until the (TLS) connection is up: name lookup, TCP connect and TLS handshake together. */
  readonly connect?: number;
  /** Until the response headers arrive once the request body is sent. */
  readonly response?: number;
  /** No byte moved: the request body stalled (the socket took nothing), or the response body stalled. */
  readonly socket?: number;
  /** The whole request, from the first byte sent to the last byte of the answer (each attempt). */
  readonly request?: number;
}

export interface RequestHookOptions {
  readonly method: Method;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
}

export interface RequestOptions {
  readonly method?: Method;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** Sent as JSON (sets `content-type: application/json`). */
  readonly json?: unknown;
  readonly body?: string | Buffer | Readable;
  /**
   * A stream body's chunks come back here once the socket has written them, for the source to read into again
   * (../common/file-chunks.ts); not every chunk needs to come back.
   */
  readonly releaseChunk?: (chunk: Buffer) => void;
  readonly searchParams?: Readonly<Record<string, string | number | boolean>> | URLSearchParams;
  /** What `response.body` holds: text (the default), a Buffer, or parsed JSON. */
  readonly responseType?: "text" | "buffer" | "json";
  /** Redirects are followed for GET and HEAD unless false; with false a 3xx is the answer. */
  readonly followRedirect?: boolean;
  /** false: a non-2xx answer resolves instead of throwing an HttpError. */
  readonly throwHttpErrors?: boolean;
  /** `{ limit: 0 }` turns retries off for this request. */
  readonly retry?: { readonly limit?: number };
  readonly timeout?: Delays;
  readonly hooks?: { readonly beforeRequest?: ReadonlyArray<(options: RequestHookOptions) => void> };
}

export interface HttpResponse<T = string> {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly body: T;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

export interface UploadProgress {
  readonly transferred: number;
  readonly total?: number;
}

/** A pending answer: await it for the response, or ask for the body directly. */
export interface ResponsePromise<T = string> extends Promise<HttpResponse<T>> {
  json<J = unknown>(): Promise<J>;
  text(): Promise<string>;
  buffer(): Promise<Buffer>;
  /** Bytes of the request body handed to the socket so far (stream and buffer bodies). */
  on(event: "uploadProgress", listener: (progress: UploadProgress) => void): this;
}

/** A response body as a stream; emits `response` ({ statusCode, headers }) before the first byte. */
export type ResponseStream = Readable;

type Call = <T = string>(url: string | URL, options?: RequestOptions) => ResponsePromise<T>;

export interface Http extends Call {
  readonly get: Call;
  readonly head: Call;
  readonly post: Call;
  readonly put: Call;
  readonly patch: Call;
  readonly delete: Call;
  stream(url: string | URL, options?: RequestOptions): ResponseStream;
  /** A client with these defaults merged (headers and hooks add up); same connections, token and retries. */
  extend(defaults: RequestOptions): Http;
}
