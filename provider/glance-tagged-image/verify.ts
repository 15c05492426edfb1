/**
 * Hash checks: declared hashes against the bytes sent, and the bytes sent against what Glance computed
 * (`os_hash_value` with its `os_hash_algo`, sha512 by default; `checksum` = md5 when Node lacks Glance's algorithm).
 * A difference together with a changed size or disk format is an import plugin converting the data, reported as
 * such rather than as a corrupt upload.
 */
import { getHashes } from "node:crypto";
import type { Digests } from "../common/digests";
import type { Image } from "../glance/images";
import { GlanceTaggedImageError } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";

type Declared = Pick<GlanceTaggedImageInputs, "expectedSha256" | "expectedSha512" | "diskFormat">;

/** Node's name for the hashlib algorithm Glance reports in `os_hash_algo` (Glance's `hashing_algorithm`), if Node has it. */
export function nodeHashName(glanceAlgorithm: string | null | undefined): string | undefined {
  if (!glanceAlgorithm) return undefined;
  const special: Record<string, string> = { blake2b: "blake2b512", blake2s: "blake2s256" };
  const name = special[glanceAlgorithm] ?? glanceAlgorithm.replace(/_/g, "-");
  return getHashes().includes(name) ? name : undefined;
}

/**
 * What to compute while sending: sha512 (Glance's default `hashing_algorithm`, and `expectedSha512`), sha256 only
 * when `expectedSha256` is declared. md5 is not computed: sha512 already compares every byte.
 */
export function digestsWhileSending(declared: Declared): string[] {
  return declared.expectedSha256 !== undefined ? ["sha512", "sha256"] : ["sha512"];
}

/** The digests of the bytes sent that `image`'s hashes are compared with: Glance's algorithm, else md5. */
export function digestsToCompare(image: Image): string[] {
  const algorithm = nodeHashName(image.os_hash_algo);
  if (algorithm && image.os_hash_value) return [algorithm];
  return image.checksum ? ["md5"] : [];
}

function mismatch(resourceKey: string, imageId: string, algorithm: string, actual: string, expected: string): GlanceTaggedImageError {
  const field = algorithm === "sha256" ? "expectedSha256" : "expectedSha512";
  return new GlanceTaggedImageError("ERR_HASH_MISMATCH", resourceKey, `image ${imageId}: the file's ${algorithm} is ${actual}, ${field} is ${expected}`, imageId);
}

/** Throws ERR_HASH_MISMATCH when a declared hash differs from the bytes actually sent. */
export function checkDeclared(resourceKey: string, imageId: string, declared: Declared, sent: Digests): void {
  const pairs: Array<[string, string | undefined]> = [
    ["sha256", declared.expectedSha256],
    ["sha512", declared.expectedSha512],
  ];
  for (const [algorithm, expected] of pairs) {
    if (expected === undefined) continue;
    const actual = sent.hex[algorithm];
    if (actual === undefined) throw new Error(`${algorithm} of the bytes sent was not computed`);
    if (expected.toLowerCase() !== actual) throw mismatch(resourceKey, imageId, algorithm, actual, expected.toLowerCase());
  }
}

/** Glance's sha512 of the image, when its hashing algorithm is sha512 (the default). */
export function glanceSha512(image: Image): string | undefined {
  return image.os_hash_algo === "sha512" && image.os_hash_value ? image.os_hash_value : undefined;
}

/** Glance's hash of `algorithm` (a Node name from digestsToCompare). */
function glanceHash(image: Image, algorithm: string): { label: string; value: string } {
  return algorithm === "md5" && nodeHashName(image.os_hash_algo) !== "md5"
    ? { label: "checksum (md5)", value: image.checksum ?? "" }
    : { label: image.os_hash_algo ?? algorithm, value: image.os_hash_value ?? "" };
}

/**
 * How `digests` (of the bytes sent, or of a local file: `whose`) differ from the hashes Glance holds for `image`;
 * digestsToCompare(image) must be in them. [] when they agree.
 */
export function differences(image: Image, digests: Digests, whose = "sent"): string[] {
  const differing: string[] = [];
  for (const algorithm of digestsToCompare(image)) {
    const ours = digests.hex[algorithm];
    if (ours === undefined) throw new Error(`${algorithm} of the bytes ${whose} was not computed`);
    const held = glanceHash(image, algorithm);
    if (held.value !== ours) differing.push(`${whose} ${algorithm} ${ours}, Glance has ${held.label} ${held.value}`);
  }
  return differing;
}

/** Compares what Glance holds with what was sent (digestsToCompare(image) must be in `sent`); throws ERR_CONVERTED or ERR_HASH_MISMATCH. */
export function checkGlanceHolds(resourceKey: string, image: Image, declared: Declared, sent: Digests): void {
  const differing = differences(image, sent);
  if (differing.length === 0) return;
  const size = image.size ?? -1;
  if (size !== sent.size || (image.disk_format ?? declared.diskFormat) !== declared.diskFormat) {
    throw new GlanceTaggedImageError(
      "ERR_CONVERTED",
      resourceKey,
      `image ${image.id} was converted by an import plugin: ${sent.size} bytes of ${declared.diskFormat} were sent, ` +
        `Glance holds ${size} bytes of ${image.disk_format ?? "?"} (${image.os_hash_algo ?? "os_hash_value"} ${image.os_hash_value ?? "-"}), ` +
        `so the declared and computed hashes no longer describe it; upload in the format the cloud converts to, ` +
        `or use importMethod "upload" where the deployment allows it`,
      image.id,
    );
  }
  throw new GlanceTaggedImageError(
    "ERR_HASH_MISMATCH",
    resourceKey,
    `image ${image.id}: Glance holds other bytes than were sent: ${differing.join("; ")}`,
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

/** Whether two images hold the same data as Glance hashed it (algorithm, hash and size all equal). */
export function sameData(image: Image, origin: Image): boolean {
  return (
    image.os_hash_value !== undefined &&
    image.os_hash_value !== null &&
    image.os_hash_algo === origin.os_hash_algo &&
    image.os_hash_value === origin.os_hash_value &&
    image.size === origin.size
  );
}

/** importFrom: the new image must hold what the other region's image holds; throws ERR_HASH_MISMATCH otherwise. */
export function checkSameAsOrigin(resourceKey: string, image: Image, origin: Image, region: string): void {
  if (sameData(image, origin)) return;
  const facts = (i: Image): string => `${i.os_hash_algo ?? "no os_hash_algo"} ${i.os_hash_value ?? "-"}, ${i.size ?? "?"} bytes`;
  throw new GlanceTaggedImageError(
    "ERR_HASH_MISMATCH",
    resourceKey,
    `image ${image.id} holds other data than image ${origin.id} of ${region} it was made from: ${facts(image)} here, ` +
      `${facts(origin)} there` +
      (image.os_hash_algo !== origin.os_hash_algo ? " (the two Glances hash with different algorithms: hashing_algorithm must match)" : ""),
    image.id,
  );
}
