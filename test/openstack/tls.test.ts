import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sinon from "sinon";
import { NetworkError } from "../../provider/openstack/errors";
import { createHttp } from "../../provider/openstack/http";
import { resetTlsState, tlsOptions } from "../../provider/openstack/tls";

describe("openstack/tls: verification, cacertFile, insecure", () => {
  let server: Server;
  let url: string;
  let caFile: string;

  before(async function () {
    const dir = mkdtempSync(join(tmpdir(), "tls-"));
    caFile = join(dir, "cert.pem");
    const keyFile = join(dir, "key.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", caFile,
    ], { stdio: "ignore" });
    server = createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => resetTlsState());

  it("verifies certificates by default (a self-signed one fails, without retries)", async () => {
    const http = createHttp({ tls: tlsOptions({ insecure: false }), retry: { baseDelayMs: 5 } });
    await assert.rejects(http.get(url), (err: unknown) => {
      assert.ok(err instanceof NetworkError, String(err));
      assert.match(err.message, /self[- ]signed/i);
      assert.doesNotMatch(err.message, /attempts/);
      return true;
    });
  });

  it("trusts a CA from cacertFile", async () => {
    const http = createHttp({ tls: tlsOptions({ insecure: false, cacertFile: caFile }) });
    assert.deepEqual(await http.get(url).json(), { ok: true });
  });

  it("insecure skips verification and warns once", async () => {
    const logger = { warn: sinon.spy() };
    const http = createHttp({ tls: tlsOptions({ insecure: true, sources: { insecure: "OS_INSECURE" } }, logger) });
    tlsOptions({ insecure: true }, logger);
    assert.deepEqual(await http.get(url).json(), { ok: true });
    sinon.assert.calledOnceWithExactly(
      logger.warn,
      "WARNING: OpenStack TLS certificate verification is disabled (set by OS_INSECURE); use cacertFile instead.",
    );
  });
});
