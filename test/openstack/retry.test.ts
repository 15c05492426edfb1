import assert from "node:assert/strict";
import { computeRetryDelay, DEFAULT_RETRY_POLICY, parseRetryAfter } from "../../provider/openstack/retry";

describe("openstack/retry: computeRetryDelay", () => {
  const now = Date.parse("2026-11-21T12:00:00Z");
  const noJitter = () => 0;

  describe("parseRetryAfter", () => {
    it("reads delta-seconds", () => {
      assert.equal(parseRetryAfter("3", now), 3000);
      assert.equal(parseRetryAfter(" 0 ", now), 0);
      assert.equal(parseRetryAfter("1.5", now), 1500);
    });
    it("reads an HTTP date relative to now, never negative", () => {
      assert.equal(parseRetryAfter("Sat, 21 Nov 2026 12:00:07 GMT", now), 7000);
      assert.equal(parseRetryAfter("Sat, 21 Nov 2026 11:59:00 GMT", now), 0);
    });
    it("ignores absent or garbage values", () => {
      assert.equal(parseRetryAfter(undefined, now), undefined);
      assert.equal(parseRetryAfter("", now), undefined);
      assert.equal(parseRetryAfter("soon", now), undefined);
      assert.equal(parseRetryAfter("-5", now), undefined);
    });
  });

  it("backs off exponentially for retryable statuses on idempotent methods", () => {
    for (const status of [502, 503, 504, 429]) {
      assert.equal(computeRetryDelay({ attempt: 1, method: "GET", status, now, random: noJitter }), 1000);
      assert.equal(computeRetryDelay({ attempt: 2, method: "DELETE", status, now, random: noJitter }), 2000);
    }
  });

  it("adds at most 10 % jitter and caps at maxDelayMs", () => {
    const d = computeRetryDelay({ attempt: 1, method: "GET", status: 503, random: () => 0.999 });
    assert.ok(d >= 1000 && d <= 1100, String(d));
    const policy = { ...DEFAULT_RETRY_POLICY, limit: 10, maxDelayMs: 5000 };
    assert.equal(computeRetryDelay({ attempt: 8, method: "GET", status: 503, random: noJitter }, policy), 5000);
  });

  it("stops after the limit", () => {
    assert.equal(computeRetryDelay({ attempt: 3, method: "GET", status: 503 }), 0);
  });

  it("honours Retry-After in seconds and as a date", () => {
    assert.equal(computeRetryDelay({ attempt: 1, method: "GET", status: 429, retryAfter: "7", now }), 7000);
    assert.equal(
      computeRetryDelay({ attempt: 1, method: "PUT", status: 503, retryAfter: "Sat, 21 Nov 2026 12:00:12 GMT", now }),
      12000,
    );
    // A date in the past means "now": retry almost at once.
    assert.equal(computeRetryDelay({ attempt: 1, method: "GET", status: 503, retryAfter: "Sat, 21 Nov 2026 11:00:00 GMT", now }), 1);
  });

  it("gives up when Retry-After asks for more than the cap", () => {
    assert.equal(computeRetryDelay({ attempt: 1, method: "GET", status: 429, retryAfter: "31", now }), 0);
    assert.equal(computeRetryDelay({ attempt: 1, method: "GET", status: 429, retryAfter: "30", now }), 30000);
  });

  it("never retries POST or PATCH, not even on 429/503 with Retry-After", () => {
    for (const method of ["POST", "PATCH"]) {
      assert.equal(computeRetryDelay({ attempt: 1, method, status: 503, retryAfter: "1", now }), 0);
      assert.equal(computeRetryDelay({ attempt: 1, method, status: 429, now }), 0);
      assert.equal(computeRetryDelay({ attempt: 1, method, errorCode: "ECONNRESET", now }), 0);
    }
  });

  it("never retries a stream body", () => {
    assert.equal(computeRetryDelay({ attempt: 1, method: "PUT", status: 503, bodyIsStream: true }), 0);
    assert.equal(computeRetryDelay({ attempt: 1, method: "PUT", errorCode: "ECONNRESET", bodyIsStream: true }), 0);
  });

  it("retries transport failures but not other errors or statuses", () => {
    for (const errorCode of ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE"]) {
      assert.equal(computeRetryDelay({ attempt: 1, method: "GET", errorCode, random: noJitter }), 1000);
    }
    assert.equal(computeRetryDelay({ attempt: 1, method: "GET", errorCode: "ENOTFOUND" }), 0);
    assert.equal(computeRetryDelay({ attempt: 1, method: "GET", errorCode: "ERR_AUTH" }), 0);
    for (const status of [400, 401, 403, 404, 409, 500]) {
      assert.equal(computeRetryDelay({ attempt: 1, method: "GET", status }), 0);
    }
  });

  it("is case-insensitive on the method", () => {
    assert.ok(computeRetryDelay({ attempt: 1, method: "get", status: 503 }) > 0);
  });
});
