/**
 * Delete: the tag leaves the current image; images this resource created (by marker) are deleted unless
 * protected; an adopted image (no marker) only loses the tag.
 */
import { deleteImageAndData } from "../glance/images";
import type { FlowContext } from "./context";
import { glanceMessage } from "./errors";
import { listMarkedImages } from "./markers";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { short } from "./plan-line";
import { setTag } from "./tag-move";

export async function teardown(ctx: FlowContext, state: GlanceTaggedImageOutputs): Promise<string> {
  await setTag(ctx, state.imageId, state.tag, false).catch(() => undefined); // image may be gone already
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
  if (deleted.length) parts.push(`deleted ${deleted.map(short).join(", ")}`);
  if (kept.length) parts.push(`kept ${kept.join(", ")}`);
  if (failed.length) parts.push(`could not delete ${failed.join(", ")}`);
  return parts.join("; ");
}
