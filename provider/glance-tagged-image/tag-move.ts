/**
 * The tag move, in the order that keeps Octavia served. Octavia picks its image with
 * `GET /v2/images?tag=<tag>&status=active&owner=<owner>&sort=created_at:desc&limit=2` (newest wins), so:
 *   1. the tag goes onto the target image, which is active with its import done;
 *   2. only then is it removed from every other image of the owner (exclusive tag): images tagged by hand and,
 *      on a rollback, every newer image, so newest-wins lands on the target.
 * At every instant at least one active image of the owner carries the tag. Images of other owners are never
 * touched, even when an admin token could: they are reported instead.
 *
 * Images another GlanceTaggedImage resource made (their marker names another resource key: another stack, or a
 * second resource with the same tag) are never untagged either. Two resources moving one tag at the same time
 * would otherwise each take it from the other's new image and leave none tagged; instead both keep it (Octavia
 * takes the newest) and the move fails with ERR_TAG_CONFLICT naming the other resource, once this resource's
 * own work (tag on the target, tag off its other images) is done. The image in this resource's state counts as
 * its own whatever its marker says (a resource renamed with an alias keeps the images it has).
 */
import { GlanceInputError, isStatus } from "../glance/errors";
import { getImage, listAllImages, replaceAttribute, updateImage, type Image } from "../glance/images";
import { addImageTag, removeImageTag } from "../glance/tags";
import type { FlowContext } from "./context";
import { GlanceTaggedImageError } from "./errors";
import { isMarkedBy, RESOURCE_MARKER } from "./markers";
import { short } from "./plan-line";

export interface TagMove {
  /** Images of the owner the tag was taken from (besides the target). */
  untagged: string[];
  /** Images of other projects carrying the tag, left alone. */
  foreign: Array<{ id: string; owner: string }>;
  /** Own images the previous tag (after a tag rename) was removed from. */
  oldTagRemoved: string[];
}

/** The resource marker of an image another GlanceTaggedImage resource made, or undefined. */
function otherResource(ctx: FlowContext, image: Image, own: ReadonlySet<string>): string | undefined {
  const marker = image[RESOURCE_MARKER];
  if (typeof marker !== "string" || marker === "" || own.has(image.id) || isMarkedBy(image, ctx.resourceKey)) return undefined;
  return marker;
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
  await setTag(ctx, target.id, tag, true);

  const own = new Set([target.id, ...(stateImageId !== undefined ? [stateImageId] : [])]);
  const conflicts: Array<{ id: string; resource: string; tag: string }> = [];
  const untagged: string[] = [];
  for (const image of await ownImagesWithTag(ctx, tag)) {
    if (image.id === target.id || image.owner !== owner) continue;
    const other = otherResource(ctx, image, own);
    if (other !== undefined) {
      conflicts.push({ id: image.id, resource: other, tag });
      continue;
    }
    await setTag(ctx, image.id, tag, false);
    untagged.push(image.id);
  }
  const foreign = (await listAllImages(ctx.glance, { tag }))
    .filter((i) => i.owner !== owner)
    .map((i) => ({ id: i.id, owner: i.owner ?? "" }));

  const oldTagRemoved: string[] = [];
  if (oldTag !== undefined && oldTag !== tag) {
    for (const image of await ownImagesWithTag(ctx, oldTag)) {
      if (otherResource(ctx, image, own) !== undefined) continue; // another resource's tag now, not ours to take
      await setTag(ctx, image.id, oldTag, false);
      oldTagRemoved.push(image.id);
    }
  }
  if (conflicts.length) {
    const others = conflicts.map((c) => `image ${c.id} of resource ${c.resource}`).join(", ");
    throw new GlanceTaggedImageError(
      "ERR_TAG_CONFLICT",
      ctx.resourceKey,
      `tag "${tag}" is also moved by another GlanceTaggedImage resource: ${others} carries it. ` +
        `It was left there (a resource never takes the tag from another resource's image, so that Octavia's query ` +
        `always finds one); image ${short(target.id)} of this resource carries it too, and Octavia uses the newest. ` +
        `Give each resource its own tag, or remove one of them (pulumi destroy --target, or pulumi state delete ` +
        `after untagging its image)`,
      target.id,
    );
  }
  return { untagged, foreign, oldTagRemoved };
}
