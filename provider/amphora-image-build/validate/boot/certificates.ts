import { promises as fs } from "node:fs";
import * as path from "node:path";
import { capture, toolEnv } from "../../../builder/capture";
import { ToolError } from "../../../builder/errors";

/**
 * The certificates of one boot, shaped like those of Octavia's local certificate generator: a server CA that signs
 * the amphora agent's certificate (common name = the amphora id, which Octavia's driver checks as the host name), and
 * a client CA that signs the controller's client certificate, which the agent requires. EC P-256 keys instead of
 * Octavia's RSA 2048: the same TLS, made in milliseconds. Made by `openssl` in the boot's temporary directory and
 * removed with it; never kept in state or outputs.
 */

export interface BootCertificates {
  /** PEM of the CA the poller trusts for the agent's certificate (Octavia's `[haproxy_amphora] server_ca`). */
  serverCa: string;
  /** `/etc/octavia/certs/server.pem`: the agent's certificate followed by its key, as Octavia writes it. */
  serverPem: string;
  /** `/etc/octavia/certs/client_ca.pem`: the CA the agent verifies client certificates with. */
  clientCa: string;
  /** The controller's client certificate and key (Octavia's `[haproxy_amphora] client_cert`). */
  clientCert: string;
  clientKey: string;
}

const DAYS = "2";

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await capture("openssl", args.map((a) => (a.startsWith("@") ? path.join(cwd, a.slice(1)) : a)), {
    timeoutMs: 60_000,
    env: toolEnv({ RANDFILE: path.join(cwd, ".rnd") }),
  });
  if (r.exitCode !== 0) throw new ToolError("openssl", `${args[0]} failed (rc ${r.exitCode}): ${r.stderr.trim().slice(0, 500)}`);
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-sha256", "-days", DAYS, "-subj", `/CN=${cn}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      "-keyout", `@${name}.key`, "-out", `@${name}.pem`],
    dir,
  );
}

async function makeLeaf(dir: string, name: string, ca: string, cn: string, ext: string): Promise<void> {
  await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-sha256", "-subj", `/CN=${cn}`, "-keyout", `@${name}.key`, "-out", `@${name}.csr`], dir);
  await fs.writeFile(path.join(dir, `${name}.ext`), ext);
  await openssl(
    ["x509", "-req", "-in", `@${name}.csr`, "-CA", `@${ca}.pem`, "-CAkey", `@${ca}.key`, "-CAcreateserial", "-sha256",
      "-days", DAYS, "-extfile", `@${name}.ext`, "-out", `@${name}.pem`],
    dir,
  );
}

/** `dir` must be private to this boot (mode 0700); the keys are written there. */
export async function makeBootCertificates(dir: string, amphoraId: string): Promise<BootCertificates> {
  await makeCa(dir, "server-ca", "amphora boot check server CA");
  await makeCa(dir, "client-ca", "amphora boot check client CA");
  await makeLeaf(dir, "server", "server-ca", amphoraId,
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${amphoraId}\n`);
  await makeLeaf(dir, "client", "client-ca", "controller",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
  const read = (name: string): Promise<string> => fs.readFile(path.join(dir, name), "utf8");
  return {
    serverCa: await read("server-ca.pem"),
    serverPem: (await read("server.pem")) + (await read("server.key")),
    clientCa: await read("client-ca.pem"),
    clientCert: await read("client.pem"),
    clientKey: await read("client.key"),
  };
}
