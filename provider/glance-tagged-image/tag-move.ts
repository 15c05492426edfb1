/**
 * The tag move, in the order that keeps Octavia served. Octavia picks its image with
 * `GET /v2/images?tag=<tag>&status=active&owner=<owner>&sort=created_at:desc&limit=2` (newest wins), so:
 *   1. the tag goes onto the target image, which is active with its import done;
 *   2. only then is it removed from every other image of the owner (exclusive tag): images tagged by hand and,
 *      on a rollback, every newer image, so newest-wins lands on the target.
 * At every instant at least one active image of the owner carries the tag. Images of other owners are never
 * touched, even when an admin token could: they are reported instead.
 */
import { GlanceInputError, isStatus } from "../glance/errors";
import { getImage, listAllImages, replaceAttribute, updateImage, type Image } from "../glance/images";
import { addImageTag, removeImageTag } from "../glance/tags";
import type { FlowContext } from "./context";
import { GlanceTaggedImageError } from "./errors";

export interface TagMove {
  /** Images of the owner the tag was taken from (besides the target). */
  untagged: string[];
  /** Images of other projects carrying the tag, left alone. */
  foreign: Array<{ id: string; owner: string }>;
  /** Own images the previous tag (after a tag rename) was removed from. */
  oldTagRemoved: string[];
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

export async function moveTag(ctx: FlowContext, target: Image, tag: string, oldTag?: string): Promise<TagMove> {
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

  const untagged: string[] = [];
  for (const image of await ownImagesWithTag(ctx, tag)) {
    if (image.id === target.id || image.owner !== owner) continue;
    await setTag(ctx, image.id, tag, false);
    untagged.push(image.id);
  }
  const foreign = (await listAllImages(ctx.glance, { tag }))
    .filter((i) => i.owner !== owner)
    .map((i) => ({ id: i.id, owner: i.owner ?? "" }));

  const oldTagRemoved: string[] = [];
  if (oldTag !== undefined && oldTag !== tag) {
    for (const image of await ownImagesWithTag(ctx, oldTag)) {
      await setTag(ctx, image.id, oldTag, false);
      oldTagRemoved.push(image.id);
    }
  }
  return { untagged, foreign, oldTagRemoved };
}
