/**
 * Hash checks: declared hashes against the bytes sent, and the bytes sent against what Glance computed
 * (`checksum` = md5, `os_hash_value` = sha512 by default). A difference together with a changed size or disk
 * format is an import plugin converting the data, reported as such rather than as a corrupt upload.
 */
import type { FileDigests } from "../builder/hash-file";
import type { Image } from "../glance/images";
import { GlanceTaggedImageError } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";

type Declared = Pick<GlanceTaggedImageInputs, "expectedSha256" | "expectedSha512" | "diskFormat">;

/** Throws ERR_HASH_MISMATCH when a declared hash differs from the bytes actually sent. */
export function checkDeclared(resourceKey: string, imageId: string, declared: Declared, sent: FileDigests): void {
  const pairs: Array<[string, string | undefined, string]> = [
    ["sha256", declared.expectedSha256, sent.sha256],
    ["sha512", declared.expectedSha512, sent.sha512],
  ];
  for (const [algo, expected, actual] of pairs) {
    if (expected !== undefined && expected.toLowerCase() !== actual) {
      throw new GlanceTaggedImageError(
        "ERR_HASH_MISMATCH",
        resourceKey,
        `image ${imageId}: the file's ${algo} is ${actual}, expected${algo === "sha256" ? "Sha256" : "Sha512"} is ${expected.toLowerCase()}`,
        imageId,
      );
    }
  }
}

/** Glance's sha512 of the image, when its hashing algorithm is sha512 (the default). */
export function glanceSha512(image: Image): string | undefined {
  return image.os_hash_algo === "sha512" && image.os_hash_value ? image.os_hash_value : undefined;
}

/** Compares what Glance holds with what was sent; throws ERR_CONVERTED or ERR_HASH_MISMATCH. */
export function checkGlanceHolds(resourceKey: string, image: Image, declared: Declared, sent: FileDigests): void {
  const sha512 = glanceSha512(image);
  const md5Ok = !image.checksum || image.checksum === sent.md5;
  const sha512Ok = sha512 === undefined || sha512 === sent.sha512;
  if (md5Ok && sha512Ok) return;
  const size = image.size ?? -1;
  if (size !== sent.size || (image.disk_format ?? declared.diskFormat) !== declared.diskFormat) {
    throw new GlanceTaggedImageError(
      "ERR_CONVERTED",
      resourceKey,
      `image ${image.id} was converted by an import plugin: ${sent.size} bytes of ${declared.diskFormat} were sent, ` +
        `Glance holds ${size} bytes of ${image.disk_format ?? "?"} (os_hash_value ${sha512 ?? image.os_hash_value ?? "-"}), ` +
        `so the declared and computed hashes no longer describe it; upload in the format the cloud converts to, ` +
        `or use importMethod "upload" where the deployment allows it`,
      image.id,
    );
  }
  throw new GlanceTaggedImageError(
    "ERR_HASH_MISMATCH",
    resourceKey,
    `image ${image.id}: Glance holds other bytes than were sent: sent sha512 ${sent.sha512} / md5 ${sent.md5}, ` +
      `Glance has ${image.os_hash_algo ?? "hash"} ${image.os_hash_value ?? "-"} / checksum ${image.checksum ?? "-"}`,
    image.id,
  );
}

/** For web-download: Glance's os_hash_value against expectedSha512 (the only hash of bytes we never saw). */
export function checkDownloaded(resourceKey: string, image: Image, expectedSha512: string | undefined): void {
  if (expectedSha512 === undefined) return;
  const held = glanceSha512(image);
  if (held !== expectedSha512.toLowerCase()) {
    throw new GlanceTaggedImageError(
      "ERR_HASH_MISMATCH",
      resourceKey,
      `image ${image.id}: Glance downloaded data with ${image.os_hash_algo ?? "hash"} ${image.os_hash_value ?? "-"}, ` +
        `expectedSha512 is ${expectedSha512.toLowerCase()}`,
      image.id,
    );
  }
}
