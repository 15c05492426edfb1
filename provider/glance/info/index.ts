/**
 * Discovery endpoints: `/v2/info/import` and `/v2/info/stores`.
 *
 * ```ts
 * const methods = await listImportMethods(glance);          // ["glance-direct", "web-download", "copy-image"]
 * const info = await getStores(glance);
 * if (info.multiStore) console.log(info.defaultStore, info.stores.map((s) => s.id));
 * ```
 */
export * from "./requests";
export * from "./results";
