/**
 * The tag move, in the order that keeps Octavia served. Octavia picks its image with
 * `GET /v2/images?tag=<tag>&status=active&owner=<owner>&sort=created_at:desc&limit=2` (newest wins), so:
 *   1. images carrying the tag are classified first; another resource's image (its marker names another resource
 *      key: another stack, or a second resource with the same tag) stops the move before anything changes
 *      (ERR_TAG_CONFLICT), so a conflict leaves the tag where it was;
 *   2. the tag goes onto the target image, which is active with its import done;
 *   3. the images carrying it are listed again: another resource's image appearing now (two resources moving one
 *      tag at the same time) takes the tag back off the target if this move put it there, and fails the same way;
 *   4. only then is it removed from the other images of the owner (exclusive tag): images tagged by hand, images
 *      a delete released, and on a rollback every newer image of this resource, so newest-wins lands on the target.
 * At every instant at least one active image of the owner carries the tag. Images of other owners are never
 * touched, even when an admin token could: they are reported instead.
 *
 * Images of another instance of the same resource name (a replacement the engine has not deleted yet, or a second
 * deployment with the same project, stack and name) are never untagged either: both keep the tag, Octavia takes
 * the newest, and the line printed names them. The image in this resource's state counts as its own.
 */
import { GlanceInputError, isStatus } from "../glance/errors";
import { getImage, listAllImages, replaceAttribute, updateImage, type Image } from "../glance/images";
import { addImageTag, removeImageTag } from "../glance/tags";
import type { FlowContext } from "./context";
import { GlanceTaggedImageError } from "./errors";
import { decideHolders, oldTagRemovals } from "./decide";
import { RESOURCE_MARKER } from "./markers";
import { short } from "./plan-line";

export interface TagMove {
  /** Images of the owner the tag was taken from (besides the target). */
  untagged: string[];
  /** Images of other projects carrying the tag, left alone. */
  foreign: Array<{ id: string; owner: string }>;
  /** Own images the previous tag (after a tag rename) was removed from. */
  oldTagRemoved: string[];
  /** Images of other instances of this resource name that keep the tag (replaced, or a second deployment). */
  siblings: string[];
}

function conflictError(ctx: FlowContext, tag: string, target: Image, others: Image[], removedAgain: boolean): GlanceTaggedImageError {
  const list = others.map((i) => `image ${i.id} of resource ${String(i[RESOURCE_MARKER])}`).join(", ");
  return new GlanceTaggedImageError(
    "ERR_TAG_CONFLICT",
    ctx.resourceKey,
    `tag "${tag}" is also moved by another GlanceTaggedImage resource: ${list} carries it. ` +
      `Nothing was moved: the tag stays where it was${removedAgain ? ` (it was taken off image ${short(target.id)} again)` : ""}, ` +
      `since a resource never takes the tag from another resource's image. Give each resource its own tag, or remove ` +
      `the other resource first (pulumi destroy --target)`,
    target.id,
  );
}

/** Adds or removes one tag; tags Glance cannot take in a URL path go through a JSON patch of `tags`. */
export async function setTag(ctx: FlowContext, imageId: string, tag: string, present: boolean): Promise<void> {
  try {
    if (present) await addImageTag(ctx.glance, imageId, tag);
    else await removeImageTag(ctx.glance, imageId, tag);
  } catch (err) {
    if (!present && isStatus(err, 404)) return; // already gone
    if (!(err instanceof GlanceInputError)) throw err;
    const image = await getImage(ctx.glance, imageId);
    const tags = present ? [...new Set([...image.tags, tag])] : image.tags.filter((t) => t !== tag);
    await updateImage(ctx.glance, imageId, [replaceAttribute("tags", tags)]);
  }
}

/** Images of `owner` carrying `tag`, any status and visibility (Octavia's query without status/sort). */
export function ownImagesWithTag(ctx: FlowContext, tag: string): Promise<Image[]> {
  return listAllImages(ctx.glance, { tag, owner: ctx.glance.projectId, visibility: "all" });
}

export async function moveTag(ctx: FlowContext, target: Image, tag: string, oldTag?: string, stateImageId?: string): Promise<TagMove> {
  const owner = ctx.glance.projectId;
  if (target.owner !== owner || target.status !== "active" || target.os_glance_import_task) {
    throw new GlanceTaggedImageError(
      "ERR_PUBLISH",
      ctx.resourceKey,
      `refusing to tag image ${target.id}: it must be active, import done, owned by ${owner} (status ${target.status}, owner ${target.owner ?? "-"})`,
      target.id,
    );
  }
  const decideOn = (images: Image[]) => decideHolders(ctx, owner, images, target.id, stateImageId);

  const before = decideOn(await ownImagesWithTag(ctx, tag)).conflicts;
  if (before.length) throw conflictError(ctx, tag, target, before, false);
  const added = !target.tags.includes(tag);
  await setTag(ctx, target.id, tag, true);

  const after = decideOn(await ownImagesWithTag(ctx, tag));
  if (after.conflicts.length) {
    if (added) await setTag(ctx, target.id, tag, false);
    throw conflictError(ctx, tag, target, after.conflicts, added);
  }
  const untagged: string[] = [];
  for (const image of after.untag) {
    await setTag(ctx, image.id, tag, false);
    untagged.push(image.id);
  }
  const siblings = after.siblings.map((i) => i.id);
  const foreign = (await listAllImages(ctx.glance, { tag }))
    .filter((i) => i.owner !== owner)
    .map((i) => ({ id: i.id, owner: i.owner ?? "" }));

  const oldTagRemoved: string[] = [];
  if (oldTag !== undefined && oldTag !== tag) {
    for (const image of oldTagRemovals(ctx, await ownImagesWithTag(ctx, oldTag), target.id, stateImageId)) {
      await setTag(ctx, image.id, oldTag, false);
      oldTagRemoved.push(image.id);
    }
  }
  return { untagged, foreign, oldTagRemoved, siblings };
}
