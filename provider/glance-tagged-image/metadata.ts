import { propertyPatch, replaceAttribute, updateImage, type Image, type ImagePatchOp } from "../glance/images";
import type { FlowContext } from "./context";
import type { GlanceTaggedImageInputs } from "./inputs";

/**
 * JSON-patch ops that make the image's attributes match the inputs. Properties the previous inputs set and the
 * new ones dropped are removed; properties set by others (or by Glance plugins) are left alone. `name`,
 * `minDisk` and `minRam` are only changed when given.
 */
export function metadataPatch(image: Image, inputs: GlanceTaggedImageInputs, previousProperties: Record<string, string> = {}): ImagePatchOp[] {
  const ops: ImagePatchOp[] = [];
  if (inputs.name !== undefined && image.name !== inputs.name) ops.push(replaceAttribute("name", inputs.name));
  if (image.visibility !== inputs.visibility) ops.push(replaceAttribute("visibility", inputs.visibility));
  if (inputs.minDisk !== undefined && image.min_disk !== inputs.minDisk) ops.push(replaceAttribute("min_disk", inputs.minDisk));
  if (inputs.minRam !== undefined && image.min_ram !== inputs.minRam) ops.push(replaceAttribute("min_ram", inputs.minRam));
  ops.push(...propertyPatch(image, inputs.properties, Object.keys(previousProperties)));
  if (image.protected !== inputs.protected) ops.push(replaceAttribute("protected", inputs.protected));
  return ops;
}

export async function convergeMetadata(
  ctx: FlowContext,
  image: Image,
  inputs: GlanceTaggedImageInputs,
  previousProperties?: Record<string, string>,
): Promise<Image> {
  const ops = metadataPatch(image, inputs, previousProperties);
  return ops.length ? updateImage(ctx.glance, image.id, ops) : image;
}
