/**
 * Per-store image data (multi-store deployments). Listing the stores is `getStores` in ../info.
 *
 * ```ts
 * await deleteImageFromStore(glance, "cheap", image.id);
 * ```
 */
export * from "./requests";
