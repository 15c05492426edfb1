import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { inspect } from "node:util";
import sinon from "sinon";
import { AuthError, ConfigError, HttpError } from "../../provider/openstack/errors";
import { OpenStackSession, type SessionOptions } from "../../provider/openstack/session";
import { Secret } from "../../provider/openstack/secret";
import { clearTokenCache } from "../../provider/openstack/token-manager";
import { resetTlsState } from "../../provider/openstack/tls";
import type { SessionConfigInput } from "../../provider/openstack/config-schema";
import { sendJson, startServer, tokenBody, type TestServer } from "./support/server";
import { rejection } from "../support/rejection";

/**
 * A fake Keystone (POST/GET /v3/auth/tokens) and a fake service under /image on one local server, to inject
 * 401s and expiring tokens. Tokens are issued as tok-1, tok-2, …; the service accepts the ones in `valid`.
 */
interface Fake {
  server: TestServer;
  valid: Set<string>;
  authRequests: () => number;
  serviceRequests: () => { token: string | undefined; method: string; body: string }[];
}

async function fakeCloud(opts: {
  expiresInMs?: number;
  projectId?: string | null;
  failAuthAfter?: number;
  service?: (token: string | undefined, valid: boolean) => [number, unknown];
}): Promise<Fake> {
  const valid = new Set<string>();
  let issued = 0;
  const server = await startServer((req, res) => {
    if (req.url === "/v3/auth/tokens" && req.method === "POST") {
      if (opts.failAuthAfter !== undefined && issued >= opts.failAuthAfter) {
        return sendJson(res, 401, { error: { code: 401, message: "The request you have made requires authentication.", title: "Unauthorized" } });
      }
      const token = `tok-${++issued}`;
      valid.add(token);
      return sendJson(res, 201, tokenBody({ catalogUrl: server.url, ...opts }), { "x-subject-token": token });
    }
    if (req.url === "/v3/auth/tokens" && req.method === "GET") {
      const subject = String(req.headers["x-subject-token"]);
      if (!valid.has(subject)) return sendJson(res, 404, { error: { code: 404, message: `Could not find token: ${subject}.`, title: "Not Found" } });
      return sendJson(res, 200, tokenBody({ catalogUrl: server.url, ...opts }), { "x-subject-token": subject });
    }
    const token = req.headers["x-auth-token"] as string | undefined;
    const ok = token !== undefined && valid.has(token);
    const [status, body] = opts.service?.(token, ok) ?? (ok ? [200, { images: [] }] : [401, { message: "Authentication required" }]);
    return sendJson(res, status, body);
  });
  const isAuth = (url: string) => url.startsWith("/v3/");
  return {
    server,
    valid,
    authRequests: () => server.requests.filter((r) => isAuth(r.url)).length,
    serviceRequests: () =>
      server.requests
        .filter((r) => !isAuth(r.url))
        .map((r) => ({ token: r.headers["x-auth-token"] as string | undefined, method: r.method, body: r.body })),
  };
}

function passwordConfig(server: TestServer): SessionConfigInput {
  return {
    authUrl: `${server.url}/v3`,
    auth: { type: "password", user: { id: "user-1" }, password: new Secret("s3cret-pw"), project: { id: "project-1" } },
  };
}

const options: SessionOptions = { retry: { baseDelayMs: 5 } };

describe("openstack/session: token renewal (fake Keystone)", () => {
  let fake: Fake | undefined;
  beforeEach(() => clearTokenCache());
  afterEach(async () => {
    await fake?.server.close();
    fake = undefined;
    sinon.restore();
  });

  it("renews once on a 401 and re-sends the request", async () => {
    fake = await fakeCloud({});
    const session = await OpenStackSession.create(passwordConfig(fake.server), options);
    const glance = await session.serviceClient("image");
    assert.equal(glance.endpoint, `${fake.server.url}/image`);
    fake.valid.delete("tok-1"); // revoked behind our back
    assert.deepEqual(await glance.http.get(`${glance.endpoint}/v2/images`).json(), { images: [] });
    assert.equal(fake.authRequests(), 2);
    assert.deepEqual(fake.serviceRequests().map((r) => r.token), ["tok-1", "tok-2"]);
    assert.equal(await session.token(), "tok-2");
  });

  it("re-sends a JSON body after renewal", async () => {
    fake = await fakeCloud({});
    const session = await OpenStackSession.create(passwordConfig(fake.server), options);
    const glance = await session.serviceClient("image");
    fake.valid.delete("tok-1");
    await glance.http.post(`${glance.endpoint}/v2/images`, { json: { name: "x" } });
    assert.deepEqual(fake.serviceRequests().map((r) => [r.token, r.method, r.body]), [
      ["tok-1", "POST", '{"name":"x"}'],
      ["tok-2", "POST", '{"name":"x"}'],
    ]);
  });

  it("a second 401 is an HttpError (one renewal only)", async () => {
    fake = await fakeCloud({ service: () => [401, { message: "Authentication required" }] });
    const session = await OpenStackSession.create(passwordConfig(fake.server), options);
    const glance = await session.serviceClient("image");
    const err = await rejection(glance.http.get(`${glance.endpoint}/v2/images`).json());
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.status, 401);
    assert.equal(fake.authRequests(), 2);
    assert.equal(fake.serviceRequests().length, 2);
  });

  it("does not re-send a stream body, but the next request uses a new token", async () => {
    fake = await fakeCloud({});
    const session = await OpenStackSession.create(passwordConfig(fake.server), options);
    const glance = await session.serviceClient("image");
    fake.valid.delete("tok-1");
    const err = await rejection(glance.http.put(`${glance.endpoint}/v2/images/1/file`, { body: Readable.from(["abc"]) }));
    assert.ok(err instanceof HttpError && err.status === 401, String(err));
    assert.equal(fake.serviceRequests().length, 1);
    await glance.http.get(`${glance.endpoint}/v2/images`);
    assert.deepEqual(fake.serviceRequests().map((r) => r.token), ["tok-1", "tok-2"]);
  });

  it("concurrent 401s share one renewal", async () => {
    fake = await fakeCloud({});
    const session = await OpenStackSession.create(passwordConfig(fake.server), options);
    const glance = await session.serviceClient("image");
    fake.valid.delete("tok-1");
    await Promise.all([1, 2, 3, 4, 5].map(() => glance.http.get(`${glance.endpoint}/v2/images`)));
    assert.equal(fake.authRequests(), 2);
  });

  it("a failing renewal surfaces as AuthError", async () => {
    fake = await fakeCloud({ failAuthAfter: 1 });
    const session = await OpenStackSession.create(passwordConfig(fake.server), options);
    const glance = await session.serviceClient("image");
    fake.valid.delete("tok-1");
    const err = await rejection(glance.http.get(`${glance.endpoint}/v2/images`));
    assert.ok(err instanceof AuthError, String(err));
    assert.match(err.message, /^authentication failed for user id user-1 at auth URL http:\/\/127\.0\.0\.1:\d+\/v3: The request you have made requires authentication\. \(HTTP 401\)/);
    assert.ok(!err.message.includes("s3cret-pw"));
  });

  it("renews before expiry when less than 60 s are left", async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] }); // only Date: sockets keep real timers
    try {
      fake = await fakeCloud({ expiresInMs: 3_600_000 });
      const session = await OpenStackSession.create(passwordConfig(fake.server), options);
      const glance = await session.serviceClient("image");
      clock.tick(3_600_000 - 120_000); // 2 min left: keep
      await glance.http.get(`${glance.endpoint}/v2/images`);
      clock.tick(61_000); // 59 s left: renew before sending
      await glance.http.get(`${glance.endpoint}/v2/images`);
      assert.equal(fake.authRequests(), 2);
      assert.deepEqual(fake.serviceRequests().map((r) => r.token), ["tok-1", "tok-2"]);
    } finally {
      clock.restore();
    }
  });

  it("a failing renewal before a request surfaces as AuthError", async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    try {
      fake = await fakeCloud({ failAuthAfter: 1 });
      const session = await OpenStackSession.create(passwordConfig(fake.server), options);
      const glance = await session.serviceClient("image");
      clock.tick(3_600_000);
      const err = await rejection(glance.http.get(`${glance.endpoint}/v2/images`).json());
      assert.ok(err instanceof AuthError, String(err));
      assert.equal(fake.serviceRequests().length, 0);
    } finally {
      clock.restore();
    }
  });

  it("does not renew on every call when tokens live shorter than the renewal window", async () => {
    fake = await fakeCloud({ expiresInMs: 30_000 });
    const session = await OpenStackSession.create(passwordConfig(fake.server), options);
    const glance = await session.serviceClient("image");
    await glance.http.get(`${glance.endpoint}/v2/images`);
    assert.equal(fake.authRequests(), 1);
  });

  it("caches the token per credential set within the process", async () => {
    fake = await fakeCloud({});
    const a = await OpenStackSession.create(passwordConfig(fake.server), options);
    const b = await OpenStackSession.create(passwordConfig(fake.server), options);
    assert.equal(await a.token(), await b.token());
    const other = passwordConfig(fake.server);
    await OpenStackSession.create({ ...other, auth: { ...other.auth, password: new Secret("other") } as never }, options);
    assert.equal(fake.authRequests(), 2);
  });

  it("a pre-made token is validated with X-Subject-Token; once rejected, it fails with AuthError", async () => {
    fake = await fakeCloud({});
    fake.valid.add("premade");
    const session = await OpenStackSession.create(
      { authUrl: `${fake.server.url}/v3`, auth: { type: "token", token: new Secret("premade") } },
      options,
    );
    const validation = fake.server.requests[0];
    assert.equal(validation?.method, "GET");
    assert.equal(validation?.headers["x-subject-token"], "premade");
    assert.equal(session.projectId, "project-1");
    const glance = await session.serviceClient("image");
    fake.valid.delete("premade");
    const err = await rejection(glance.http.get(`${glance.endpoint}/v2/images`));
    assert.ok(err instanceof AuthError, String(err));
    assert.match(err.message, /authentication failed for the supplied token .*Could not find token/);
    assert.ok(!inspect(err, { depth: 10 }).includes("premade"), "token leaked into the error or its causes");
  });

  it("an unscoped token is an AuthError naming the project setting", async () => {
    fake = await fakeCloud({ projectId: null });
    const err = await rejection(OpenStackSession.create(passwordConfig(fake.server), options));
    assert.ok(err instanceof AuthError, String(err));
    assert.match(err.message, /not scoped to a project: openstack:tenantName \(or openstack:tenantId\) is missing/);
  });

  it("insecure warns once through the injected logger; an unreadable cacertFile is a ConfigError", async () => {
    resetTlsState();
    fake = await fakeCloud({});
    const logger = { warn: sinon.spy() };
    const config = { ...passwordConfig(fake.server), insecure: true };
    await OpenStackSession.create(config, { ...options, logger });
    await OpenStackSession.create(config, { ...options, logger });
    sinon.assert.calledOnce(logger.warn);
    assert.match(logger.warn.firstCall.args[0] as string, /certificate verification is disabled/);
    const err = await rejection(OpenStackSession.create({ ...passwordConfig(fake.server), cacertFile: "/nonexistent/ca.pem" }, options));
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /cacertFile \/nonexistent\/ca\.pem cannot be read: ENOENT/);
  });
});
