/**
 * Images that become this resource instance's own although another instance (or version 0.1.0) marked them:
 * - before a create, images of the same resource name that no live instance owns: left pending by an interrupted
 *   create (whose instance never reached any state) or released by a delete that left them carrying the tag;
 * - on the first update of state written by version 0.1.0 (markers without an instance), the images that state
 *   names: its current image and the previous ones retention keeps.
 * Claiming rewrites only markers: no image is uploaded, untagged or deleted here.
 */
import { findImage, type Image } from "../glance/images";
import { delay, type FlowContext } from "./context";
import { claimImage, hasResourceKey, INSTANCE_MARKER, isOwnedBy, listMarkedImages, PENDING_MARKER, RELEASED_MARKER } from "./markers";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { short } from "./plan-line";

export async function claimOrphans(ctx: FlowContext): Promise<string[]> {
  const owner = ctx.glance.projectId;
  const pending = await listMarkedImages(ctx.glance, owner, ctx.resourceKey, { [PENDING_MARKER]: "true" });
  const released = await listMarkedImages(ctx.glance, owner, ctx.resourceKey, { [RELEASED_MARKER]: "true" });
  const claimed: string[] = [];
  for (const image of [...pending, ...released]) {
    if (isOwnedBy(image, ctx) || claimed.includes(image.id)) continue;
    const ready = await settled(ctx, image);
    if (!ready) {
      ctx.print(`not taking over ${short(image.id)}: its upload is still under way after ${SETTLE_SECONDS} s (another create of this resource name?)`);
      continue;
    }
    await claimImage(ctx.glance, ready, ctx);
    claimed.push(image.id);
  }
  if (claimed.length) {
    ctx.print(`taking over ${claimed.map(short).join(", ")} (left by an interrupted create or released by a delete of this resource name)`);
  }
  return claimed;
}

/**
 * An upload request that ends writes the image's record as it read it when the request began (a failed stage
 * restores `queued` with Glance's stale copy of the properties), which would undo a claim made while a killed
 * create's upload was still being read: such an image is claimed once its upload has ended.
 */
const SETTLE_SECONDS = 60;
const UPLOADING = new Set(["uploading", "saving"]);

async function settled(ctx: FlowContext, image: Image): Promise<Image | undefined> {
  let current: Image | undefined = image;
  for (let waited = 0; current && UPLOADING.has(current.status); waited += ctx.pollMs) {
    if (waited >= SETTLE_SECONDS * 1000) return undefined;
    await delay(ctx.pollMs);
    current = await findImage(ctx.glance, current.id);
  }
  return current;
}

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
