/**
 * Publishing a new image from `file`, `url` or (glance-download) another region's image: inspect the file (inspect-source.ts), create the record with
 * markers, send the bytes (hashing them in the same pass) or let Glance download them (then inspect what it
 * stored, inspect-stored.ts), wait until the image is active and its import is done, verify hashes, copy an
 * upload to its other stores. Anything that fails after the record exists deletes it again, so a failed publish
 * leaves no queued, importing or half-stored image behind.
 */
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { isStatus, NetworkError, WaitTimeoutError } from "../glance/errors";
import { createImage, getImage, type Image } from "../glance/images";
import { importImage, waitForImport } from "../glance/imageimport";
import { listImportMethods } from "../glance/info";
import type { FlowContext } from "./context";
import { discardImage } from "./discard";
import { serviceWords } from "../common/errors";
import { GlanceTaggedImageError, step } from "./errors";
import { reuseHalfMade } from "./half-made";
import { addDigests, sameVersion, sendFileHashed, SourceChangedError, type SendMethod, type SentFile } from "./hashing-upload";
import type { GlanceTaggedImageInputs } from "./inputs";
import { inspectSource } from "./inspect-source";
import { formatRefusalHint } from "./format-refusal";
import { inspectStored } from "./inspect-stored";
import { markerProperties } from "./markers";
import { convergeStores } from "./stores";
import { checkDeclared, checkDownloaded, checkGlanceHolds, checkSameAsOrigin, digestsToCompare, digestsWhileSending } from "./verify";

export type Method = SendMethod | "web-download" | "glance-download";

/** importFrom: the other region's image the new one must equal, and whether this Glance downloads it itself. */
export interface Origin {
  region: string;
  image: Image;
  glanceDownload: boolean;
}

/** The import methods this Glance offers (`/v2/info/import`); [] when its import API is switched off (only PUT /file then). */
export async function offeredMethods(ctx: Pick<FlowContext, "glance">): Promise<string[]> {
  try {
    return await listImportMethods(ctx.glance);
  } catch (err) {
    if (isStatus(err, 404)) return []; // import API switched off: only PUT /file
    throw err;
  }
}

/** `auto` → glance-direct where `/v2/info/import` offers it, else `PUT /file`; undefined: an explicit method not offered. */
export function chooseMethod(inputs: Pick<GlanceTaggedImageInputs, "url" | "importMethod">, offered: readonly string[]): Method | undefined {
  const wanted = wantedMethod(inputs);
  if (wanted === "upload") return "upload";
  if (wanted === "auto") return offered.includes("glance-direct") ? "glance-direct" : "upload";
  return offered.includes(wanted) ? wanted : undefined;
}

/** The method a file or url publish asks for; `glance-download` is importFrom's, whose upload fallback follows auto's rule. */
function wantedMethod(inputs: Pick<GlanceTaggedImageInputs, "url" | "importMethod">): Method | "auto" {
  if (inputs.url !== undefined) return "web-download";
  return inputs.importMethod === "glance-download" ? "auto" : inputs.importMethod;
}

/** The method a publish of `file` or `url` uses (ERR_IMPORT_METHOD for an explicit one this Glance does not offer). */
export async function resolveMethod(ctx: FlowContext, inputs: GlanceTaggedImageInputs): Promise<Method> {
  if (wantedMethod(inputs) === "upload") return "upload";
  const offered = await offeredMethods(ctx);
  const method = chooseMethod(inputs, offered);
  if (method === undefined) {
    const wanted = wantedMethod(inputs);
    throw new GlanceTaggedImageError(
      "ERR_IMPORT_METHOD",
      ctx.resourceKey,
      `import method ${wanted} is not enabled on this Glance (it offers ${offered.join(", ") || "no import method"})`,
    );
  }
  return method;
}

function storesText(stores: readonly string[] | undefined): string {
  return stores?.length ? `store(s) ${stores.join(", ")}` : "the default store";
}

export async function createRecord(ctx: FlowContext, inputs: GlanceTaggedImageInputs, sourceKey: string): Promise<Image> {
  // `protected` is set only once the image is verified: a protected half-made image could not be deleted.
  // The defaults are explicit: left out, Glance would make the image `shared`.
  return createImage(ctx.glance, {
    name: inputs.name ?? inputs.tag,
    diskFormat: inputs.diskFormat,
    containerFormat: inputs.containerFormat,
    visibility: inputs.visibility ?? "private",
    ...(inputs.minDisk !== undefined ? { minDisk: inputs.minDisk } : {}),
    ...(inputs.minRam !== undefined ? { minRam: inputs.minRam } : {}),
    properties: { ...(inputs.properties ?? {}), ...markerProperties(ctx, sourceKey) },
  });
}

/** Waits for an import to finish; with allStoresMustSucceed false, failed stores are printed, not fatal. */
async function awaitImport(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs): Promise<Image> {
  const done = await waitForImport(ctx.glance, image.id, {
    timeoutMs: inputs.timeouts.importSeconds * 1000,
    intervalMs: ctx.pollMs,
    allowFailedStores: !inputs.allStoresMustSucceed,
  });
  const failed = done.os_glance_failed_import;
  if (failed) ctx.print(`image ${image.id} could not be imported to store(s) ${failed} (allStoresMustSucceed is false); it is in ${done.stores ?? "?"}`);
  return done;
}

/** Where a publish is, for the error when it fails there (a killed Glance, a lost connection, a timeout). */
interface Phase {
  now: string;
}

async function publishFile(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs, method: SendMethod, phase: Phase, inspected?: Stats): Promise<Image> {
  const file = inputs.file as string;
  const stores = inputs.stores;
  let sent: SentFile;
  phase.now = method === "upload" ? "uploading the data (PUT /file)" : "staging the data (PUT /stage)";
  try {
    sent = await sendFileHashed(ctx.glance, image.id, file, {
      method,
      // PUT /file writes one store; the others are added by copy-image afterwards (see convergeStores).
      ...(method === "upload" && stores?.[0] !== undefined ? { store: stores[0] } : {}),
      algorithms: digestsWhileSending(inputs),
      timeoutMs: inputs.timeouts.uploadSeconds * 1000,
      print: ctx.print,
    });
  } catch (err) {
    throw sourceError(ctx, image, file, err);
  }
  if (inspected && !sameVersion(inspected, sent.source)) {
    const why = `it changed between its inspection (${inspected.size} bytes, modified ${inspected.mtime.toISOString()}) and the upload`;
    throw sourceError(ctx, image, file, new SourceChangedError(why));
  }
  phase.now = "verifying the bytes sent";
  checkDeclared(ctx.resourceKey, image.id, inputs, sent.digests);
  let active: Image;
  if (method === "glance-direct") {
    phase.now = "starting the import (POST /import)";
    await importImage(ctx.glance, image.id, {
      method: "glance-direct",
      ...(stores ? { stores } : {}),
      allStoresMustSucceed: inputs.allStoresMustSucceed,
    });
    phase.now = "waiting for the import to finish";
    active = await awaitImport(ctx, image, inputs);
  } else {
    phase.now = "reading the uploaded image";
    active = await getImage(ctx.glance, image.id);
  }
  const wanted = digestsToCompare(active);
  if (wanted.some((algorithm) => sent.digests.hex[algorithm] === undefined)) {
    // This Glance hashes with another algorithm than sha512 (its hashing_algorithm setting).
    phase.now = `reading ${file} again for the ${wanted.join(", ")} Glance compares with`;
    ctx.print(`Glance hashes with ${active.os_hash_algo ?? "md5 only"}; reading ${file} again to compare`);
    try {
      sent = await addDigests(file, sent, wanted);
    } catch (err) {
      throw sourceError(ctx, image, file, err);
    }
  }
  phase.now = "comparing the bytes sent with what Glance holds";
  checkGlanceHolds(ctx.resourceKey, active, inputs, sent.digests);
  if (method === "upload" && stores && stores.length > 1) {
    // Part of the publish, not left to apply's convergeStores: a refused copy (copy-image is admin-only by
    // default) must not leave an active image in the first store for the next run to adopt.
    phase.now = `copying the upload to store(s) ${stores.slice(1).join(", ")} (copy-image)`;
    const opts = {
      allStoresMustSucceed: inputs.allStoresMustSucceed,
      timeoutMs: inputs.timeouts.importSeconds * 1000,
      during: `upload of ${file} to store(s) ${stores.join(", ")}: PUT /file wrote ${stores[0]}`,
    };
    active = (await convergeStores(ctx, active, stores, opts)).image;
  }
  return active;
}

/** A failure reading the source file, as ERR_SOURCE naming the file and the image; other errors unchanged. */
function sourceError(ctx: FlowContext, image: Image, file: string, err: unknown): unknown {
  if (err instanceof Error && "code" in err && (err.code === "ENOENT" || err.code === "EACCES" || err.code === "EISDIR" || err.code === "EIO")) {
    return new GlanceTaggedImageError("ERR_SOURCE", ctx.resourceKey, `cannot read file ${file}: ${err.message}`, image.id, { cause: err });
  }
  if (err instanceof SourceChangedError) {
    return new GlanceTaggedImageError("ERR_SOURCE", ctx.resourceKey, `file ${file} cannot be published as image ${image.id}: ${err.message}`, image.id, { cause: err });
  }
  return err;
}

async function publishGlanceDownload(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs, origin: Origin, phase: Phase): Promise<Image> {
  phase.now = `starting the glance-download import from ${origin.region} (POST /import)`;
  await importImage(ctx.glance, image.id, {
    method: "glance-download",
    region: origin.region,
    imageId: origin.image.id,
    ...(inputs.stores ? { stores: inputs.stores } : {}),
    allStoresMustSucceed: inputs.allStoresMustSucceed,
  });
  phase.now = `waiting for the glance-download import from ${origin.region} to finish`;
  return awaitImport(ctx, image, inputs);
}

async function publishUrl(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs, phase: Phase): Promise<Image> {
  phase.now = "starting the web-download import (POST /import)";
  await importImage(ctx.glance, image.id, {
    method: "web-download",
    uri: inputs.url as string,
    ...(inputs.stores ? { stores: inputs.stores } : {}),
    allStoresMustSucceed: inputs.allStoresMustSucceed,
  });
  phase.now = "waiting for the web-download import to finish";
  const active = await awaitImport(ctx, image, inputs);
  phase.now = "comparing Glance's hash with expectedSha512";
  checkDownloaded(ctx.resourceKey, active, inputs.expectedSha512);
  phase.now = "inspecting what Glance stored";
  await inspectStored(ctx, active, inputs);
  return active;
}

function publishError(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs, method: Method, err: unknown, fate: string, phase: Phase, hint: string): Error {
  if (err instanceof GlanceTaggedImageError) {
    // Ours already names the image and what was wrong; say what became of the image.
    return new GlanceTaggedImageError(err.code, err.resourceKey, `${err.detail}; ${fate}`, err.imageId ?? image.id, { cause: err.cause ?? err });
  }
  const what =
    method === "web-download"
      ? `web-download of ${inputs.url}`
      : method === "glance-download"
        ? `glance-download of image ${inputs.importFrom?.imageId} from ${inputs.importFrom?.region}`
        : `${method} of ${inputs.file}`;
  const why =
    err instanceof WaitTimeoutError
      ? `the import did not finish within ${inputs.timeouts.importSeconds} s (timeouts.importSeconds; last state ${err.lastState})`
      : `${serviceWords(err)}${hint}`;
  return new GlanceTaggedImageError(
    "ERR_PUBLISH",
    ctx.resourceKey,
    `${what} as image ${image.id} to ${storesText(inputs.stores)} failed while ${phase.now}: ${why}; ${fate}`,
    image.id,
    { cause: err },
  );
}

async function assertReadable(ctx: FlowContext, file: string): Promise<void> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error("not a regular file");
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GlanceTaggedImageError("ERR_SOURCE", ctx.resourceKey, `cannot read file ${file} (nothing was created): ${why}`, undefined, { cause: err });
  }
}

/**
 * Sends the data into an existing, queued image record and verifies it; on failure the record is deleted and the
 * error names the image, the stores and Glance's message. With an `origin` (importFrom) the image must hold the
 * same data as the other region's image, or it is deleted too. (Exported for tests that plant a failure first.)
 */
export async function fillImage(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs, method: Method, inspected?: Stats, origin?: Origin): Promise<Image> {
  const from = method === "glance-download" && origin ? ` from image ${origin.image.id} of ${origin.region}` : "";
  ctx.print(`publishing image ${image.id} by ${method}${from} to ${storesText(inputs.stores)}`);
  const phase: Phase = { now: "starting" };
  try {
    const active =
      method === "web-download"
        ? await publishUrl(ctx, image, inputs, phase)
        : method === "glance-download"
          ? await publishGlanceDownload(ctx, image, inputs, origin as Origin, phase)
          : await publishFile(ctx, image, inputs, method, phase, inspected);
    if (origin) {
      phase.now = `comparing the image with image ${origin.image.id} of ${origin.region}`;
      checkSameAsOrigin(ctx.resourceKey, active, origin.image, origin.region);
    }
    return active;
  } catch (err) {
    const hint = await formatRefusalHint(ctx.glance, inputs, err);
    if (inputs.keepFailedImages) {
      ctx.print(`kept image ${image.id} after the failed publish (keepFailedImages)`);
      throw publishError(ctx, image, inputs, method, err, "the image was kept (keepFailedImages)", phase, hint);
    }
    const deleted = await discardImage(ctx, image.id, "publish failed");
    throw publishError(
      ctx,
      image,
      inputs,
      method,
      err,
      deleted
        ? "the image was deleted"
        : "the image could not be deleted now; the next run of this resource deletes it (it carries this resource's marker)",
      phase,
      hint,
    );
  }
}

/**
 * A verified, active image of `inputs`' file or url, or of `origin` (importFrom), import done, untagged (reused
 * when a crash left one).
 */
export async function publishImage(
  ctx: FlowContext,
  inputs: GlanceTaggedImageInputs,
  sourceKey: string,
  origin?: Origin,
  /** The caller looked for earlier images of this source already (importFrom does before reading its origin). */
  earlierSought = false,
): Promise<Image> {
  if (inputs.file !== undefined) await assertReadable(ctx, inputs.file);
  // Before anything is asked of Glance, and before an earlier image of this source can be adopted.
  const inspected = inputs.file !== undefined ? await inspectSource(ctx, inputs) : undefined;
  const reused = earlierSought ? undefined : await reuseHalfMade(ctx, inputs, sourceKey, origin);
  if (reused) return reused;
  const method = origin?.glanceDownload ? "glance-download" : await resolveMethod(ctx, inputs);
  const record = await step(ctx.resourceKey, "creating the image record", undefined, () =>
    createRecord(ctx, inputs, sourceKey).catch((err: unknown) => {
      if (!(err instanceof NetworkError)) throw err;
      // No answer: the request may still have created the image. It carries this resource's markers.
      throw new GlanceTaggedImageError(
        "ERR_GLANCE",
        ctx.resourceKey,
        `creating the image record failed: ${serviceWords(err)}; no answer came, so Glance may have created it ` +
          `anyway: such an image carries this resource's marker and the next run deletes it`,
        undefined,
        { cause: err },
      );
    }),
  );
  return fillImage(ctx, record, inputs, method, inspected, origin);
}
