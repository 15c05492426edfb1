/**
 * Uploads never buffer the image: while Glance (here a local server) reads nothing, the client pulls at most a
 * bounded window from the source, whatever the image size, so memory does not grow with the image. Deterministic
 * (bytes counted, no timing of speed); peak RSS itself is measured by `npm run bench` (section 2).
 */
import * as assert from "node:assert";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import sinon from "sinon";
import { GlanceClient } from "../../provider/glance/client";
import { FILE_READ_CHUNK, uploadImageData } from "../../provider/glance/imagedata";
import { hashingStream, sendFileHashed } from "../../provider/glance-tagged-image/hashing-upload";
import { fakeServiceClient } from "../glance/support/fake-service";

const MiB = 1024 * 1024;
/** Source size: a buffering client would pull all of it during the stall. */
const SIZE = 256 * MiB;
/** What may be in flight: stream buffers plus the loopback socket's send and receive buffers. */
const WINDOW = 24 * MiB;

/** A source of SIZE bytes made on demand, counting what the client pulled. */
function countingSource(): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const chunk = Buffer.alloc(MiB, 7);
  const stream = new Readable({
    highWaterMark: MiB,
    read() {
      if (pulled >= SIZE) {
        this.push(null);
        return;
      }
      const n = Math.min(MiB, SIZE - pulled);
      pulled += n;
      this.push(n === MiB ? chunk : chunk.subarray(0, n));
    },
  });
  return { stream, pulled: () => pulled };
}

/** A server that reads nothing of a PUT for `stallMs`, then everything, and answers 204 with the byte count. */
async function stallingServer(
  stallMs: number,
): Promise<{ origin: string; received: () => number; md5: () => string; close: () => Promise<void> }> {
  let received = 0;
  const hash = createHash("md5");
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.pause();
    setTimeout(() => {
      req.on("data", (c: Buffer) => {
        received += c.length;
        hash.update(c);
      });
      req.on("end", () => {
        res.statusCode = 204;
        res.end();
      });
      req.resume();
    }, stallMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received: () => received,
    md5: () => hash.copy().digest("hex"),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function stalledUpload(body: (source: Readable) => Readable): Promise<{ pulledDuringStall: number; pulledAtEnd: number; received: number }> {
  const server = await stallingServer(800);
  try {
    const glance = new GlanceClient(fakeServiceClient(server.origin), { baseUrl: `${server.origin}/v2` });
    const source = countingSource();
    const upload = uploadImageData(glance, "00000000-0000-4000-8000-000000000001", body(source.stream), { size: SIZE });
    await new Promise((r) => setTimeout(r, 600));
    const pulledDuringStall = source.pulled();
    await upload;
    return { pulledDuringStall, pulledAtEnd: source.pulled(), received: server.received() };
  } finally {
    await server.close();
  }
}

describe("uploads stream with a bounded window (nothing buffers the image)", function () {
  this.timeout(60_000);

  it("uploadImageData from a Readable", async () => {
    const r = await stalledUpload((s) => s);
    assert.ok(r.pulledDuringStall <= WINDOW, `pulled ${r.pulledDuringStall / MiB} MiB while the server read nothing`);
    assert.strictEqual(r.received, SIZE);
    assert.strictEqual(r.pulledAtEnd, SIZE);
  });

  it("through the hashing pass-through that sendFileHashed puts in front of it", async () => {
    let hashed: ReturnType<typeof hashingStream> | undefined;
    const r = await stalledUpload((s) => {
      hashed = hashingStream(() => undefined, ["sha512"]);
      return s.pipe(hashed.stream);
    });
    assert.ok(r.pulledDuringStall <= WINDOW, `pulled ${r.pulledDuringStall / MiB} MiB while the server read nothing`);
    assert.strictEqual(r.received, SIZE);
    assert.strictEqual(hashed?.digests().size, SIZE);
  });
});

/**
 * A file upload reads the file into a handful of buffers used again once the socket has written them, instead
 * of a new one per read: those wait for a GC, which comes only after about 64 MB of them (bench, "HTTP layer").
 */
describe("file uploads read into a handful of buffers, whatever the file's size", function () {
  this.timeout(60_000);
  const FILE_SIZE = 64 * MiB;
  let dir: string;
  let file: string;
  let md5: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "streaming-"));
    file = join(dir, "image.raw");
    const data = Buffer.alloc(FILE_SIZE);
    for (let i = 0; i < FILE_SIZE; i += 4096) data.writeUInt32LE(i, i);
    writeFileSync(file, data);
    md5 = createHash("md5").update(data).digest("hex");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => sinon.restore());

  /** Read buffers allocated (FILE_READ_CHUNK bytes each) during `upload`, and what the server received. */
  async function readBuffers(upload: (glance: GlanceClient) => Promise<unknown>): Promise<{ buffers: number; md5: string }> {
    const server = await stallingServer(200);
    try {
      const glance = new GlanceClient(fakeServiceClient(server.origin), { baseUrl: `${server.origin}/v2` });
      const alloc = sinon.spy(Buffer, "allocUnsafeSlow");
      await upload(glance);
      return { buffers: alloc.getCalls().filter((call) => call.args[0] === FILE_READ_CHUNK).length, md5: server.md5() };
    } finally {
      await server.close();
    }
  }

  it("uploadImageData from a path", async () => {
    const r = await readBuffers((glance) => uploadImageData(glance, "00000000-0000-4000-8000-000000000001", file));
    assert.strictEqual(r.md5, md5);
    assert.ok(r.buffers <= 8, `${r.buffers} read buffers for ${FILE_SIZE / MiB} MiB`);
  });

  it("sendFileHashed (the provider's upload and stage)", async () => {
    let digest = "";
    const r = await readBuffers(async (glance) => {
      const sent = await sendFileHashed(glance, "00000000-0000-4000-8000-000000000002", file, {
        method: "upload",
        algorithms: ["md5"],
        timeoutMs: 60_000,
        print: () => undefined,
      });
      digest = sent.digests.hex.md5 ?? "";
    });
    assert.strictEqual(r.md5, md5);
    assert.strictEqual(digest, md5);
    assert.ok(r.buffers <= 8, `${r.buffers} read buffers for ${FILE_SIZE / MiB} MiB`);
  });
});
