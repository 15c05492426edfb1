/**
 * Image tags, one at a time (replacing the whole list is `updateImage(c, id, [replaceAttribute("tags", [...])])`).
 *
 * ```ts
 * await addImageTag(glance, id, "amphora");
 * await removeImageTag(glance, id, "candidate");
 * ```
 */
export * from "./requests";
