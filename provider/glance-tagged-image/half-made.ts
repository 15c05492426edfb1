/**
 * Crash safety: before publishing, look for images this resource already made from the same source (a create
 * killed after Glance had the image but before the engine wrote state). A finished, verified one is adopted
 * instead of uploading a duplicate; unfinished ones are deleted so that the upload starts clean.
 */
import { hashFileWith } from "../common/digests";
import { getImage, reactivateImage, type Image } from "../glance/images";
import { waitForImport } from "../glance/imageimport";
import type { FlowContext } from "./context";
import { discardImage } from "./discard";
import type { GlanceTaggedImageInputs } from "./inputs";
import { listOwnImages } from "./markers";
import type { Origin } from "./publish";
import { differences, digestsToCompare, glanceSha512, sameData } from "./verify";

const FINISHED = new Set(["active", "deactivated"]);

/** Why a finished image cannot stand for `inputs`' source, or undefined when it can. */
async function mismatch(image: Image, inputs: GlanceTaggedImageInputs, origin?: Origin): Promise<string | undefined> {
  if (image.disk_format !== inputs.diskFormat || image.container_format !== inputs.containerFormat) return "other format";
  const held = glanceSha512(image);
  if (inputs.expectedSha512 !== undefined && held !== inputs.expectedSha512.toLowerCase()) return "sha512 differs from expectedSha512";
  if (origin && !sameData(image, origin.image)) return `its data differs from image ${origin.image.id} of ${origin.region}`;
  if (inputs.file === undefined) return undefined;
  // Re-reading the file costs one local pass, far cheaper than a second upload; only what is compared is hashed.
  const algorithms = new Set([...digestsToCompare(image), ...(inputs.expectedSha256 !== undefined ? ["sha256"] : [])]);
  const local = await hashFileWith(inputs.file, [...algorithms]).catch(() => undefined);
  if (!local) return "source file unreadable";
  if (inputs.expectedSha256 !== undefined && local.hex.sha256 !== inputs.expectedSha256.toLowerCase()) return "file differs from expectedSha256";
  const differing = differences(image, local, "file");
  return differing.length ? `the file differs from it (${differing.join("; ")})` : undefined;
}

/** An earlier, finished image of the same source, ready to tag; unfinished leftovers are deleted. */
export async function reuseHalfMade(
  ctx: FlowContext,
  inputs: GlanceTaggedImageInputs,
  sourceKey: string,
  origin?: Origin,
): Promise<Image | undefined> {
  const found = await listOwnImages(ctx.glance, ctx.glance.projectId, ctx, sourceKey);
  let chosen: Image | undefined;
  for (const image of found) {
    if (!FINISHED.has(image.status)) {
      await discardImage(ctx, image.id, `left ${image.status} by an interrupted publish`);
      continue;
    }
    if (chosen) continue; // an older finished duplicate stays history, handled by retention
    let candidate = image;
    if (candidate.os_glance_import_task) {
      candidate = await waitForImport(ctx.glance, image.id, { intervalMs: ctx.pollMs, timeoutMs: inputs.timeouts.importSeconds * 1000, allowFailedStores: true });
    }
    const problem = await mismatch(candidate, inputs, origin);
    if (problem) {
      if (!candidate.protected && candidate.tags.length === 0) await discardImage(ctx, candidate, `earlier publish of this source, ${problem}`);
      continue;
    }
    if (candidate.status === "deactivated") {
      await reactivateImage(ctx.glance, candidate.id);
      candidate = await getImage(ctx.glance, candidate.id);
    }
    ctx.print(`adopting image ${candidate.id} published earlier from the same source (no new upload)`);
    chosen = candidate;
  }
  return chosen;
}
