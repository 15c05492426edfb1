/**
 * Retention: previous images of this resource (found in Glance by its marker, newest first, the current image
 * excluded) beyond `retention.keep` get `retention.action`. Protected images are never deleted, images still
 * carrying the tag are never touched, images Octavia's amphorae boot from are kept (amphora-use.ts), and unfinished
 * leftovers of interrupted publishes are deleted.
 */
import { deactivateImage, deleteImageAndData } from "../glance/images";
import type { FlowContext } from "./context";
import { serviceWords } from "../common/errors";
import type { GlanceTaggedImageInputs } from "./inputs";
import { decideRetention, removesImages, type ExpiredImage } from "./decide";
import { listOwnImages } from "./markers";

export interface RetentionOutcome {
  id: string;
  outcome: "kept" | "deactivated" | "deleted" | "protected" | "tagged" | "in-use" | "use-unknown" | "failed";
  detail?: string;
}

export interface RetentionResult {
  /** Previous images inside the window, newest first: `previousImageIds`. */
  kept: string[];
  expired: RetentionOutcome[];
  /** Unfinished images of interrupted publishes that were deleted. */
  leftovers: string[];
  /** Why Octavia's amphorae were not checked, or why images were kept for them without an answer. */
  amphoraUseNote?: string;
}

async function expire(ctx: FlowContext, { image, verdict: what, amphorae }: ExpiredImage): Promise<RetentionOutcome> {
  const id = image.id;
  if (what === "tagged" || what === "protected" || what === "use-unknown") return { id, outcome: what };
  if (what === "in-use") return { id, outcome: what, detail: `${amphorae ?? "some"} amphorae` };
  try {
    if (what === "deactivate") {
      if (image.status === "active") await deactivateImage(ctx.glance, id);
      return { id, outcome: "deactivated" };
    }
    if (what === "delete") {
      await deleteImageAndData(ctx.glance, image);
      return { id, outcome: "deleted" };
    }
    return { id, outcome: "kept" };
  } catch (err) {
    return { id, outcome: "failed", detail: serviceWords(err) };
  }
}

export async function applyRetention(
  ctx: FlowContext,
  currentId: string,
  _tag: string,
  retention: GlanceTaggedImageInputs["retention"],
): Promise<RetentionResult> {
  const own = await listOwnImages(ctx.glance, ctx.glance.projectId, ctx);
  let decision = decideRetention(own, currentId, retention);
  if (removesImages(decision)) decision = decideRetention(own, currentId, retention, await ctx.amphoraUse());
  const leftovers: string[] = [];
  for (const image of decision.leftovers) {
    await deleteImageAndData(ctx.glance, image).then(
      () => leftovers.push(image.id),
      () => undefined,
    );
  }
  const expired: RetentionOutcome[] = [];
  for (const e of decision.expired) expired.push(await expire(ctx, e));
  const note = decision.amphoraUseNote !== undefined ? { amphoraUseNote: decision.amphoraUseNote } : {};
  return { kept: decision.kept.map((i) => i.id), expired, leftovers, ...note };
}
