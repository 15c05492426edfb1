import { open, type FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";

/**
 * A file read in chunks whose memory is used again once the consumer says a chunk is done with (`release`).
 *
 * Why: fs.createReadStream allocates a new buffer for every read. During an upload each is garbage a moment
 * later, but V8 frees buffers only in a GC, and with so little JavaScript garbage beside them it runs one only
 * when about 64 MB of buffers have piled up: that pile was most of an upload's peak RSS (bench, "HTTP layer").
 * Released chunks are read into again, so an upload keeps a handful of buffers whatever the file's size.
 *
 * A chunk must be released only when nothing reads it any more (the HTTP layer does it once the socket has
 * written it, see http-send.ts); a chunk never released is simply garbage, as with createReadStream.
 * Chunks keep their identity through pass-through transforms (the hashing stream), so releasing the chunk
 * that arrives at the far end is releasing the buffer read here.
 */
export interface FileChunks {
  /** The file's bytes, one chunk of at most `chunkSize` per read (object mode: chunks are never merged). */
  readonly stream: Readable;
  /** `chunk`, a chunk of this stream, may be read into again; any other buffer is ignored. */
  release(chunk: Buffer): void;
  /** Buffers allocated so far (reads served by released ones allocate none). */
  allocated(): number;
}

export function fileChunks(path: string, chunkSize: number): FileChunks {
  const free: Buffer[] = [];
  const ours = new WeakMap<ArrayBufferLike, Buffer>();
  const lent = new WeakSet<ArrayBufferLike>();
  let allocated = 0;
  let handle: FileHandle | undefined;
  let position = 0;

  const take = (): Buffer => {
    const reused = free.pop();
    if (reused) return reused;
    allocated++;
    const buffer = Buffer.allocUnsafeSlow(chunkSize);
    ours.set(buffer.buffer, buffer);
    return buffer;
  };

  const stream = new Readable({
    objectMode: true,
    highWaterMark: 1,
    construct(callback) {
      open(path, "r").then(
        (opened) => {
          handle = opened;
          callback();
        },
        (err: Error) => callback(err),
      );
    },
    read() {
      const buffer = take();
      (handle as FileHandle).read(buffer, 0, chunkSize, position).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) {
            free.push(buffer);
            this.push(null);
            return;
          }
          position += bytesRead;
          lent.add(buffer.buffer);
          this.push(bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead));
        },
        (err: Error) => this.destroy(err),
      );
    },
    destroy(err, callback) {
      const closing = handle?.close() ?? Promise.resolve();
      handle = undefined;
      closing.then(
        () => callback(err),
        (closeErr: Error) => callback(err ?? closeErr),
      );
    },
  });

  return {
    stream,
    release(chunk) {
      const buffer = ours.get(chunk.buffer);
      // Only a chunk that is out (read, not yet released) goes back: releasing one twice must not put its buffer
      // into two reads at once.
      if (buffer === undefined || !lent.has(chunk.buffer)) return;
      lent.delete(chunk.buffer);
      free.push(buffer);
    },
    allocated: () => allocated,
  };
}
