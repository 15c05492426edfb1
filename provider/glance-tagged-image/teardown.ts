/**
 * Delete (destroy, or the delete half of a replacement): the tag leaves the current image and the images this
 * instance created are deleted (protected ones and those carrying another tag are kept); an adopted image (not
 * created here) only loses the tag and gets back what this resource changed on it (adopted.ts); kept tagged for
 * Octavia, it stays in service and gets back only its name and protection. Members
 * this resource added leave the current image. Images of other instances with the same name are never touched.
 *
 * Octavia is never left without an image by it: when no other active image of the project carries the tag (a
 * destroy, or a delete-before-replace), the current image keeps the tag and is released (`keepLastTaggedImage`,
 * default true): the next resource with this name takes it over and moves the tag on. After a create-before-delete
 * replacement the new instance's image carries the tag already, so the old one goes.
 */
import { deleteImageAndData, findImage, type Image } from "../glance/images";
import { restoreAdopted } from "./adopted";
import { legacyImagesOfState } from "./claims";
import type { FlowContext } from "./context";
import { serviceWords } from "../common/errors";
import { isOwnedBy, listOwnImages, releaseImage } from "./markers";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { short } from "./plan-line";
import { imageMembers, removeMembers } from "./sharing";
import { ownImagesWithTag, setTag } from "./tag-move";

/** This instance's images; for state of version 0.1.0 (no instance id), the images it names that carry its marker. */
async function ownedImages(ctx: FlowContext, state: GlanceTaggedImageOutputs): Promise<Image[]> {
  return state.instanceId !== undefined ? listOwnImages(ctx.glance, ctx.glance.projectId, ctx) : legacyImagesOfState(ctx, state);
}

/** The current image, when it is the only active image of the project Octavia's query would find. */
async function lastTagged(ctx: FlowContext, state: GlanceTaggedImageOutputs, owned: readonly Image[]): Promise<Image | undefined> {
  const carrying = (await ownImagesWithTag(ctx, state.tag)).filter((i) => i.status === "active");
  const current = carrying.find((i) => i.id === state.imageId);
  const ownIds = new Set(owned.map((i) => i.id));
  const others = carrying.filter((i) => i.id !== state.imageId && !ownIds.has(i.id));
  return current && others.length === 0 ? current : undefined;
}

/** Members of the state's `members` removed from an image this resource created (those it may keep: protected). */
async function unshareOwn(ctx: FlowContext, state: GlanceTaggedImageOutputs): Promise<string[]> {
  if (!state.members?.length) return [];
  const image = await findImage(ctx.glance, state.imageId);
  if (!image) return [];
  const present = new Set((await imageMembers(ctx, image)).map((m) => m.member_id));
  const gone = state.members.filter((m) => present.has(m));
  await removeMembers(ctx, image.id, gone);
  return gone.length ? [`members: ${gone.map((m) => `-${m}`).join(" ")}`] : [];
}

export async function teardown(ctx: FlowContext, state: GlanceTaggedImageOutputs): Promise<string> {
  const owned = await ownedImages(ctx, state);
  const kept: string[] = [];
  const keep = state.keepLastTaggedImage ? await lastTagged(ctx, state, owned) : undefined;
  const adopted = state.adopted?.imageId === state.imageId ? state.adopted : undefined;
  if (keep) {
    const own = isOwnedBy(keep, ctx) || owned.some((i) => i.id === keep.id);
    if (own) await releaseImage(ctx.glance, keep);
    const fate = own ? `released to the next resource named ${state.resourceKey}` : "adopted, so not released: adopt it again with imageId";
    kept.push(`${short(keep.id)} (still carries tag "${state.tag}": no other active image of project ${ctx.glance.projectId} does, and Octavia would find none; ${fate}; keepLastTaggedImage: false removes it)`);
  } else {
    await setTag(ctx, state.imageId, state.tag, false).catch(() => undefined); // image may be gone already
  }
  // An image that keeps the tag stays in service: what amphorae or Octavia's project may depend on stays (adopted.ts).
  const back = adopted ? await restoreAdopted(ctx, adopted, keep !== undefined) : { restored: keep ? [] : await unshareOwn(ctx, state), left: [] };
  const restored = back.restored;
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const image of owned) {
    if (image.id === keep?.id) continue;
    if (image.protected) {
      if (image.tags.includes(state.tag)) await setTag(ctx, image.id, state.tag, false);
      kept.push(`${short(image.id)} (protected)`);
      continue;
    }
    const otherTags = image.tags.filter((t) => t !== state.tag);
    if (otherTags.length > 0) {
      // Another resource (or an operator) moved its tag here, e.g. a promoted canary: Octavia may boot from it.
      kept.push(`${short(image.id)} (tagged ${otherTags.map((t) => `"${t}"`).join(", ")})`);
      continue;
    }
    try {
      await deleteImageAndData(ctx.glance, image);
      deleted.push(image.id);
    } catch (err) {
      failed.push(`${short(image.id)} (${serviceWords(err)})`);
    }
  }
  const parts = keep ? [] : [`tag "${state.tag}" removed from ${short(state.imageId)}`];
  if (restored.length) parts.push(`${adopted ? "restored" : "unshared"} ${short(state.imageId)}: ${restored.join(", ")}`);
  if (back.left.length) parts.push(`left on ${short(state.imageId)} while it carries the tag (amphorae boot from it; restore by hand once Octavia uses another image): ${back.left.join(", ")}`);
  if (deleted.length) parts.push(`deleted ${deleted.map(short).join(", ")}`);
  if (kept.length) parts.push(`kept ${kept.join(", ")}`);
  if (failed.length) parts.push(`could not delete ${failed.join(", ")}`);
  return parts.join("; ") || "nothing to delete";
}
