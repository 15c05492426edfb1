import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { multiHash } from "../../common/digests";
import { fileChunks } from "../../common/file-chunks";
import type { GlanceClient } from "../client";
import { httpErrorDetails } from "../../openstack/http-errors";
import { GlanceInputError, HttpError, UnexpectedResponseError } from "../errors";
import type { ImageDataSource, ImageDownload, UploadProgress } from "./results";
import { imageFileUrl, imageStageUrl } from "./urls";

export interface StageOptions {
  /** Content-Length for a Readable source; file sources use their size. Without it the upload is chunked. */
  size?: number;
  /** Called as bytes go out. */
  onProgress?: (progress: UploadProgress) => void;
  /** Overall bound for the request, in ms (default: none beyond the session's own). */
  timeoutMs?: number;
  /** A Readable source's chunks come back here once sent, to be read into again (see fileChunks). */
  releaseChunk?: (chunk: Buffer) => void;
}

export interface UploadOptions extends StageOptions {
  /** Target store (`X-Image-Meta-Store`); unknown stores answer 400. Default: the default store. */
  store?: string;
}

/** Retrying would replay a consumed stream: never retry data uploads, whatever the session's policy. */
const NO_RETRY = { limit: 0 };

/**
 * Read size for file sources. With fs's default 64 KiB, every chunk's trip through the stream, the client and the socket
 * costs about as much CPU as copying it: 1 MiB halves the uploading process's CPU (≈ 1.9 → 0.9 CPU-s per GiB,
 * bench section 1) and keeps memory flat (a few chunks in flight, read into again once sent).
 */
export const FILE_READ_CHUNK = 1024 * 1024;

interface Source {
  body: Readable;
  size?: number;
  owned: boolean;
  releaseChunk?: (chunk: Buffer) => void;
}

async function openSource(source: ImageDataSource, size?: number): Promise<Source> {
  if (typeof source === "string") {
    const info = await stat(source);
    if (!info.isFile()) throw new GlanceInputError(`Image data source ${source} is not a regular file`);
    const chunks = fileChunks(source, FILE_READ_CHUNK);
    return { body: chunks.stream, size: info.size, owned: true, releaseChunk: chunks.release };
  }
  if (!(source instanceof Readable) && typeof (source as { pipe?: unknown }).pipe !== "function") {
    throw new GlanceInputError("Image data source must be a file path or a Readable stream");
  }
  return { body: source, ...(size !== undefined ? { size } : {}), owned: false };
}

async function putData(
  c: GlanceClient,
  url: string,
  source: ImageDataSource,
  opts: StageOptions,
  extraHeaders: Record<string, string>,
): Promise<void> {
  const { body, size, owned, releaseChunk = opts.releaseChunk } = await openSource(source, opts.size);
  const headers: Record<string, string> = { "content-type": "application/octet-stream", ...extraHeaders };
  if (size !== undefined) headers["content-length"] = String(size);
  try {
    // Glance may answer (400/409/413) before it has read the whole body: the client then ends the upload.
    const request = c.http.put(url, {
      body,
      ...(releaseChunk && { releaseChunk }),
      headers,
      responseType: "text",
      retry: NO_RETRY,
      ...(opts.timeoutMs !== undefined ? { timeout: { request: opts.timeoutMs } } : {}),
    });
    if (opts.onProgress) {
      const onProgress = opts.onProgress;
      request.on("uploadProgress", (p) => {
        const total = p.total ?? size;
        onProgress({ transferred: p.transferred, ...(total !== undefined ? { total } : {}) });
      });
    }
    await request;
  } finally {
    if (owned) body.destroy();
  }
}

/**
 * Legacy upload, `PUT /v2/images/{id}/file` → 204: synchronous, the image is `active` when this resolves.
 * Streams the data (never buffered) and is never retried.
 */
export async function uploadImageData(c: GlanceClient, id: string, source: ImageDataSource, opts: UploadOptions = {}): Promise<void> {
  const headers: Record<string, string> = opts.store !== undefined ? { "x-image-meta-store": opts.store } : {};
  await putData(c, imageFileUrl(await c.baseUrl(), id), source, opts, headers);
}

/**
 * Stages data for a `glance-direct` import, `PUT /v2/images/{id}/stage` → 204; the image goes to
 * `uploading`. Follow with `importImage(c, id, {method: "glance-direct", ...})`.
 */
export async function stageImageData(c: GlanceClient, id: string, source: ImageDataSource, opts: StageOptions = {}): Promise<void> {
  await putData(c, imageStageUrl(await c.baseUrl(), id), source, opts, {});
}

/**
 * Starts `GET /v2/images/{id}/file` and resolves once the response headers are in; errors before that
 * (404, 403 for a deactivated image, no data) reject with HttpError / UnexpectedResponseError.
 */
export async function downloadImageData(c: GlanceClient, id: string, opts: { timeoutMs?: number; firstBytes?: number } = {}): Promise<ImageDownload> {
  const url = imageFileUrl(await c.baseUrl(), id);
  const stream = c.http.stream(url, {
    throwHttpErrors: false,
    retry: NO_RETRY,
    // 206 with the range; a Glance or store that ignores Range answers 200 with everything (see readImageHead).
    ...(opts.firstBytes !== undefined ? { headers: { range: `bytes=0-${opts.firstBytes - 1}` } } : {}),
    ...(opts.timeoutMs !== undefined ? { timeout: { request: opts.timeoutMs } } : {}),
  });
  return new Promise<ImageDownload>((resolve, reject) => {
    stream.once("error", reject);
    stream.once("response", (res: { statusCode: number; headers: Record<string, string | string[] | undefined> }) => {
      const header = (name: string): string | undefined => {
        const v = res.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      if (res.statusCode === 204) {
        stream.destroy();
        reject(new UnexpectedResponseError(`image ${id} has no data (204)`, "GET", url));
        return;
      }
      if (res.statusCode < 200 || res.statusCode > 299) {
        const chunks: Buffer[] = [];
        let length = 0;
        stream.on("data", (chunk: Buffer) => {
          if (length < 65536) chunks.push(chunk);
          length += chunk.length;
        });
        stream.once("end", () => reject(new HttpError(httpErrorDetails("GET", url, res.statusCode, res.headers, Buffer.concat(chunks).toString("utf8")))));
        return;
      }
      stream.off("error", reject);
      const size = header("content-length");
      const md5 = header("content-md5");
      const contentType = header("content-type");
      resolve({
        stream,
        ...(size !== undefined ? { size: Number(size) } : {}),
        ...(md5 !== undefined ? { md5 } : {}),
        ...(contentType !== undefined ? { contentType } : {}),
      });
    });
  });
}

/** The first `bytes` bytes of the image data (fewer when the image is smaller); the rest is never read. */
export async function readImageHead(c: GlanceClient, id: string, bytes: number, opts: { timeoutMs?: number } = {}): Promise<Buffer> {
  const { stream } = await downloadImageData(c, id, { ...opts, firstBytes: bytes });
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/**
 * Downloads the image data to a file, verifying Content-MD5 when Glance sent it. Returns bytes written and
 * the md5/sha512 (hex) of what was received.
 */
export async function downloadImageToFile(
  c: GlanceClient,
  id: string,
  path: string,
  opts: { timeoutMs?: number } = {},
): Promise<{ size: number; md5: string; sha512: string }> {
  const download = await downloadImageData(c, id, opts);
  const hash = multiHash(["md5", "sha512"]);
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(download.stream, hasher, createWriteStream(path));
  const { size, hex } = hash.digests();
  const result = { size, md5: hex.md5 ?? "", sha512: hex.sha512 ?? "" };
  if (download.md5 !== undefined && download.md5 !== result.md5) {
    throw new UnexpectedResponseError(`downloaded data has md5 ${result.md5}, Glance announced ${download.md5}`, "GET", imageFileUrl(await c.baseUrl(), id));
  }
  return result;
}
