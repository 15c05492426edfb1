/** Inputs and state as the engine hands them over, and the one mapper from Glance's image to outputs. */
import { parseChecked, parseState } from "../common/provider-io";
import { imageStores, type Image } from "../glance/images";
import { attributesOf } from "./attributes";
import { glanceTaggedImageInputsSchema, type GlanceTaggedImageInputs } from "./inputs";
import { glanceTaggedImageOutputsSchema, octaviaConfigSnippet, type GlanceTaggedImageOutputs } from "./outputs";

export function parseInputs(raw: Record<string, unknown>): GlanceTaggedImageInputs {
  return parseChecked(glanceTaggedImageInputsSchema(), raw);
}

/** Undefined when the state was written by an incompatible version (the update then starts over). */
export function parseOutputs(raw: Record<string, unknown>): GlanceTaggedImageOutputs | undefined {
  return parseState(glanceTaggedImageOutputsSchema(), raw);
}

type ImageFacts = Pick<
  GlanceTaggedImageOutputs,
  "imageId" | "ownerId" | "status" | "size" | "virtualSize" | "checksum" | "osHashAlgo" | "osHashValue" | "stores" | "createdAt" | "octavia"
> & { attributes: NonNullable<GlanceTaggedImageOutputs["attributes"]> };

/** What Glance says about the image, with Octavia's settings for it (never undefined: "" and 0 instead). */
export function imageFacts(image: Image, tag: string): ImageFacts {
  // amp_image_owner_id is always set: without it, a newer image of another project carrying the same tag
  // (public, or shared with Octavia's project) would win Octavia's newest-wins query.
  const owner = image.owner ?? "";
  return {
    imageId: image.id,
    ownerId: owner,
    status: image.status,
    size: image.size ?? 0,
    virtualSize: image.virtual_size ?? 0,
    checksum: image.checksum ?? "",
    osHashAlgo: image.os_hash_algo ?? "",
    osHashValue: image.os_hash_value ?? "",
    stores: imageStores(image).sort(),
    createdAt: image.created_at,
    attributes: attributesOf(image),
    octavia: { ampImageTag: tag, ampImageOwnerId: owner, ampImageId: image.id, configSnippet: octaviaConfigSnippet(tag, owner) },
  };
}

export function toOutputs(
  inputs: GlanceTaggedImageInputs,
  image: Image,
  extra: Pick<GlanceTaggedImageOutputs, "previousImageIds" | "sourceKey" | "drift" | "adopted" | "memberStatus">,
): GlanceTaggedImageOutputs {
  const { stores: _requested, ...recorded } = inputs;
  const outputs: GlanceTaggedImageOutputs = { ...recorded, ...imageFacts(image, inputs.tag), memberStatus: {}, ...extra };
  // The host cannot carry undefined: unset inputs and an absent `adopted` are left out.
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined)) as GlanceTaggedImageOutputs;
}
