/**
 * A stream body's chunks come back to their source (RequestOptions.releaseChunk) only once the socket has written
 * them: the source reads into them again, so a reuse too early would send other bytes than the file's.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileChunks } from "../../provider/common/file-chunks";
import { createHttp } from "../../provider/openstack/http";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Answers a PUT with the md5 of its body; reads nothing for `stallMs` first, so the client's socket backs up. */
async function md5Server(stallMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const hash = createHash("md5");
    req.pause();
    setTimeout(() => {
      req.on("data", (chunk: Buffer) => hash.update(chunk));
      req.on("end", () => res.end(hash.digest("hex")));
      req.resume();
    }, stallMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/file`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("openstack/http: a stream body's chunks go back to their source once written", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "http-chunks-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function put(size: number, chunkSize: number, stallMs: number): Promise<{ sent: string; received: string; chunks: number; allocated: number }> {
    const data = randomBytes(size);
    const path = join(dir, `data-${size}-${chunkSize}`);
    writeFileSync(path, data);
    const server = await md5Server(stallMs);
    try {
      const chunks = fileChunks(path, chunkSize);
      const received = await createHttp({ tls: { rejectUnauthorized: true } }).put(server.url, {
        body: chunks.stream,
        releaseChunk: chunks.release,
        headers: { "content-length": String(size) },
        retry: { limit: 0 },
      }).text();
      return { sent: createHash("md5").update(data).digest("hex"), received, chunks: Math.ceil(size / chunkSize), allocated: chunks.allocated() };
    } finally {
      await server.close();
    }
  }

  it("1 MiB chunks: a handful of buffers carry the whole body, byte for byte", async () => {
    const r = await put(48 * MiB, MiB, 300);
    assert.equal(r.received, r.sent);
    assert.ok(r.allocated <= 8, `${r.allocated} buffers for ${r.chunks} chunks`);
  });

  it("chunks smaller than the socket's buffer, handed over before it wrote them, come back only once it did", async () => {
    // undici asks for the next chunk while these are still queued in the socket: reading into them then would
    // change what is still to be sent.
    const r = await put(24 * MiB, 16 * KiB, 300);
    assert.equal(r.received, r.sent);
    assert.ok(r.allocated < r.chunks, `${r.allocated} buffers for ${r.chunks} chunks: none came back`);
  });
});
