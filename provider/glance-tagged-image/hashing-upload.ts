/**
 * Sends a file to Glance (stage for glance-direct, or legacy `PUT /file`) while hashing it: sha256, sha512 and
 * md5 in the same single pass that feeds the request, so what is compared later is exactly what was sent.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline, Transform } from "node:stream";
import type { GlanceClient } from "../glance/client";
import { stageImageData, uploadImageData } from "../glance/imagedata";
import type { FileDigests } from "../builder/hash-file";
import { ProgressReporter } from "./progress";

export type SendMethod = "glance-direct" | "upload";

export interface SendOptions {
  method: SendMethod;
  /** `upload` only: the store written by `PUT /file` (X-Image-Meta-Store). */
  store?: string;
  timeoutMs: number;
  print: (line: string) => void;
  progressEveryMs?: number;
}

/** A pass-through stream that hashes what flows through it and reports the running byte count. */
export function hashingStream(onBytes: (sent: number) => void): { stream: Transform; digests: () => FileDigests } {
  const sha256 = createHash("sha256");
  const sha512 = createHash("sha512");
  const md5 = createHash("md5");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sha256.update(chunk);
      sha512.update(chunk);
      md5.update(chunk);
      size += chunk.length;
      onBytes(size);
      done(null, chunk);
    },
  });
  return {
    stream,
    digests: () => ({ size, sha256: sha256.digest("hex"), sha512: sha512.digest("hex"), md5: md5.digest("hex") }),
  };
}

/** Streams `file` into image `imageId` and returns the digests of the bytes sent. */
export async function sendFileHashed(glance: GlanceClient, imageId: string, file: string, opts: SendOptions): Promise<FileDigests> {
  const { size } = await stat(file);
  const verb = opts.method === "upload" ? "upload" : "stage";
  const progress = new ProgressReporter(`${verb} ${imageId}`, size, opts.print, opts.progressEveryMs);
  const hashed = hashingStream((sent) => progress.update(sent));
  const source = createReadStream(file, { highWaterMark: 1024 * 1024 });
  let readError: Error | undefined;
  pipeline(source, hashed.stream, (err) => {
    if (err) readError = err;
  });
  // Piping would end early on a read error; the request then fails on its Content-Length, and readError says why.
  const put = opts.method === "upload" ? uploadImageData : stageImageData;
  try {
    await put(glance, imageId, hashed.stream, {
      size,
      timeoutMs: opts.timeoutMs,
      ...(opts.method === "upload" && opts.store !== undefined ? { store: opts.store } : {}),
    });
  } catch (err) {
    source.destroy();
    throw readError ?? err;
  }
  if (readError) throw readError;
  const digests = hashed.digests();
  progress.done(digests.size);
  return digests;
}
