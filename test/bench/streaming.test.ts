/**
 * Uploads never buffer the image: while Glance (here a local server) reads nothing, the client pulls at most a
 * bounded window from the source, whatever the image size, so memory does not grow with the image. Deterministic
 * (bytes counted, no timing of speed); peak RSS itself is measured by `npm run bench` (section 2).
 */
import * as assert from "node:assert";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { GlanceClient } from "../../provider/glance/client";
import { uploadImageData } from "../../provider/glance/imagedata";
import { hashingStream } from "../../provider/glance-tagged-image/hashing-upload";
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
async function stallingServer(stallMs: number): Promise<{ origin: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.pause();
    setTimeout(() => {
      req.on("data", (c: Buffer) => (received += c.length));
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
