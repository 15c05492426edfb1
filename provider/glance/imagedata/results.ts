import type { Readable } from "node:stream";

/** Where image data comes from: a file path (streamed, size from stat) or any Readable (never buffered). */
export type ImageDataSource = string | Readable;

export interface UploadProgress {
  /** Bytes sent so far. */
  transferred: number;
  /** Total bytes, when known (file sources, or `size` given). */
  total?: number;
}

/** An image download in progress: consume `stream` at once (it reports errors as 'error' events). */
export interface ImageDownload {
  stream: Readable;
  /** Content-Length, when Glance sent it. */
  size?: number;
  /** Content-MD5 (hex md5, same as the image's `checksum`). */
  md5?: string;
  contentType?: string;
}
