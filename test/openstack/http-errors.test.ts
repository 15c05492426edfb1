import assert from "node:assert/strict";
import { HttpError } from "../../provider/openstack/errors";
import { httpErrorDetails, httpErrorFrom } from "../../provider/openstack/http-errors";

describe("openstack/http-errors: one mapping of a non-2xx answer", () => {
  const glanceBody = JSON.stringify({ message: "No image found with ID x<br /><br />\n\n" });

  it("httpErrorDetails: credential-free URL, the service's message cleaned, request id, body; nothing left undefined", () => {
    const details = httpErrorDetails("GET", "http://u:p@127.0.0.1:9292/v2/images/x/file?token=t", 404, { "x-openstack-request-id": ["req-1", "req-2"] }, glanceBody);
    assert.deepEqual(details, {
      status: 404,
      method: "GET",
      url: "http://127.0.0.1:9292/v2/images/x/file?token=***",
      serviceMessage: "No image found with ID x",
      requestId: "req-1",
      body: glanceBody,
    });
    const bare = httpErrorDetails("GET", "http://127.0.0.1:9292/v2/images/x/file", 503, { "retry-after": "3" }, "");
    assert.deepEqual(bare, { status: 503, method: "GET", url: "http://127.0.0.1:9292/v2/images/x/file", serviceMessage: "" });
    assert.equal(httpErrorDetails("GET", "http://h/", 500, {}, "x".repeat(2500)).body?.startsWith(`${"x".repeat(2000)}… (500 more`), true);
  });

  it("httpErrorFrom is those details plus Retry-After and a cause naming the status", () => {
    const headers = { "x-openstack-request-id": "req-3", "retry-after": "3" };
    const err = httpErrorFrom("GET", "http://127.0.0.1:9292/v2/images", 503, headers, glanceBody);
    const plain = new HttpError(httpErrorDetails("GET", "http://127.0.0.1:9292/v2/images", 503, headers, glanceBody));
    assert.equal(err.message, plain.message);
    assert.deepEqual({ ...err }, { ...plain, retryAfter: 3 });
    assert.match(String((err.cause as Error).message), /^Response code 503 \(Service Unavailable\)$/);
    assert.equal(plain.cause, undefined);
  });
});
