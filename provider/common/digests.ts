import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** A byte count and hex digests by Node hash name (`sha512`, `md5`, ...). */
export interface Digests {
  size: number;
  hex: Record<string, string>;
}

export interface FileDigests {
  size: number;
  sha256: string;
  sha512: string;
  md5: string;
}

/** Several digests of one stream of bytes, fed chunk by chunk as the bytes pass: one read serves them all. */
export function multiHash(algorithms: readonly string[]): { update: (chunk: Buffer) => void; digests: () => Digests } {
  const hashes = algorithms.map((algorithm) => [algorithm, createHash(algorithm)] as const);
  let size = 0;
  return {
    update: (chunk) => {
      size += chunk.length;
      for (const [, hash] of hashes) hash.update(chunk);
    },
    digests: () => ({ size, hex: Object.fromEntries(hashes.map(([algorithm, hash]) => [algorithm, hash.digest("hex")])) }),
  };
}

/** The given digests of a file in one streaming pass. */
export function hashFileWith(path: string, algorithms: readonly string[], signal?: AbortSignal): Promise<Digests> {
  return new Promise((resolve, reject) => {
    const hash = multiHash(algorithms);
    const stream = createReadStream(path, { highWaterMark: 4 * 1024 * 1024, ...(signal ? { signal } : {}) });
    stream.on("data", (chunk) => hash.update(chunk as Buffer));
    stream.on("error", reject);
    stream.on("end", () => resolve(hash.digests()));
  });
}

/**
 * sha256, sha512 and md5 of a file in one streaming pass (Glance's `checksum` is md5, `os_hash_value` sha512),
 * for an artifact's outputs. About 180-200 MiB/s on one core: a 500 MB amphora takes ~3 s.
 */
export async function hashFile(path: string, signal?: AbortSignal): Promise<FileDigests> {
  const { size, hex } = await hashFileWith(path, ["sha256", "sha512", "md5"], signal);
  return { size, sha256: hex.sha256 ?? "", sha512: hex.sha512 ?? "", md5: hex.md5 ?? "" };
}
