import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A tiny HTTP server on 127.0.0.1 for fault injection (retries, 401 renewal, error bodies). It is not a Glance
 * replacement: happy paths are tested against the real local cloud.
 */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

export type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse, index: number) => void;

export interface TestServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const index = requests.length;
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(Object.assign(req, { body }), res, index);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** A Keystone token body as POST/GET /v3/auth/tokens returns it. */
/** `projectId: null` gives an unscoped token. */
export function tokenBody(opts: { catalogUrl: string; expiresInMs?: number; projectId?: string | null }): unknown {
  const expires = new Date(Date.now() + (opts.expiresInMs ?? 3_600_000)).toISOString().replace("Z", "000Z");
  return {
    token: {
      expires_at: expires,
      user: { id: "user-1", name: "demo", domain: { id: "default", name: "Default" } },
      ...(opts.projectId !== null && { project: { id: opts.projectId ?? "project-1", name: "demo" } }),
      roles: [{ id: "r1", name: "member" }],
      catalog: [
        {
          type: "image",
          name: "glance",
          endpoints: [
            { interface: "public", region: "RegionOne", region_id: "RegionOne", url: `${opts.catalogUrl}/image` },
            { interface: "internal", region: "RegionOne", region_id: "RegionOne", url: `${opts.catalogUrl}/image-internal` },
          ],
        },
      ],
    },
  };
}
