/**
 * `importFrom`: an image published in another region of the same Keystone. Where this region's Glance offers
 * `glance-download` (`/v2/info/import`), it downloads the image from the other region's Glance itself and nothing
 * passes through this machine; otherwise the image is uploaded from `importFrom.file`, or, without one, from a
 * download of the other region's image into a temporary file. Either way the tag moves only once the new image's
 * `os_hash_algo`/`os_hash_value` (and size) equal the other region's image (publish.ts fillImage), and a mismatch
 * deletes the new image.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UNKNOWN } from "../common/check";
import type { GlanceClient } from "../glance/client";
import { isStatus } from "../glance/errors";
import { downloadImageToFile } from "../glance/imagedata";
import { getImage, type Image } from "../glance/images";
import type { FlowContext } from "./context";
import { serviceWords } from "../common/errors";
import { GlanceTaggedImageError } from "./errors";
import { reuseHalfMade } from "./half-made";
import type { GlanceTaggedImageInputs } from "./inputs";
import { offeredMethods, publishImage, type Origin } from "./publish";
import { glanceSha512 } from "./verify";

export type ImportFrom = NonNullable<GlanceTaggedImageInputs["importFrom"]>;

/** How the data of an importFrom image reaches this region: what the plan line says and apply does. */
export type ImportRoute =
  | { kind: "glance-download" }
  | { kind: "upload"; from: "file" | "download"; why: string };

/**
 * The route for `inputs` given this region's import methods; undefined when they are not known. An explicit
 * `importMethod: "glance-download"` that is not offered is refused (ERR_IMPORT_METHOD), never replaced by an upload.
 */
export function importRoute(
  inputs: { importFrom?: { file?: string | undefined } | undefined; importMethod?: GlanceTaggedImageInputs["importMethod"] | undefined },
  offered: readonly string[] | undefined,
  resourceKey: string,
  region?: string,
): ImportRoute | undefined {
  const from = inputs.importFrom?.file !== undefined ? "file" : "download";
  const method = inputs.importMethod ?? "auto";
  if (method === "glance-direct" || method === "upload") return { kind: "upload", from, why: `importMethod ${method}` };
  if (offered === undefined) return undefined;
  if (offered.includes("glance-download")) return { kind: "glance-download" };
  const here = region ?? "this region";
  if (method === "glance-download") {
    throw new GlanceTaggedImageError(
      "ERR_IMPORT_METHOD",
      resourceKey,
      `import method glance-download is not enabled on the Glance of ${here} (it offers ${offered.join(", ") || "no import method"}); ` +
        `leave importMethod at auto to upload instead, or ask the operator to add glance-download to enabled_import_methods`,
    );
  }
  return { kind: "upload", from, why: `${here} does not offer glance-download` };
}

/** importFrom as a preview may know it: the image id (or the region) can be an upstream resource's output. */
export type KnownImportFrom = Partial<ImportFrom>;

const LATER = "known only during the update";

/**
 * The known part of an importFrom whose image id (an upstream resource's output) or region a preview does not know;
 * undefined when the whole object is unknown. A `file` not known yet is still a file the fallback uploads.
 */
export function knownImportFrom(raw: unknown): KnownImportFrom | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const known: KnownImportFrom = {};
  const { region, imageId, file } = raw as Record<string, unknown>;
  if (typeof region === "string" && region !== UNKNOWN) known.region = region;
  if (typeof imageId === "string" && imageId !== UNKNOWN) known.imageId = imageId;
  if (typeof file === "string") known.file = file === UNKNOWN ? `(${LATER})` : file;
  return known;
}

/** The plan's words for an importFrom source. */
export function describeImport(inputs: { importFrom?: KnownImportFrom | undefined }, route: ImportRoute | undefined): string {
  const from = inputs.importFrom ?? {};
  const id = from.imageId !== undefined ? `${from.imageId.slice(0, 8)}…` : `(id ${LATER})`;
  const image = `image ${id} of ${from.region ?? `a region ${LATER}`}`;
  if (route === undefined) return `import of ${image} (glance-download where this region offers it, else upload)`;
  if (route.kind === "glance-download") return `glance-download of ${image} (nothing uploaded from here)`;
  return route.from === "file"
    ? `new upload of importFrom.file, checked against ${image} (${route.why})`
    : `download of ${image} and new upload (${route.why})`;
}

/** The check the tag waits for, as the plan states it: what publish.ts fillImage compares (verify.ts checkSameAsOrigin). */
export function importCheckText(inputs: { importFrom?: KnownImportFrom | undefined }): string {
  const region = inputs.importFrom?.region ?? "the other region";
  return `; the tag moves only once its os_hash_algo/os_hash_value and size equal those of the image in ${region} (a mismatch deletes the new image)`;
}

/** The other region's image: active, of the declared formats, hashed by Glance (ERR_SOURCE* otherwise, before anything exists). */
async function readOrigin(ctx: FlowContext, source: GlanceClient, inputs: GlanceTaggedImageInputs): Promise<Image> {
  const from = inputs.importFrom as ImportFrom;
  const refuse = (code: "ERR_SOURCE" | "ERR_SOURCE_FORMAT" | "ERR_HASH_MISMATCH", why: string, cause?: unknown) =>
    new GlanceTaggedImageError(code, ctx.resourceKey, `importFrom: image ${from.imageId} of ${from.region} ${why} (nothing was created)`, undefined, {
      cause,
    });
  let image: Image;
  try {
    image = await getImage(source, from.imageId);
  } catch (err) {
    if (isStatus(err, 404)) throw refuse("ERR_SOURCE", `is not found there by project ${source.projectId}: ${serviceWords(err)}`, err);
    throw refuse("ERR_SOURCE", `cannot be read: ${serviceWords(err)}`, err);
  }
  if (image.status !== "active") throw refuse("ERR_SOURCE", `is ${image.status}, not active: only an active image can be imported`);
  if (image.disk_format !== inputs.diskFormat || image.container_format !== inputs.containerFormat) {
    throw refuse(
      "ERR_SOURCE_FORMAT",
      `is ${image.disk_format ?? "?"}/${image.container_format ?? "?"}, the inputs declare ${inputs.diskFormat}/${inputs.containerFormat}`,
    );
  }
  if (!image.os_hash_value) throw refuse("ERR_SOURCE", "has no os_hash_value to check the copy against");
  const expected = inputs.expectedSha512?.toLowerCase();
  if (expected !== undefined && glanceSha512(image) !== expected) {
    throw refuse("ERR_HASH_MISMATCH", `holds ${image.os_hash_algo ?? "hash"} ${image.os_hash_value}, expectedSha512 is ${expected}`);
  }
  return image;
}

/** A verified, active copy of `importFrom`'s image in this region, untagged (reused when a crash left one). */
export async function importFromRegion(ctx: FlowContext, inputs: GlanceTaggedImageInputs, sourceKey: string): Promise<Image> {
  const from = inputs.importFrom as ImportFrom;
  if (!ctx.sourceGlance) throw new Error("internal error: importFrom without a client of its region");
  // An earlier copy of this origin (same source key; Glance never changes an active image's data) was verified
  // against it when imported: it is re-tagged without reading the origin, which a rollback may find deleted since,
  // as the plan (decide.ts) says.
  const earlier = await reuseHalfMade(ctx, inputs, sourceKey);
  if (earlier) return earlier;
  const image = await readOrigin(ctx, ctx.sourceGlance, inputs);
  const offered = inputs.importMethod === "auto" || inputs.importMethod === "glance-download" ? await offeredMethods(ctx) : [];
  const route = importRoute(inputs, offered, ctx.resourceKey, ctx.region) as ImportRoute;
  const origin: Origin = { region: from.region, image, glanceDownload: route.kind === "glance-download" };
  if (route.kind === "glance-download") return publishImage(ctx, inputs, sourceKey, origin, true);
  ctx.print(`${describeImport(inputs, route)}`);
  if (from.file !== undefined) return publishImage(ctx, { ...inputs, file: from.file }, sourceKey, origin, true);
  const dir = await mkdtemp(join(tmpdir(), "pulumi-amphora-import-"));
  try {
    const file = join(dir, "image");
    await downloadImageToFile(ctx.sourceGlance, image.id, file, { timeoutMs: inputs.timeouts.uploadSeconds * 1000 }).catch((err: unknown) => {
      throw new GlanceTaggedImageError(
        "ERR_SOURCE",
        ctx.resourceKey,
        `importFrom: downloading image ${image.id} of ${from.region} failed (nothing was created here): ${serviceWords(err)}`,
        undefined,
        { cause: err },
      );
    });
    return await publishImage(ctx, { ...inputs, file }, sourceKey, origin, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
