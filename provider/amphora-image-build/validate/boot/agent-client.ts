import * as https from "node:https";
import type { PeerCertificate } from "node:tls";

/**
 * Asks an amphora agent what Octavia's amphora driver asks it (octavia/amphorae/drivers/haproxy/rest_api_driver.py):
 * `GET https://<ip>:<port>/` for the API version, then `GET /<api_version>/info`, over TLS 1.2+ with the
 * controller's client certificate, trusting only the server CA and accepting only a certificate issued to the
 * amphora id (the driver sets the expected host name to the amphora id).
 */

export interface AgentTls {
  serverCa: string;
  clientCert: string;
  clientKey: string;
  /** The name the agent's certificate must carry. */
  amphoraId: string;
}

/** What one attempt found: how far the conversation got, for the stage of a failed boot. */
export type AgentAnswer =
  | { ok: true; apiVersion: string; info: Record<string, string> }
  | { ok: false; reached: "nothing" | "tls" | "http"; detail: string };

interface HttpResult {
  status: number;
  contentType: string;
  body: string;
}

function checkIdentity(amphoraId: string) {
  return (_host: string, cert: PeerCertificate): Error | undefined => {
    const names = [cert.subject?.CN, ...(cert.subjectaltname ?? "").split(/,\s*/).map((n) => n.replace(/^DNS:/, ""))];
    return names.includes(amphoraId) ? undefined : new Error(`the agent's certificate is not issued to amphora ${amphoraId} (CN ${cert.subject?.CN ?? "none"})`);
  };
}

function get(host: string, port: number, pathname: string, tls: AgentTls, timeoutMs: number): Promise<HttpResult & { handshake: true }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host,
      port,
      path: pathname,
      method: "GET",
      ca: tls.serverCa,
      cert: tls.clientCert,
      key: tls.clientKey,
      minVersion: "TLSv1.2",
      servername: tls.amphoraId,
      checkServerIdentity: checkIdentity(tls.amphoraId),
      agent: false,
      timeout: timeoutMs,
      headers: { "User-Agent": "Octavia HaProxy Rest Client/0.5 (https://wiki.openstack.org/wiki/Octavia)" },
    });
    let handshake = false;
    req.on("socket", (socket) => socket.once("secureConnect", () => (handshake = true)));
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { handshake })));
    req.on("error", (e) => reject(Object.assign(e, { handshake })));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (e) => reject(Object.assign(e, { handshake: true })));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString("utf8"), handshake: true }),
      );
    });
    req.end();
  });
}

function parseJson(r: HttpResult): Record<string, unknown> | undefined {
  if (!r.contentType.includes("application/json")) return undefined;
  try {
    const v: unknown = JSON.parse(r.body);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const short = (s: string): string => s.replace(/\s+/g, " ").trim().slice(0, 200);

/** One attempt; never throws. */
export async function askAgent(host: string, port: number, tls: AgentTls, timeoutMs = 10_000): Promise<AgentAnswer> {
  let discovery: HttpResult;
  try {
    discovery = await get(host, port, "/", tls, timeoutMs);
  } catch (e) {
    const err = e as Error & { handshake?: boolean; code?: string };
    return { ok: false, reached: err.handshake ? "tls" : "nothing", detail: `${err.code ? `${err.code}: ` : ""}${err.message}` };
  }
  const version = parseJson(discovery)?.api_version;
  if (discovery.status !== 200 || typeof version !== "string") {
    return { ok: false, reached: "http", detail: `GET / answered ${discovery.status} ${short(discovery.body)}` };
  }
  let info: HttpResult;
  try {
    info = await get(host, port, `/${version}/info`, tls, timeoutMs);
  } catch (e) {
    return { ok: false, reached: "http", detail: `GET /${version}/info: ${(e as Error).message}` };
  }
  const body = parseJson(info);
  if (info.status !== 200 || !body) return { ok: false, reached: "http", detail: `GET /${version}/info answered ${info.status} ${short(info.body)}` };
  const facts = Object.fromEntries(Object.entries(body).filter(([, v]) => ["string", "number"].includes(typeof v)).map(([k, v]) => [k, String(v)]));
  return { ok: true, apiVersion: version, info: facts };
}
