/**
 * Delete: the tag leaves the current image; images this resource created (by marker) are deleted unless
 * protected; an adopted image (no marker) only loses the tag and gets back what this resource changed on it
 * (adopted.ts). Members this resource added leave the current image either way.
 */
import { isStatus } from "../glance/errors";
import { deleteImageAndData, getImage } from "../glance/images";
import { restoreAdopted } from "./adopted";
import type { FlowContext } from "./context";
import { glanceMessage } from "./errors";
import { listMarkedImages } from "./markers";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { short } from "./plan-line";
import { imageMembers, removeMembers } from "./sharing";
import { setTag } from "./tag-move";

/** Members of the state's `members` removed from an image this resource created (those it may keep: protected). */
async function unshareOwn(ctx: FlowContext, state: GlanceTaggedImageOutputs): Promise<string[]> {
  if (!state.members?.length) return [];
  const image = await getImage(ctx.glance, state.imageId).catch((err: unknown) => {
    if (isStatus(err, 404)) return undefined;
    throw err;
  });
  if (!image) return [];
  const present = new Set((await imageMembers(ctx, image)).map((m) => m.member_id));
  const gone = state.members.filter((m) => present.has(m));
  await removeMembers(ctx, image.id, gone);
  return gone.length ? [`members: ${gone.map((m) => `-${m}`).join(" ")}`] : [];
}

export async function teardown(ctx: FlowContext, state: GlanceTaggedImageOutputs): Promise<string> {
  await setTag(ctx, state.imageId, state.tag, false).catch(() => undefined); // image may be gone already
  // Only once the tag is off: a restored visibility or a removed member must not reach an image Octavia uses.
  const adopted = state.adopted?.imageId === state.imageId ? state.adopted : undefined;
  const restored = adopted ? await restoreAdopted(ctx, adopted) : await unshareOwn(ctx, state);
  const deleted: string[] = [];
  const kept: string[] = [];
  const failed: string[] = [];
  for (const image of await listMarkedImages(ctx.glance, ctx.glance.projectId, ctx.resourceKey)) {
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
      failed.push(`${short(image.id)} (${glanceMessage(err)})`);
    }
  }
  const parts = [`tag "${state.tag}" removed from ${short(state.imageId)}`];
  if (restored.length) parts.push(`${adopted ? "restored" : "unshared"} ${short(state.imageId)}: ${restored.join(", ")}`);
  if (deleted.length) parts.push(`deleted ${deleted.map(short).join(", ")}`);
  if (kept.length) parts.push(`kept ${kept.join(", ")}`);
  if (failed.length) parts.push(`could not delete ${failed.join(", ")}`);
  return parts.join("; ");
}
