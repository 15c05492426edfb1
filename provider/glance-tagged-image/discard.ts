import { isStatus } from "../glance/errors";
import { deleteImageAndData } from "../glance/images";
import type { FlowContext } from "./context";
import { serviceWords } from "../common/errors";

/** Deletes an image this resource made and no longer wants; a failure is printed, never thrown over the real error. */
export async function discardImage(
  ctx: FlowContext,
  image: string | { id: string; status: string },
  why: string,
): Promise<boolean> {
  const imageId = typeof image === "string" ? image : image.id;
  try {
    await deleteImageAndData(ctx.glance, typeof image === "string" ? { id: image, status: "unknown" } : image);
    ctx.print(`deleted image ${imageId} (${why})`);
    return true;
  } catch (err) {
    if (isStatus(err, 404)) return true;
    ctx.print(`could not delete image ${imageId} (${why}): ${serviceWords(err)}`);
    return false;
  }
}
