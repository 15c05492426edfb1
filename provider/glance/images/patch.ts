/**
 * JSON-patch operations for `PATCH /v2/images/{id}` (media type
 * `application/openstack-images-v2.1-json-patch`). An update is a plain list of small ops:
 *
 * ```ts
 * await updateImage(glance, id, [replaceAttribute("name", "amphora-2"), ...propertyPatch(image, { hw_rng_model: "virtio" })]);
 * ```
 * Glance's rules (verified on Zed): `replace`/`remove` of a missing property answer 409 "Property x does not
 * exist."; `add` of an existing one overwrites it. `propertyPatch` picks the op from the current image.
 * Read-only attributes and reserved `os_glance_*` keys answer 403.
 */
import type { Image } from "./results";
import { CORE_IMAGE_ATTRIBUTES, imageProperties } from "./results";

export type ImagePatchOp =
  | { readonly op: "add" | "replace"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string };

export const IMAGE_PATCH_CONTENT_TYPE = "application/openstack-images-v2.1-json-patch";

/** RFC 6901 escaping of one path member. */
const pointer = (name: string): string => `/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`;

/** Sets a core attribute (`name`, `visibility`, `min_disk`, `tags`, `protected`, `os_hidden`, ...). */
export const replaceAttribute = (name: string, value: unknown): ImagePatchOp => ({ op: "replace", path: pointer(name), value });

/** Adds a custom property (overwrites it if present). */
export const addProperty = (key: string, value: string): ImagePatchOp => ({ op: "add", path: pointer(key), value });

/** Changes a custom property the image already has (409 if it has not). */
export const replaceProperty = (key: string, value: string): ImagePatchOp => ({ op: "replace", path: pointer(key), value });

/** Removes a custom property (409 if missing). */
export const removeProperty = (key: string): ImagePatchOp => ({ op: "remove", path: pointer(key) });

/**
 * Ops that turn the image's custom properties into `desired`. Keys absent from `desired` are removed only
 * if listed in `removeKeys` (so properties set by others or by Glance plugins are left alone).
 */
export function propertyPatch(
  current: Image,
  desired: Readonly<Record<string, string>>,
  removeKeys: readonly string[] = [],
): ImagePatchOp[] {
  const have = imageProperties(current, true);
  const ops: ImagePatchOp[] = [];
  for (const [key, value] of Object.entries(desired)) {
    if (!(key in have)) ops.push(addProperty(key, value));
    else if (have[key] !== value) ops.push(replaceProperty(key, value));
  }
  for (const key of removeKeys) {
    if (key in have && !(key in desired) && !CORE_IMAGE_ATTRIBUTES.has(key)) ops.push(removeProperty(key));
  }
  return ops;
}
