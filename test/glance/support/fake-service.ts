/**
 * A ServiceClient for unit tests against a tiny local HTTP server: the session's own got instance
 * (`createHttp`: error mapping, retry policy, Accept header) without a token source. Retries are off unless
 * asked for, with short delays.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHttp } from "../../../provider/openstack/http";
import type { RetryPolicy } from "../../../provider/openstack/retry";
import type { ServiceClient } from "../../../provider/openstack/service-client";

export function fakeServiceClient(
  endpoint: string,
  options: { roles?: string[]; retry?: Partial<RetryPolicy> } = {},
): ServiceClient {
  const http = createHttp({ tls: { rejectUnauthorized: true }, retry: options.retry ?? { limit: 0 } });
  return { endpoint: endpoint.replace(/\/+$/, ""), http, projectId: "project-1", roles: options.roles ?? ["member"] };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface TestServer {
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1 (random port); the handler sees each request with its body read. */
export async function startServer(
  handler: (req: RecordedRequest, res: ServerResponse) => void | Promise<void>,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** A Glance-style version entry. */
export const version = (id: string, status: string, href = "http://glance.internal:9292/v2/"): unknown => ({
  id,
  status,
  links: [{ rel: "self", href }],
});
