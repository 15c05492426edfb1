/** Which stores an import writes to (multi-store only; omit all for the default store). */
export interface ImportStores {
  stores?: readonly string[];
  /** Import to every store (`all_stores`); excludes `stores`. */
  allStores?: boolean;
  /**
   * Fail the whole import when any store fails (Glance's default is true). Caution: with glance-direct a
   * failing store then leaves the image stuck in `importing` (see waitForImport).
   */
  allStoresMustSucceed?: boolean;
}

export type ImportImageOptions = ImportStores &
  (
    | { method: "glance-direct" }
    | { method: "web-download"; uri: string }
    | { method: "copy-image" }
    /** The image `imageId` of region `region`, read through its `interface` endpoint (Glance's default: public). */
    | { method: "glance-download"; region: string; imageId: string; interface?: "public" | "internal" | "admin" }
  );
