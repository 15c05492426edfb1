/**
 * A TLS-terminating TCP proxy for tests: `https://127.0.0.1:<free port>` in front of a plain-HTTP service (the
 * local Keystone on :5000, Glance on :9292), with certificates made at test time by the `openssl` CLI in a
 * private temporary directory (deleted by `close()`; no key is ever written into the repository).
 *
 *   const pki = await makeTestPki();                       // CA + server certificate for 127.0.0.1 / localhost
 *   const keystone = await startTlsProxy({ target: { port: 5000 }, pki });
 *   keystone.url                                           // "https://127.0.0.1:41234"
 *   pki.caFile                                             // what `openstack:cacertFile` points at
 *   keystone.stats                                         // handshakes completed / failed, connections forwarded
 *   await keystone.close(); await pki.remove();
 *
 * The proxy forwards bytes, so the service sees `Host: 127.0.0.1:<proxy port>` and plain HTTP: Glance's version
 * list then names `http://127.0.0.1:<proxy port>`, which the Glance client ignores (it builds URLs from the
 * endpoint), and Keystone's catalog still names the plain endpoints (use an endpoint override for the image
 * service to go through the proxy).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestPki {
  readonly dir: string;
  /** The CA certificate (PEM): the `cacertFile` that makes the proxy trusted. */
  readonly caFile: string;
  /** A second, unrelated CA: trusting it must not make the proxy trusted. */
  readonly otherCaFile: string;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  remove(): Promise<void>;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  try {
    await run("openssl", [...args], { cwd, timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error("the openssl CLI is needed to make test certificates (apt-get install openssl)");
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

async function makeCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await openssl(
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", `/CN=pulumi-amphora test ${name}`, "-keyout", key, "-out", cert,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return { cert, key };
}

/** A CA and a server certificate it signed for 127.0.0.1 and localhost (EC P-256, valid 2 days). */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "amphora-tls-"));
  try {
    const ca = await makeCa(dir, "ca");
    const other = await makeCa(dir, "other-ca");
    const key = join(dir, "server.key");
    const csr = join(dir, "server.csr");
    const cert = join(dir, "server.pem");
    const ext = join(dir, "server.ext");
    await writeFile(
      ext,
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" +
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    await openssl(
      ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr],
      dir,
    );
    await openssl(
      [
        "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-set_serial", `0x${randomBytes(8).toString("hex")}`,
        "-days", "2", "-extfile", ext, "-out", cert,
      ],
      dir,
    );
    return {
      dir,
      caFile: ca.cert,
      otherCaFile: other.cert,
      serverCert: await readFile(cert),
      serverKey: await readFile(key),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface TlsProxyStats {
  /** TLS handshakes that completed (a client trusted the certificate or did not verify it). */
  handshakes: number;
  /** Connections whose handshake failed (e.g. the client rejected the certificate). */
  handshakeFailures: number;
  /** Connections forwarded to the target. */
  forwarded: number;
  /** Decrypted bytes clients sent through to the target (0 while every client refused the certificate). */
  bytesToTarget: number;
}

export interface TlsProxy {
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly stats: TlsProxyStats;
  close(): Promise<void>;
}

export interface TlsProxyOptions {
  target: { host?: string; port: number };
  pki: Pick<TestPki, "serverCert" | "serverKey">;
}

/** Listens on 127.0.0.1 (free port), terminates TLS and pipes each connection to the target. */
export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const stats: TlsProxyStats = { handshakes: 0, handshakeFailures: 0, forwarded: 0, bytesToTarget: 0 };
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: options.pki.serverCert, key: options.pki.serverKey }, (client) => {
    stats.handshakes++;
    const upstream = net.connect({ host: options.target.host ?? "127.0.0.1", port: options.target.port }, () => {
      stats.forwarded++;
    });
    sockets.add(client);
    sockets.add(upstream);
    const done = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", done).on("close", done);
    upstream.on("error", done).on("close", done);
    client.on("data", (chunk: Buffer) => (stats.bytesToTarget += chunk.length));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on("tlsClientError", (_err, socket) => {
    stats.handshakeFailures++;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
