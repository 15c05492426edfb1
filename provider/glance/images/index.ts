/**
 * Images: create, get, list (async iterator over pages), update (JSON patch), delete, (de|re)activate.
 *
 * ```ts
 * const image = await createImage(glance, { name: "amphora-x", diskFormat: "qcow2", containerFormat: "bare", tags: ["amphora"] });
 * for await (const i of listImages(glance, { tag: ["amphora", "rotation-7"], sort: "created_at:desc", limit: 100 })) { ... }
 * await updateImage(glance, image.id, [replaceAttribute("name", "amphora-y"), addProperty("hw_rng_model", "virtio")]);
 * await deleteImage(glance, image.id);
 * ```
 */
export * from "./patch";
export * from "./requests";
export * from "./results";
export * from "./wait";
export { nextPageUrl } from "./urls";
