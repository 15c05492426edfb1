/**
 * Sends a file to Glance (stage for glance-direct, or legacy `PUT /file`) while hashing it, in the same single
 * pass that feeds the request, so what is compared later is exactly what was sent. Only the digests that will be
 * compared are computed (each costs a core's time: md5 ~770, sha512 ~1,000, sha256 ~1,750 MiB/s, and Glance
 * needs the other core to take the data at wire speed).
 *
 * The file must hold still while it is sent: a file that grows or shrinks is caught by the byte count (the
 * request is aborted at once instead of sending a body that disagrees with its Content-Length), one rewritten
 * in place or replaced by a rename by comparing its stat before and after (SourceChangedError).
 *
 * A 401 on the upload (token revoked or expired while the request was queued) cannot be answered by the HTTP client's
 * renew-and-resend, because a stream body is consumed: the session drops the token, and the file is sent once
 * more from the start with a fresh one.
 */
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline, Transform } from "node:stream";
import type { GlanceClient } from "../glance/client";
import { isStatus } from "../glance/errors";
import { FILE_READ_CHUNK, stageImageData, uploadImageData } from "../glance/imagedata";
import { hashFileWith, multiHash, type Digests } from "../common/digests";
import { fileChunks } from "../common/file-chunks";
import { ProgressReporter } from "./progress";

/** The source file changed while it was being sent: what Glance got is no single version of it. */
export class SourceChangedError extends Error {
  override name = "SourceChangedError";
  readonly code = "ERR_SOURCE_CHANGED";
}

export type SendMethod = "glance-direct" | "upload";

export interface SendOptions {
  method: SendMethod;
  /** `upload` only: the store written by `PUT /file` (X-Image-Meta-Store). */
  store?: string;
  /** Node hash names to compute over the bytes sent (e.g. sha512, and sha256 when one is declared). */
  algorithms: readonly string[];
  timeoutMs: number;
  print: (line: string) => void;
  progressEveryMs?: number;
}

/** What was sent: the digests asked for, and the file's stat at the start (to check later reads against). */
export interface SentFile {
  digests: Digests;
  source: Stats;
}

/** A pass-through stream that hashes what flows through it (the algorithms asked for) and reports the byte count. */
export function hashingStream(
  onBytes: (sent: number) => void,
  algorithms: readonly string[],
  expectedSize?: number,
): { stream: Transform; digests: () => Digests; changed: () => SourceChangedError | undefined } {
  const hash = multiHash(algorithms);
  let size = 0;
  let changed: SourceChangedError | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (expectedSize !== undefined && size + chunk.length > expectedSize) {
        changed = new SourceChangedError(`it grew while it was being sent: more than the ${expectedSize} bytes it had when the upload started`);
        done(changed);
        return;
      }
      hash.update(chunk);
      size += chunk.length;
      onBytes(size);
      done(null, chunk);
    },
    flush(done) {
      if (expectedSize !== undefined && size < expectedSize) {
        changed = new SourceChangedError(`it shrank while it was being sent: it ended after ${size} of the ${expectedSize} bytes it had when the upload started`);
        done(changed);
        return;
      }
      done();
    },
  });
  return {
    stream,
    digests: hash.digests,
    changed: () => changed,
  };
}

const verb = (opts: SendOptions): string => (opts.method === "upload" ? "upload" : "stage");

/** What identifies one version of a file's content, short of reading it. */
export function sameVersion(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** One attempt: streams the file into the image once, hashing and counting what is sent. */
async function sendOnce(glance: GlanceClient, imageId: string, file: string, before: Stats, opts: SendOptions): Promise<Digests> {
  const size = before.size;
  const progress = new ProgressReporter(`${verb(opts)} ${imageId}`, size, opts.print, opts.progressEveryMs);
  const hashed = hashingStream((sent) => progress.update(sent), opts.algorithms, size);
  const chunks = fileChunks(file, FILE_READ_CHUNK);
  const source = chunks.stream;
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
      releaseChunk: chunks.release,
      ...(opts.method === "upload" && opts.store !== undefined ? { store: opts.store } : {}),
    });
  } catch (err) {
    source.destroy();
    throw hashed.changed() ?? readError ?? err;
  }
  if (readError) throw readError;
  const digests = hashed.digests();
  progress.done(digests.size);
  return digests;
}

/** Streams `file` into image `imageId` and returns the digests of the bytes sent. */
export async function sendFileHashed(glance: GlanceClient, imageId: string, file: string, opts: SendOptions): Promise<SentFile> {
  const before = await stat(file);
  let digests: Digests;
  try {
    digests = await sendOnce(glance, imageId, file, before, opts);
  } catch (err) {
    if (!isStatus(err, 401)) throw err;
    // Rejected before Glance read anything (auth runs first); the session has dropped the token.
    opts.print(`${verb(opts)} ${imageId}: the token was rejected (401); sending again with a new one`);
    digests = await sendOnce(glance, imageId, file, before, opts);
  }
  await assertUnchanged(file, before, "being sent");
  return { digests, source: before };
}

async function assertUnchanged(file: string, before: Stats, during: string): Promise<void> {
  const after = await stat(file).catch(() => undefined);
  if (!after || !sameVersion(before, after)) {
    const now = after ? `${after.size} bytes, modified ${after.mtime.toISOString()}` : "gone";
    throw new SourceChangedError(
      `it changed while it was ${during} (${before.size} bytes, modified ${before.mtime.toISOString()} when the upload started; now ${now})`,
    );
  }
}

/**
 * Adds digests that were not computed while sending (Glance hashing with another algorithm than the usual
 * sha512) by reading the file again; valid only while the file is still the version that was sent.
 */
export async function addDigests(file: string, sent: SentFile, algorithms: readonly string[]): Promise<SentFile> {
  const missing = algorithms.filter((algorithm) => sent.digests.hex[algorithm] === undefined);
  if (missing.length === 0) return sent;
  const more = await hashFileWith(file, missing);
  await assertUnchanged(file, sent.source, "read again to verify it");
  return { ...sent, digests: { size: sent.digests.size, hex: { ...sent.digests.hex, ...more.hex } } };
}
