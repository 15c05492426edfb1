import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { inspect } from "node:util";
import { createHttp } from "../../provider/openstack/http";
import { HttpError, isStatus, NetworkError } from "../../provider/openstack/errors";
import { networkErrorFrom, TLS_VERIFY_HINT } from "../../provider/openstack/http-errors";
import type { RetryClock } from "../../provider/openstack/retry";
import { sendJson, startServer, type TestServer } from "./support/server";
import { rejection } from "../support/rejection";

const fast = { tls: { rejectUnauthorized: true }, retry: { baseDelayMs: 5 } };

/** A clock standing at `now` that records the delays retries ask for and waits none of them. */
function recordingClock(now = Date.now()): { clock: RetryClock; slept: number[] } {
  const slept: number[] = [];
  return { clock: { now: () => now, sleep: async (ms) => void slept.push(ms) }, slept };
}

describe("openstack/http: retries and error mapping", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("sends Accept: application/json", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { ok: true }));
    const body = await createHttp(fast).get(`${server.url}/x`).json();
    assert.deepEqual(body, { ok: true });
    assert.equal(server.requests[0]?.headers.accept, "application/json");
  });

  for (const status of [502, 503, 504]) {
    it(`retries GET on ${status} twice, then throws HttpError`, async () => {
      server = await startServer((_req, res) => sendJson(res, status, { message: "busy" }));
      const err = await rejection(createHttp(fast).get(`${server.url}/v2/images`));
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, status);
      assert.equal(server.requests.length, 3);
    });
  }

  it("succeeds when a retry succeeds", async () => {
    server = await startServer((_req, res, i) => (i < 2 ? sendJson(res, 503, {}) : sendJson(res, 200, { ok: 1 })));
    assert.deepEqual(await createHttp(fast).get(`${server.url}/`).json(), { ok: 1 });
    assert.equal(server.requests.length, 3);
  });

  it("honours Retry-After in seconds", async () => {
    server = await startServer((_req, res, i) =>
      i === 0 ? sendJson(res, 429, {}, { "retry-after": "1" }) : sendJson(res, 200, {}),
    );
    const { clock, slept } = recordingClock();
    await createHttp({ ...fast, clock }).get(`${server.url}/`);
    assert.deepEqual(slept, [1000]);
    assert.equal(server.requests.length, 2);
  });

  it("honours Retry-After as an HTTP date", async () => {
    server = await startServer((_req, res, i) =>
      i === 0 ? sendJson(res, 503, {}, { "retry-after": "Wed, 21 Oct 2026 07:28:02 GMT" }) : sendJson(res, 200, {}),
    );
    const { clock, slept } = recordingClock(Date.parse("Wed, 21 Oct 2026 07:28:00 GMT"));
    await createHttp({ ...fast, clock }).get(`${server.url}/`);
    assert.deepEqual(slept, [2000]);
    assert.equal(server.requests.length, 2);
  });

  it("does not retry when Retry-After exceeds the cap, and reports it", async () => {
    server = await startServer((_req, res) => sendJson(res, 503, { message: "maintenance" }, { "retry-after": "120" }));
    const { clock, slept } = recordingClock();
    const err = await rejection(createHttp({ ...fast, clock }).get(`${server.url}/`));
    assert.ok(err instanceof HttpError);
    assert.equal(err.retryAfter, 120);
    assert.equal(server.requests.length, 1);
    assert.deepEqual(slept, []);
  });

  it("never retries POST, even on 503 with Retry-After", async () => {
    server = await startServer((_req, res) => sendJson(res, 503, {}, { "retry-after": "1" }));
    const err = await rejection(createHttp(fast).post(`${server.url}/v2/images`, { json: { name: "x" } }));
    assert.ok(isStatus(err, 503));
    assert.equal(server.requests.length, 1);
  });

  it("never retries a stream body (Glance PUT /file)", async () => {
    server = await startServer((_req, res) => sendJson(res, 503, { message: "busy" }));
    const err = await rejection(
      createHttp(fast).put(`${server.url}/v2/images/1/file`, {
        body: Readable.from([Buffer.from("data")]),
        headers: { "content-type": "application/octet-stream" },
      }),
    );
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(server.requests.length, 1);
  });

  it("retries PUT with a buffer body", async () => {
    server = await startServer((_req, res, i) => (i === 0 ? sendJson(res, 502, {}) : (res.writeHead(204), res.end())));
    await createHttp(fast).put(`${server.url}/v2/images/1/tags/a`, { body: Buffer.from("x") });
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[1]?.body, "x");
  });

  it("retries a connection reset", async () => {
    server = await startServer((req, res, i) => (i === 0 ? req.socket.destroy() : sendJson(res, 200, { ok: true })));
    assert.deepEqual(await createHttp(fast).get(`${server.url}/`).json(), { ok: true });
    assert.equal(server.requests.length, 2);
  });

  it("maps a refused connection to NetworkError after all attempts", async () => {
    const probe = await startServer(() => undefined);
    const url = `${probe.url}/v2/images`;
    await probe.close();
    const err = await rejection(createHttp(fast).get(url));
    assert.ok(err instanceof NetworkError, String(err));
    assert.equal(err.code, "ERR_NETWORK");
    assert.match(err.message, /^GET http:\/\/127\.0\.0\.1:\d+\/v2\/images failed: .*ECONNREFUSED.*\(after 3 attempts\)/);
  });

  it("maps Glance's JSON error: message without <br /><br />, request id, truncated body", async () => {
    const message = `No image found with ID abc<br /><br />\n\n\n`;
    server = await startServer((_req, res) =>
      sendJson(res, 404, { message, code: "404 Not Found", title: "Not Found", pad: "x".repeat(5000) }, {
        "x-openstack-request-id": "req-123",
      }),
    );
    for (const call of [
      (u: string) => createHttp(fast).get(u),
      (u: string) => createHttp(fast).get(u).json(),
      (u: string) => createHttp(fast).get(u).text(),
    ]) {
      const err = await rejection(call(`${server.url}/v2/images/abc`));
      assert.ok(err instanceof HttpError, String(err));
      assert.equal(err.serviceMessage, "No image found with ID abc");
      assert.equal(err.requestId, "req-123");
      assert.equal(err.method, "GET");
      assert.equal(err.message, `GET ${server.url}/v2/images/abc returned 404: No image found with ID abc [req-123]`);
      assert.ok(err.body !== undefined && err.body.length < 2100 && err.body.includes("more characters"));
      assert.ok(isStatus(err, 404));
    }
  });

  it("an error read through .json()/.text() leaves no unhandled rejection behind (it would end the provider host)", async () => {
    server = await startServer((_req, res) => sendJson(res, 404, { message: "not found" }));
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    const mochaListeners = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", listener);
    try {
      const http = createHttp(fast);
      for (const read of [(u: string) => http.get(u).json(), (u: string) => http.get(u).text(), (u: string) => http.get(u).buffer()]) {
        assert.ok(isStatus(await rejection(read(`${server.url}/gone`)), 404));
      }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off("unhandledRejection", listener);
      for (const l of mochaListeners) process.on("unhandledRejection", l);
    }
    assert.deepEqual(unhandled, []);
  });

  it("maps Keystone's error shape", async () => {
    server = await startServer((_req, res) =>
      sendJson(res, 403, { error: { code: 403, message: "You are not authorized.", title: "Forbidden" } }),
    );
    const err = await rejection(createHttp(fast).get(`${server.url}/v3/users`));
    assert.ok(err instanceof HttpError);
    assert.equal(err.serviceMessage, "You are not authorized.");
  });

  it("maps stream errors too", async () => {
    server = await startServer((_req, res) => sendJson(res, 404, { message: "gone<br /><br />" }));
    const stream = createHttp(fast).stream(`${server.url}/v2/images/1/file`);
    const err = await new Promise((resolve) => stream.on("error", resolve).resume());
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.serviceMessage, "gone");
  });

  it("keeps credentials out of messages, causes and inspection", async () => {
    server = await startServer((_req, res) => sendJson(res, 500, { message: "boom" }));
    const http = createHttp(fast).extend({ headers: { "x-auth-token": "TOKEN-SECRET-123" } });
    const base = server.url.replace("http://", "http://admin:hunter22@");
    const err = await rejection(http.get(`${base}/v2/images?token=abc123secret&limit=1`));
    assert.ok(err instanceof HttpError);
    const everything = [err.message, err.url, inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err)].join("\n");
    for (const secret of ["TOKEN-SECRET-123", "hunter22", "abc123secret"]) {
      assert.ok(!everything.includes(secret), `${secret} leaked`);
    }
    assert.match(err.url, /token=\*\*\*&limit=1$/);
    assert.ok(err.cause instanceof Error && err.cause.name === "HTTPError");
    assert.ok(!("options" in err.cause));
  });

  /** A body that yields `count` chunks of `size` bytes, `everyMs` apart (a slow source, not a slow socket). */
  const slowBody = (count: number, size: number, everyMs: number): Readable =>
    Readable.from(
      (async function* () {
        for (let i = 0; i < count; i++) {
          await new Promise((r) => setTimeout(r, everyMs));
          yield Buffer.alloc(size, 97);
        }
      })(),
    );

  it("the response timeout starts once the body is sent: a slow upload longer than it succeeds", async () => {
    server = await startServer((req, res) => sendJson(res, 200, { got: req.body.length }));
    const http = createHttp({ ...fast, timeout: { response: 1000, socket: 2000 } });
    const res = await http.put(`${server.url}/v2/images/1/file`, { body: slowBody(10, 1000, 250) }).json();
    assert.deepEqual(res, { got: 10000 });
  });

  it("no answer within the response timeout after the body: NetworkError naming the timeout, not retried", async () => {
    server = await startServer(() => undefined);
    const http = createHttp({ ...fast, timeout: { response: 150 } });
    const err = await rejection(http.put(`${server.url}/v2/images/1/file`, { body: slowBody(2, 10, 10) }));
    assert.ok(err instanceof NetworkError, String(err));
    assert.match(err.message, /^PUT http:\/\/127\.0\.0\.1:\d+\/v2\/images\/1\/file failed: Timeout awaiting 'response' for 150ms \(ETIMEDOUT\)$/);
  });

  it("a source that stops sending for longer than the socket timeout ends the upload", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, {}));
    const http = createHttp({ ...fast, timeout: { socket: 150 } });
    const stalled = new Readable({ read() {} });
    stalled.push(Buffer.from("start"));
    const err = await rejection(http.put(`${server.url}/v2/images/1/file`, { body: stalled }));
    assert.ok(err instanceof NetworkError, String(err));
    assert.match(err.message, /Timeout awaiting 'socket' for 150ms/);
  });

  it("reports upload progress up to the whole body", async () => {
    server = await startServer((_req, res) => (res.writeHead(204), res.end()));
    const seen: number[] = [];
    const request = createHttp(fast).put(`${server.url}/v2/images/1/file`, {
      body: slowBody(3, 1000, 5),
      headers: { "content-length": "3000" },
    });
    request.on("uploadProgress", (p) => {
      seen.push(p.transferred);
      assert.equal(p.total, 3000);
    });
    await request;
    assert.deepEqual(seen, [1000, 2000, 3000]);
  });

  it("a certificate error keeps the package's hint and drops Node 24's --use-system-ca advice", () => {
    const tlsError = Object.assign(
      new Error("unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca"),
      { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" },
    );
    const err = networkErrorFrom("GET", "https://glance.example:9292/", tlsError, 1);
    assert.equal(
      err.message,
      `GET https://glance.example:9292/ failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); ${TLS_VERIFY_HINT}`,
    );
  });
});
