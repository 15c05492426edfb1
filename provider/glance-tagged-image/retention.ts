/**
 * Retention: previous images of this resource (found in Glance by its marker, newest first, the current image
 * excluded) beyond `retention.keep` get `retention.action`. Protected images are never deleted, images still
 * carrying the tag are never touched, and unfinished leftovers of interrupted publishes are deleted.
 */
import { deactivateImage, deleteImageAndData, type Image } from "../glance/images";
import type { FlowContext } from "./context";
import { glanceMessage } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";
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

const FINISHED = new Set(["active", "deactivated"]);

async function expire(ctx: FlowContext, image: Image, action: GlanceTaggedImageInputs["retention"]["action"]): Promise<RetentionOutcome> {
  const id = image.id;
  // Any tag may be what another resource or Octavia looks for (e.g. a canary promoted to the main tag).
  if (image.tags.length > 0) return { id, outcome: "tagged" };
  try {
    if (action === "deactivate") {
      if (image.status === "active") await deactivateImage(ctx.glance, id);
      return { id, outcome: "deactivated" };
    }
    if (action === "delete") {
      if (image.protected) return { id, outcome: "protected" };
      await deleteImageAndData(ctx.glance, image);
      return { id, outcome: "deleted" };
    }
    return { id, outcome: "kept" };
  } catch (err) {
    return { id, outcome: "failed", detail: glanceMessage(err) };
  }
}

export async function applyRetention(
  ctx: FlowContext,
  currentId: string,
  tag: string,
  retention: GlanceTaggedImageInputs["retention"],
): Promise<RetentionResult> {
  const marked = await listOwnImages(ctx.glance, ctx.glance.projectId, ctx);
  const history: Image[] = [];
  const leftovers: string[] = [];
  for (const image of marked) {
    if (image.id === currentId) continue;
    if (FINISHED.has(image.status)) history.push(image);
    else {
      await deleteImageAndData(ctx.glance, image).then(
        () => leftovers.push(image.id),
        () => undefined,
      );
    }
  }
  const kept = history.slice(0, retention.keep).map((i) => i.id);
  const expired: RetentionOutcome[] = [];
  for (const image of history.slice(retention.keep)) expired.push(await expire(ctx, image, retention.action));
  return { kept, expired, leftovers };
}
