import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { GlanceTaggedImageInputs } from "./inputs";

/**
 * A short identity of the bytes an image comes from, computed without reading the file or calling Glance so
 * that diff stays free: a declared hash when there is one, else path + size + mtime of the file, the URL, or
 * the adopted image id, or (no declared hash) the region and id of the image imported from another region. Disk and container format are part of it because Glance cannot change them on an
 * active image: changing either means a new image.
 */
export function sourceKey(inputs: Pick<
  GlanceTaggedImageInputs,
  "file" | "url" | "imageId" | "importFrom" | "expectedSha256" | "expectedSha512" | "diskFormat" | "containerFormat"
>): string {
  const format = `${inputs.diskFormat}/${inputs.containerFormat}`;
  if (inputs.imageId !== undefined) return `image:${inputs.imageId}`;
  const declared = inputs.expectedSha512
    ? `sha512:${inputs.expectedSha512.toLowerCase()}`
    : inputs.expectedSha256
      ? `sha256:${inputs.expectedSha256.toLowerCase()}`
      : undefined;
  if (inputs.url !== undefined) return `url:${inputs.url}|${declared ?? "-"}|${format}`;
  // Whichever way the bytes come, they are the other region's image's. With a declared hash the key is the same
  // as a file's with that hash: switching a region from `file` to `importFrom` of the same build is no new image.
  if (inputs.importFrom !== undefined) return declared ? `${declared}|${format}` : `import:${inputs.importFrom.region}/${inputs.importFrom.imageId}|${format}`;
  if (declared) return `${declared}|${format}`;
  const path = resolve(inputs.file ?? "");
  try {
    const st = statSync(path);
    return `file:${path}:${st.size}:${Math.trunc(st.mtimeMs)}|${format}`;
  } catch {
    return `file:${path}:missing|${format}`;
  }
}
