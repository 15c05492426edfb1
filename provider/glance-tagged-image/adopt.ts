/**
 * Adoption by `imageId`: rollback to an older image, or taking over one uploaded by hand (dynamic resources
 * cannot be `pulumi import`ed). Only images of the session's project, active and with their import done; an
 * image this resource deactivated by retention is reactivated.
 */
import { isStatus } from "../glance/errors";
import { getImage, reactivateImage, type Image } from "../glance/images";
import { waitForImport } from "../glance/imageimport";
import type { FlowContext } from "./context";
import { serviceWords } from "../common/errors";
import { GlanceTaggedImageError } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";
import { isOwnedBy } from "./markers";
import { glanceSha512 } from "./verify";

export async function adoptImage(ctx: FlowContext, inputs: GlanceTaggedImageInputs): Promise<Image> {
  const id = inputs.imageId as string;
  const project = ctx.glance.projectId;
  const refuse = (why: string, cause?: unknown): GlanceTaggedImageError =>
    new GlanceTaggedImageError("ERR_ADOPT", ctx.resourceKey, `cannot adopt image ${id}: ${why}`, id, cause ? { cause } : undefined);
  let image: Image;
  try {
    image = await getImage(ctx.glance, id);
  } catch (err) {
    if (isStatus(err, 404)) throw refuse(`it does not exist or project ${project} cannot see it (${serviceWords(err)})`, err);
    throw err;
  }
  if (image.owner !== project) {
    throw refuse(`it is owned by project ${image.owner ?? "(none)"}, not by ${project} (the session's project); tags of another owner's images are never changed`);
  }
  if (image.os_glance_import_task) {
    image = await waitForImport(ctx.glance, id, { intervalMs: ctx.pollMs, timeoutMs: inputs.timeouts.importSeconds * 1000, allowFailedStores: true });
  }
  if (image.status === "deactivated" && isOwnedBy(image, ctx)) {
    await reactivateImage(ctx.glance, id);
    ctx.print(`reactivated image ${id} (deactivated earlier by retention)`);
    image = await getImage(ctx.glance, id);
  }
  if (image.status !== "active") throw refuse(`its status is ${image.status}, only active images can carry the tag`);
  if (inputs.expectedSha512 !== undefined && glanceSha512(image) !== inputs.expectedSha512.toLowerCase()) {
    throw new GlanceTaggedImageError(
      "ERR_HASH_MISMATCH",
      ctx.resourceKey,
      `image ${id} has ${image.os_hash_algo ?? "hash"} ${image.os_hash_value ?? "-"}, expectedSha512 is ${inputs.expectedSha512.toLowerCase()}`,
      id,
    );
  }
  if (image.disk_format !== inputs.diskFormat) {
    ctx.print(`note: image ${id} is ${image.disk_format ?? "?"}, diskFormat says ${inputs.diskFormat}`);
  }
  return image;
}
