/**
 * What `refresh` finds changed behind the resource's back. The image gone means the resource is gone; the rest
 * becomes `drift` entries, which diff turns into a planned repair and update clears.
 */
import { isStatus } from "../glance/errors";
import { getImage, imageStores, isGoneStatus, type Image } from "../glance/images";
import type { FlowContext } from "./context";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { ofOtherResources, short } from "./plan-line";
import { imageMembers, memberStatus } from "./sharing";
import { ownImagesWithTag } from "./tag-move";
import { decideHolders } from "./decide";

export type DriftReport =
  | { gone: true }
  /** `notes`: what refresh saw that is no drift (another instance's or resource's image carrying the tag). */
  | { gone: false; image: Image; drift: string[]; notes: string[]; memberStatus: Record<string, string> }
  /** Glance answered 404 to a session of another project than the image's owner: it may well exist. */
  | { gone: false; unseen: string };

export async function detectDrift(ctx: FlowContext, state: GlanceTaggedImageOutputs): Promise<DriftReport> {
  let image: Image;
  try {
    image = await getImage(ctx.glance, state.imageId);
  } catch (err) {
    if (!isStatus(err, 404)) throw err;
    if (state.ownerId === "" || state.ownerId === ctx.glance.projectId) return { gone: true };
    return {
      gone: false,
      unseen: `cannot see image ${state.imageId}: it belongs to project ${state.ownerId} and this session is project ${ctx.glance.projectId} (another cloud or credentials?); kept in state`,
    };
  }
  if (isGoneStatus(image.status)) return { gone: true };

  const drift: string[] = [];
  const id = short(image.id);
  if (!image.tags.includes(state.tag)) drift.push(`tag "${state.tag}" removed from ${id}`);
  // Only what an update takes the tag off is drift; another instance's or resource's image stays tagged (tag-move.ts).
  const holders = decideHolders(ctx, ctx.glance.projectId, await ownImagesWithTag(ctx, state.tag), image.id, image.id);
  if (holders.untag.length) drift.push(`tag "${state.tag}" also on ${holders.untag.map((i) => short(i.id)).join(", ")}`);
  const notes: string[] = [];
  if (holders.siblings.length) {
    notes.push(`tag "${state.tag}" also on ${holders.siblings.map((i) => short(i.id)).join(", ")} of another instance of this resource name, left tagged (Octavia takes the newest)`);
  }
  if (holders.conflicts.length) {
    notes.push(`tag "${state.tag}" also on ${ofOtherResources(holders.conflicts)}: the next update that moves the tag fails (ERR_TAG_CONFLICT)`);
  }
  if (image.status !== "active") drift.push(`${id} is ${image.status}`);
  const stores = imageStores(image).sort();
  if (stores.join(",") !== [...state.stores].sort().join(",")) {
    drift.push(`stores of ${id} are ${stores.join(",") || "none"} (were ${state.stores.join(",") || "none"})`);
  }
  const members = await imageMembers(ctx, image);
  const missing = image.visibility === "shared" ? (state.members ?? []).filter((m) => !members.some((x) => x.member_id === m)) : [];
  if (missing.length) drift.push(`${id} is no longer shared with ${missing.join(", ")}`);
  return { gone: false, image, drift, notes, memberStatus: memberStatus(members) };
}
