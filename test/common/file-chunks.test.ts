import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileChunks } from "../../provider/common/file-chunks";
import { rejection } from "../support/rejection";

const KiB = 1024;

describe("common/file-chunks: a file read into buffers that are used again once released", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "file-chunks-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, data: Buffer): string {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  }

  async function readAll(path: string, chunkSize: number, releaseEach: boolean): Promise<{ data: Buffer; sizes: number[]; allocated: number }> {
    const chunks = fileChunks(path, chunkSize);
    const parts: Buffer[] = [];
    const sizes: number[] = [];
    for await (const chunk of chunks.stream as AsyncIterable<Buffer>) {
      parts.push(Buffer.from(chunk));
      sizes.push(chunk.length);
      if (releaseEach) chunks.release(chunk);
    }
    return { data: Buffer.concat(parts), sizes, allocated: chunks.allocated() };
  }

  it("gives the file's bytes in chunks of at most the chunk size, the last one shorter", async () => {
    const data = randomBytes(10 * 64 * KiB + 123);
    const { data: read, sizes } = await readAll(file("odd", data), 64 * KiB, true);
    assert.ok(read.equals(data));
    assert.equal(sizes.length, 11);
    assert.ok(sizes.slice(0, -1).every((size) => size === 64 * KiB));
    assert.equal(sizes.at(-1), 123);
  });

  it("reads into released chunks instead of allocating, and allocates per chunk when none comes back", async () => {
    const path = file("many", randomBytes(40 * 16 * KiB));
    const released = await readAll(path, 16 * KiB, true);
    const kept = await readAll(path, 16 * KiB, false);
    assert.ok(released.data.equals(kept.data));
    // One chunk ahead in the stream, one being read, one with the consumer.
    assert.ok(released.allocated <= 3, `${released.allocated} buffers for 40 chunks`);
    assert.ok(kept.allocated >= 40, `${kept.allocated} buffers for 40 chunks`);
  });

  it("a chunk released twice, or a buffer that is not its own, does not end up in two reads at once", async () => {
    const data = randomBytes(8 * 4 * KiB);
    const chunks = fileChunks(file("twice", data), 4 * KiB);
    const held: Buffer[] = [];
    const copies: Buffer[] = [];
    for await (const chunk of chunks.stream as AsyncIterable<Buffer>) {
      held.push(chunk);
      copies.push(Buffer.from(chunk));
      if (held.length === 1) {
        chunks.release(chunk);
        chunks.release(chunk);
        chunks.release(Buffer.alloc(4 * KiB));
      }
    }
    // Every chunk after the first one is still held: had the first buffer gone back twice, two of them would share it.
    const buffers = new Set(held.slice(1).map((chunk) => chunk.buffer));
    assert.equal(buffers.size, held.length - 1);
    assert.ok(Buffer.concat(held.slice(1)).equals(Buffer.concat(copies.slice(1))));
  });

  it("an empty file ends at once; a missing one fails with ENOENT", async () => {
    const empty = await readAll(file("empty", Buffer.alloc(0)), 4 * KiB, true);
    assert.equal(empty.data.length, 0);
    const err = await rejection(readAll(join(dir, "missing"), 4 * KiB, true));
    assert.equal((err as NodeJS.ErrnoException).code, "ENOENT");
  });

  it("leaving it early closes the file", async () => {
    const open = (): number => readdirSync("/proc/self/fd").length;
    const before = open();
    const chunks = fileChunks(file("early", randomBytes(64 * KiB)), 4 * KiB);
    for await (const _chunk of chunks.stream as AsyncIterable<Buffer>) {
      assert.equal(open(), before + 1);
      break;
    }
    if (!chunks.stream.closed) await new Promise((resolve) => chunks.stream.once("close", resolve));
    assert.equal(open(), before);
  });
});
