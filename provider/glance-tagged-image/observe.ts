/**
 * What Glance shows that an update's decisions depend on (decide.ts), read without changing anything: the state's
 * image, the images carrying the tag (and the old tag on a rename), this instance's images, the import methods.
 * diff reads it so that the plan line says what the update will do; five GETs at most (the fifth: an image to
 * adopt), only for a change.
 */
import { findImage } from "../glance/images";
import type { FlowContext } from "./context";
import type { GlanceView } from "./decide";
import { listOwnImages } from "./markers";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { offeredMethods } from "./publish";
import { ownImagesWithTag } from "./tag-move";

export async function observe(ctx: FlowContext, olds: GlanceTaggedImageOutputs | undefined, tag: string, publishes: boolean, adoptId?: string): Promise<GlanceView> {
  // An image to adopt is read so that the plan says what adopting it changes (or why up will refuse it).
  const adopting = adoptId !== undefined && adoptId !== olds?.imageId;
  const [stateImage, holders, oldHolders, ownImages, importMethods, adoptee] = await Promise.all([
    olds ? findImage(ctx.glance, olds.imageId) : undefined,
    ownImagesWithTag(ctx, tag),
    olds && olds.tag !== tag ? ownImagesWithTag(ctx, olds.tag) : [],
    olds ? listOwnImages(ctx.glance, ctx.glance.projectId, ctx) : [],
    publishes ? offeredMethods(ctx) : undefined,
    adopting ? findImage(ctx.glance, adoptId) : undefined,
  ]);
  return {
    owner: ctx.glance.projectId,
    ...(stateImage ? { stateImage } : {}),
    holders,
    oldHolders,
    ownImages,
    ...(importMethods ? { importMethods } : {}),
    ...(adopting ? { adoptee: adoptee ?? null } : {}),
  };
}
