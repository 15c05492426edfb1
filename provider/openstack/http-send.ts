import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { Agent, request } from "./undici-client";
import type { Delays, Headers, Method } from "./http-types";
import type { TlsOptions } from "./tls";

/**
 * One HTTP exchange on undici, with this package's timeouts. The `response` timer starts once the request body has
 * been handed over (a multi-GB upload takes longer than Glance's answer after it) and, like `request` and a stalled
 * upload (`socket`), ends the exchange with a TimeoutError that names the phase and the limit; undici's own
 * headersTimeout (same start, but a message that names neither) is off. A stream body passes through an async
 * generator that counts bytes (upload progress) and restarts the stall timer per chunk; undici pulls it one chunk
 * at a time, so memory stays flat. A stalled response body is undici's bodyTimeout (`socket`).
 *
 * With `releaseChunk`, the chunks of a stream body are handed back once the socket has written them to the system
 * (its writableLength is 0 when undici asks for the next chunk), so the source can read into them again
 * (../common/file-chunks.ts). undici does not say which socket carries a request except through its diagnostics
 * channel `undici:client:sendHeaders` (the request's body is our generator); without that socket nothing is
 * released: the chunks are then garbage, as before.
 */

/** A timeout of ours; `ETIMEDOUT` (the code the retry policy knows). */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  readonly code = "ETIMEDOUT";
  constructor(phase: keyof Delays, ms: number) {
    super(`Timeout awaiting '${phase}' for ${ms}ms`);
  }
}

/** The request body's source failed (not the network): the caller gets that error as it is. */
export class BodySourceError extends Error {
  override name = "BodySourceError";
  constructor(readonly original: unknown) {
    super("the request body's source failed");
  }
}

export interface Exchange {
  readonly method: Method;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer | Readable;
  readonly timeout: Delays;
  readonly onBytesSent?: (transferred: number) => void;
  /** Called with each chunk of a stream body once the socket has written it (see above). */
  readonly releaseChunk?: (chunk: Buffer) => void;
}

export interface Answer {
  readonly statusCode: number;
  readonly headers: Headers;
  readonly body: Readable;
  /** Ends the exchange (an upload still being written, an unread body). */
  abort(): void;
}

/** The connection pool of one session: keep-alive, TLS as configured, connect and body-idle timeouts. */
export function createAgent(tls: TlsOptions, timeout: Delays): Agent {
  return new Agent({
    connect: {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.certificateAuthority && { ca: tls.certificateAuthority }),
      ...(timeout.connect !== undefined && { timeout: timeout.connect }),
    },
    headersTimeout: 0,
    bodyTimeout: timeout.socket ?? 0,
  });
}

function isStream(body: unknown): body is Readable {
  return typeof body === "object" && body !== null && typeof (body as { pipe?: unknown }).pipe === "function";
}

export async function send(agent: Agent, exchange: Exchange): Promise<Answer> {
  const { timeout } = exchange;
  const controller = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const arm = (phase: keyof Delays): NodeJS.Timeout | undefined => {
    const ms = timeout[phase];
    if (ms === undefined || ms <= 0) return undefined;
    const timer = setTimeout(() => controller.abort(new TimeoutError(phase, ms)), ms);
    timers.add(timer);
    return timer;
  };
  const disarm = (timer: NodeJS.Timeout | undefined): void => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(timer);
  };
  const disarmAll = (): void => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };

  arm("request");
  let responseTimer: NodeJS.Timeout | undefined;
  // The server may answer before the body's source has said it ended (its end-of-file read is still under way):
  // the wait for the response is over then, and its timer must not be armed after it.
  let answered = false;
  let body: string | Buffer | AsyncGenerator<Buffer> | undefined;
  let carrier: Carrier | undefined;
  if (isStream(exchange.body)) {
    const generator = watched(exchange.body, {
      idle: () => arm("socket"),
      disarm,
      sent: (transferred) => exchange.onBytesSent?.(transferred),
      done: () => {
        if (!answered) responseTimer = arm("response");
      },
      written: () => carrier?.written() ?? false,
      release: exchange.releaseChunk,
    });
    if (exchange.releaseChunk) carrier = carrierOf(generator);
    body = generator;
  } else {
    body = exchange.body;
    if (exchange.onBytesSent && body !== undefined) {
      const length = Buffer.byteLength(body);
      setImmediate(() => exchange.onBytesSent?.(length));
    }
    responseTimer = arm("response");
  }

  try {
    const res = await request(agent, exchange.url, {
      method: exchange.method,
      headers: exchange.headers,
      // undici takes async iterables as bodies (Dispatcher.dispatch); request()'s type omits them.
      ...(body !== undefined && { body: body as string | Buffer | Readable }),
      signal: controller.signal,
    });
    answered = true;
    disarm(responseTimer);
    const answerBody = res.body as unknown as Readable;
    answerBody.once("close", disarmAll);
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      body: answerBody,
      abort: () => {
        if (!controller.signal.aborted) controller.abort(new Error("aborted by the client"));
        answerBody.destroy();
      },
    };
  } catch (err) {
    answered = true;
    disarmAll();
    throw err;
  } finally {
    carrier?.stop();
  }
}

const SEND_HEADERS = "undici:client:sendHeaders";

/** The socket that carries a request body, as undici names it once it sends the request's headers. */
interface Carrier {
  /** Everything handed to the socket has been written to the system (false while the socket is unknown). */
  written(): boolean;
  stop(): void;
}

function carrierOf(body: AsyncGenerator<Buffer>): Carrier {
  let socket: Socket | undefined;
  const onSendHeaders = (message: unknown): void => {
    const sent = message as { request?: { body?: unknown }; socket?: Socket };
    if (sent.request?.body === body && sent.socket) socket = sent.socket;
  };
  subscribe(SEND_HEADERS, onSendHeaders);
  return {
    written: () => socket !== undefined && !socket.destroyed && socket.writableLength === 0,
    stop: () => unsubscribe(SEND_HEADERS, onSendHeaders),
  };
}

/**
 * Hands the source to undici chunk by chunk, counting the bytes; the stall timer restarts with each chunk. undici
 * asks for the next chunk after writing the last one to the socket; the chunks handed over are released when the
 * socket has nothing left to write.
 */
async function* watched(
  source: Readable,
  hooks: {
    idle: () => NodeJS.Timeout | undefined;
    disarm: (timer: NodeJS.Timeout | undefined) => void;
    sent: (transferred: number) => void;
    done: () => void;
    written: () => boolean;
    release?: ((chunk: Buffer) => void) | undefined;
  },
): AsyncGenerator<Buffer> {
  let transferred = 0;
  let unwritten: Buffer[] = [];
  const stall = hooks.idle();
  try {
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      stall?.refresh();
      yield bytes;
      transferred += bytes.length;
      hooks.sent(transferred);
      if (hooks.release === undefined) continue;
      unwritten.push(bytes);
      if (hooks.written()) {
        for (const done of unwritten) hooks.release(done);
        unwritten = [];
      }
    }
  } catch (err) {
    throw new BodySourceError(err);
  } finally {
    hooks.disarm(stall);
  }
  hooks.done();
}
