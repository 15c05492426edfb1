/**
 * A stream body's chunks come back to their source (RequestOptions.releaseChunk) only once the socket has written
 * them: the source reads into them again, so a reuse too early would send other bytes than the file's.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { Readable } from "node:stream";
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

  it("an answer that comes before the source has read its end of file leaves no timer behind", async () => {
    // Timers armed meanwhile (the HTTP layer's own, by the global setTimeout) that neither fired nor were cleared.
    const armed = new Set<NodeJS.Timeout>();
    const [setTimer, clearTimer] = [global.setTimeout, global.clearTimeout];
    global.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const timer: NodeJS.Timeout = setTimer((...a: unknown[]) => {
        armed.delete(timer);
        fn(...a);
      }, ms, ...args);
      armed.add(timer);
      return timer;
    }) as typeof setTimeout;
    global.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
      if (timer) armed.delete(timer);
      clearTimer(timer);
    }) as typeof clearTimeout;
    const server = await md5Server(0);
    try {
      const data = randomBytes(MiB);
      // All the bytes at once, the end only 300 ms later (a slow end-of-file read): the server answers meanwhile.
      const source = new Readable({ read() {} });
      source.push(data);
      setTimer(() => source.push(null), 300);
      const received = await createHttp({ tls: { rejectUnauthorized: true } }).put(server.url, {
        body: source,
        headers: { "content-length": String(data.length) },
        retry: { limit: 0 },
      }).text();
      assert.equal(received, createHash("md5").update(data).digest("hex"));
      await new Promise((resolve) => setTimer(resolve, 500));
    } finally {
      await server.close();
      global.setTimeout = setTimer;
      global.clearTimeout = clearTimer;
    }
    const holding = [...armed].filter((t) => t.hasRef());
    assert.equal(holding.length, 0, "a timer of the finished request is still armed (it keeps the process alive until it fires)");
  });

  it("chunks smaller than the socket's buffer, handed over before it wrote them, come back only once it did", async () => {
    // undici asks for the next chunk while these are still queued in the socket: reading into them then would
    // change what is still to be sent.
    const r = await put(24 * MiB, 16 * KiB, 300);
    assert.equal(r.received, r.sent);
    assert.ok(r.allocated < r.chunks, `${r.allocated} buffers for ${r.chunks} chunks: none came back`);
  });
});
