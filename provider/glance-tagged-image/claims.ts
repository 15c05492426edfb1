/**
 * Images that become this resource instance's own although another instance (or version 0.1.0) marked them:
 * - before a create, images of the same resource name that no live instance owns: left pending by an interrupted
 *   create (whose instance never reached any state) or released by a delete that left them carrying the tag;
 * - on the first update of state written by version 0.1.0 (markers without an instance), the images that state
 *   names: its current image and the previous ones retention keeps.
 * Claiming rewrites only markers: no image is uploaded or untagged here; an orphan whose data never arrived is
 * deleted instead of claimed.
 */
import { findImage, type Image } from "../glance/images";
import type { FlowContext } from "./context";
import { discardImage } from "./discard";
import { claimImage, hasResourceKey, INSTANCE_MARKER, isOwnedBy, listMarkedImages, PENDING_MARKER, RELEASED_MARKER } from "./markers";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { short } from "./plan-line";

export async function claimOrphans(ctx: FlowContext): Promise<string[]> {
  const owner = ctx.glance.projectId;
  const pending = await listMarkedImages(ctx.glance, owner, ctx.resourceKey, { [PENDING_MARKER]: "true" });
  const released = await listMarkedImages(ctx.glance, owner, ctx.resourceKey, { [RELEASED_MARKER]: "true" });
  const claimed: string[] = [];
  const seen = new Set<string>();
  for (const image of [...pending, ...released]) {
    if (isOwnedBy(image, ctx) || seen.has(image.id)) continue;
    seen.add(image.id);
    if (withoutData(image)) {
      await discardImage(ctx, image, `left ${image.status} by an interrupted publish`);
      continue;
    }
    await claimImage(ctx.glance, image, ctx);
    claimed.push(image.id);
  }
  if (claimed.length) {
    ctx.print(`taking over ${claimed.map(short).join(", ")} (left by an interrupted create or released by a delete of this resource name)`);
  }
  return claimed;
}

/**
 * An image whose data never arrived is deleted by id rather than claimed: Glance ends a killed client's upload by
 * saving the record it read when the request began (a failed stage restores `queued` with its stale properties),
 * which would undo a claim made meanwhile, while a deleted record stays deleted. Whether the upload is still being
 * read (a create killed a moment ago) or died with Glance (left `uploading` for good) cannot be told from the API.
 */
function withoutData(image: Image): boolean {
  return NO_DATA.has(image.status) && !image.os_glance_import_task;
}
const NO_DATA = new Set(["queued", "uploading", "saving"]);

/** State of version 0.1.0: its images get this instance's marker; the tag and the images stay as they are. */
export async function claimLegacyState(ctx: FlowContext, olds: GlanceTaggedImageOutputs): Promise<string[]> {
  const claimed: string[] = [];
  for (const image of await legacyImagesOfState(ctx, olds)) {
    await claimImage(ctx.glance, image, ctx);
    claimed.push(image.id);
  }
  if (claimed.length) ctx.print(`state of version 0.1.0: ${claimed.map(short).join(", ")} marked as this resource instance's (no upload, the tag stays)`);
  return claimed;
}

/** The images a state of version 0.1.0 names (current and previous) that still carry only its resource marker. */
export async function legacyImagesOfState(ctx: FlowContext, state: GlanceTaggedImageOutputs): Promise<Image[]> {
  const images: Image[] = [];
  for (const id of new Set([state.imageId, ...state.previousImageIds])) {
    const image = await findImage(ctx.glance, id);
    if (image && hasResourceKey(image, state.resourceKey) && image[INSTANCE_MARKER] === undefined) images.push(image);
  }
  return images;
}
