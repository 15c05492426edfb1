/**
 * A small HTTP proxy on 127.0.0.1 for fault tests: put it in front of Glance (or Keystone) with an endpoint
 * override and it forwards every request, counts what it saw, and injects faults on the requests that match a
 * rule. TEST ONLY: plain http, no TLS, no auth of its own.
 *
 *   const proxy = await startFaultProxy("http://127.0.0.1:9292");
 *   proxy.rule({ method: "GET", path: /^\/v2\/images\//, times: 2, fault: { status: 503, retryAfter: "1" } });
 *   proxy.rule({ method: "PUT", path: /\/stage$/, fault: { throttle: 256 * 1024 } });
 *   proxy.onBody({ method: "PUT", path: /\/stage$/ }, 512 * 1024, (req) => killSomething());
 *   ... point a session at proxy.url (openstack:endpointOverrides {"image": proxy.url}) ...
 *   proxy.count("POST", /^\/v2\/images$/);     // requests seen, faulted ones included
 *   await proxy.close();
 *
 * Faults (one per rule; a rule applies to its first `times` matching requests, default every one):
 * - `status`: answer with this status (502, 503, 429, 401, …) without forwarding; optional `Retry-After`.
 * - `reset`: destroy the client's socket without forwarding (ECONNRESET for the client).
 * - `resetAfterForward`: forward, let the upstream answer, then destroy the client's socket instead of relaying
 *   the answer: the request took effect but the client never learns it (a lost answer).
 * - `delayMs`: wait before forwarding (a slow service).
 * - `throttle`: forward the request body at this many bytes per second (a long upload).
 * - `rewriteJson`: buffer the upstream's JSON answer and pass it through this function (e.g. shorten a token's
 *   `expires_at` in Keystone's answer).
 * - `hold`: forward only once the promise settles (to force an interleaving between two clients).
 * - `afterResponse`: runs when the upstream's answer headers arrived, before they are relayed (e.g. kill the
 *   upstream right after it accepted an import).
 */
import { EventEmitter } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Transform } from "node:stream";
import { sleep } from "../../provider/common/sleep";

export interface Fault {
  status?: number;
  retryAfter?: string;
  body?: string;
  reset?: boolean;
  resetAfterForward?: boolean;
  delayMs?: number;
  throttle?: number;
  rewriteJson?: (json: unknown, req: SeenRequest) => unknown;
  hold?: (req: SeenRequest) => Promise<unknown>;
  afterResponse?: (req: SeenRequest, status: number) => unknown;
}

export interface Match {
  method?: string;
  /** Matched against the path without the query (a string must be equal). */
  path?: RegExp | string;
  /** Matched against path + query. */
  url?: RegExp;
  when?: (req: SeenRequest) => boolean;
}

export interface FaultRule extends Match {
  fault: Fault;
  /** How many matching requests get the fault (default: all). */
  times?: number;
}

export interface SeenRequest {
  seq: number;
  method: string;
  /** Path without the query. */
  path: string;
  /** Path with the query. */
  url: string;
  headers: IncomingMessage["headers"];
  at: number;
  /** Request body bytes received from the client so far. */
  bytesIn: number;
  /** Status relayed to (or made up for) the client; undefined while pending or when the socket was reset. */
  status?: number;
  /** Faults applied to this request, e.g. ["status 503"]. */
  faults: string[];
  /** The request reached the upstream. */
  forwarded: boolean;
  /** Upstream status, when it answered. */
  upstreamStatus?: number;
  /** Response headers as relayed, when relayed. */
  responseHeaders?: IncomingMessage["headers"];
  done: boolean;
  endedAt?: number;
}

interface ActiveRule extends FaultRule {
  used: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly target: string;
  readonly requests: SeenRequest[];
  rule(rule: FaultRule): void;
  clearRules(): void;
  /** Calls `fn` once, when a matching request's body has passed `bytes` bytes (0: as soon as it arrives). */
  onBody(match: Match, bytes: number, fn: (req: SeenRequest) => void): void;
  count(method?: string, path?: RegExp | string): number;
  matching(match: Match): SeenRequest[];
  /** Resolves with the first request (seen so far or later) matching `match`; rejects after `timeoutMs`. */
  waitFor(match: Match, timeoutMs?: number): Promise<SeenRequest>;
  /** Forgets the requests seen so far (rules stay). */
  reset(): void;
  close(): Promise<void>;
}


function matches(m: Match, req: SeenRequest): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== req.method) return false;
  if (m.path !== undefined && (typeof m.path === "string" ? m.path !== req.path : !m.path.test(req.path))) return false;
  if (m.url !== undefined && !m.url.test(req.url)) return false;
  if (m.when !== undefined && !m.when(req)) return false;
  return true;
}

function describe(f: Fault): string {
  if (f.status !== undefined) return `status ${f.status}${f.retryAfter !== undefined ? ` retry-after ${f.retryAfter}` : ""}`;
  if (f.reset) return "reset";
  if (f.resetAfterForward) return "reset after forward";
  if (f.delayMs !== undefined) return `delay ${f.delayMs} ms`;
  if (f.throttle !== undefined) return `throttle ${f.throttle} B/s`;
  if (f.rewriteJson) return "rewrite json";
  if (f.hold) return "hold";
  if (f.afterResponse) return "after response";
  return "none";
}

/** Passes chunks on at `bytesPerSecond` (in slices of at most 1/20 s worth). */
function throttle(bytesPerSecond: number): Transform {
  const slice = Math.max(1024, Math.floor(bytesPerSecond / 20));
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      void (async () => {
        for (let at = 0; at < chunk.length; at += slice) {
          const part = chunk.subarray(at, at + slice);
          await sleep((part.length / bytesPerSecond) * 1000);
          this.push(part);
        }
        done();
      })();
    },
  });
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: ActiveRule[] = [];
  const requests: SeenRequest[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const bodyHooks: Array<{ match: Match; bytes: number; fn: (req: SeenRequest) => void; fired: boolean; afterSeq: number }> = [];
  const sockets = new Set<Socket>();
  let seq = 0;

  const faultsFor = (req: SeenRequest): Fault[] => {
    const out: Fault[] = [];
    for (const rule of rules) {
      if (!matches(rule, req)) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      rule.used++;
      out.push(rule.fault);
      req.faults.push(describe(rule.fault));
    }
    return out;
  };

  const fireBodyHooks = (req: SeenRequest): void => {
    for (const hook of bodyHooks) {
      // Only requests that arrived after the hook was set: a finished test's upload may still be draining.
      if (!hook.fired && req.seq > hook.afterSeq && req.bytesIn >= hook.bytes && matches(hook.match, req)) {
        hook.fired = true;
        hook.fn(req);
      }
    }
  };

  const finish = (seen: SeenRequest, status?: number): void => {
    if (seen.done) return;
    if (status !== undefined) seen.status = status;
    seen.done = true;
    seen.endedAt = Date.now();
    events.emit("done", seen);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? "/";
    const seen: SeenRequest = {
      seq: ++seq,
      method: (req.method ?? "GET").toUpperCase(),
      path: url.split("?")[0] ?? url,
      url,
      headers: req.headers,
      at: Date.now(),
      bytesIn: 0,
      faults: [],
      forwarded: false,
      done: false,
    };
    requests.push(seen);
    events.emit("request", seen);
    fireBodyHooks(seen);
    // Counts the body as it is forwarded (a 'data' listener here would start the flow before the pipe exists).
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen.bytesIn += chunk.length;
        fireBodyHooks(seen);
        done(null, chunk);
      },
    });
    const clientSocket = req.socket;
    res.once("close", () => finish(seen));

    const faults = faultsFor(seen);
    const one = <K extends keyof Fault>(key: K): Fault[K] | undefined => faults.find((f) => f[key] !== undefined)?.[key];

    if (one("reset")) {
      clientSocket.destroy();
      finish(seen);
      return;
    }
    const status = one("status");
    if (status !== undefined) {
      // Drain what the client sends, then answer (a real service answers errors the same way).
      req.resume();
      const retryAfter = one("retryAfter");
      const body = one("body") ?? JSON.stringify({ message: `injected ${status} by the fault proxy`, code: `${status}`, title: "Injected" });
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...(retryAfter !== undefined ? { "retry-after": retryAfter } : {}),
      });
      res.end(body);
      finish(seen, status);
      return;
    }
    const hold = one("hold");
    if (hold) await hold(seen).catch(() => undefined);
    const delay = one("delayMs");
    if (delay !== undefined) await sleep(delay);
    if (clientSocket.destroyed) {
      finish(seen);
      return;
    }

    const headers = { ...req.headers, host: upstream.host };
    const up = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: seen.method,
      path: url,
      headers,
      // A fresh connection per request: a kept-alive socket to an upstream that was killed meanwhile would turn
      // the next request into a reset that the test did not inject.
      agent: false,
    });
    seen.forwarded = true;
    up.on("error", () => {
      // The upstream went away (killed, refused): the client sees its connection drop, as it would without us.
      clientSocket.destroy();
      finish(seen);
    });
    up.on("response", (upRes) => {
      void (async () => {
        seen.upstreamStatus = upRes.statusCode ?? 0;
        const after = one("afterResponse");
        if (after) await Promise.resolve(after(seen, seen.upstreamStatus)).catch(() => undefined);
        if (one("resetAfterForward")) {
          upRes.resume();
          clientSocket.destroy();
          finish(seen);
          return;
        }
        const rewrite = one("rewriteJson");
        if (rewrite) {
          const chunks: Buffer[] = [];
          upRes.on("data", (c: Buffer) => chunks.push(c));
          upRes.on("end", () => {
            let body = Buffer.concat(chunks);
            try {
              body = Buffer.from(JSON.stringify(rewrite(JSON.parse(body.toString("utf8")), seen)));
            } catch {
              // not JSON: relay unchanged
            }
            const outHeaders = { ...upRes.headers, "content-length": String(body.length) };
            delete outHeaders["transfer-encoding"];
            seen.responseHeaders = outHeaders;
            res.writeHead(upRes.statusCode ?? 502, outHeaders);
            res.end(body);
            finish(seen, upRes.statusCode);
          });
          return;
        }
        seen.responseHeaders = upRes.headers;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on("end", () => finish(seen, upRes.statusCode));
        upRes.on("error", () => {
          clientSocket.destroy();
          finish(seen);
        });
      })();
    });
    // The client went away before the answer was relayed: the upstream sees its connection drop as well.
    res.once("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    const rate = one("throttle");
    const body = req.pipe(counter);
    if (rate !== undefined) body.pipe(throttle(rate)).pipe(up);
    else body.pipe(up);
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      req.socket.destroy();
    });
  });
  server.keepAliveTimeout = 2000;
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    target,
    requests,
    rule(rule) {
      rules.push({ ...rule, used: 0 });
    },
    clearRules() {
      rules.length = 0;
      bodyHooks.length = 0;
    },
    onBody(match, bytes, fn) {
      bodyHooks.push({ match, bytes, fn, fired: false, afterSeq: seq });
    },
    count(method, path) {
      return requests.filter((r) => matches({ ...(method ? { method } : {}), ...(path ? { path } : {}) }, r)).length;
    },
    matching(match) {
      return requests.filter((r) => matches(match, r));
    },
    waitFor(match, timeoutMs = 30_000) {
      const hit = requests.find((r) => matches(match, r));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const onRequest = (r: SeenRequest): void => {
          if (!matches(match, r)) return;
          clearTimeout(timer);
          events.off("request", onRequest);
          resolve(r);
        };
        const timer = setTimeout(() => {
          events.off("request", onRequest);
          reject(new Error(`fault proxy: no ${match.method ?? ""} ${String(match.path ?? match.url ?? "")} request within ${timeoutMs} ms`));
        }, timeoutMs);
        events.on("request", onRequest);
      });
    },
    reset() {
      requests.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
  return proxy;
}
