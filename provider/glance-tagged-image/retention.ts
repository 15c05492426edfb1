/**
 * Retention: previous images of this resource (found in Glance by its marker, newest first, the current image
 * excluded) beyond `retention.keep` get `retention.action`. Protected images are never deleted, images still
 * carrying the tag are never touched, and unfinished leftovers of interrupted publishes are deleted.
 */
import { deactivateImage, deleteImageAndData, type Image } from "../glance/images";
import type { FlowContext } from "./context";
import { serviceWords } from "../common/errors";
import type { GlanceTaggedImageInputs } from "./inputs";
import { decideRetention, verdict } from "./decide";
import { listOwnImages } from "./markers";

export interface RetentionOutcome {
  id: string;
  outcome: "kept" | "deactivated" | "deleted" | "protected" | "tagged" | "failed";
  detail?: string;
}

export interface RetentionResult {
  /** Previous images inside the window, newest first: `previousImageIds`. */
  kept: string[];
  expired: RetentionOutcome[];
  /** Unfinished images of interrupted publishes that were deleted. */
  leftovers: string[];
}

async function expire(ctx: FlowContext, image: Image, action: GlanceTaggedImageInputs["retention"]["action"]): Promise<RetentionOutcome> {
  const id = image.id;
  const what = verdict(image, action);
  if (what === "tagged" || what === "protected") return { id, outcome: what };
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
  const decision = decideRetention(await listOwnImages(ctx.glance, ctx.glance.projectId, ctx), currentId, retention);
  const leftovers: string[] = [];
  for (const image of decision.leftovers) {
    await deleteImageAndData(ctx.glance, image).then(
      () => leftovers.push(image.id),
      () => undefined,
    );
  }
  const expired: RetentionOutcome[] = [];
  for (const { image } of decision.expired) expired.push(await expire(ctx, image, retention.action));
  return { kept: decision.kept.map((i) => i.id), expired, leftovers };
}
