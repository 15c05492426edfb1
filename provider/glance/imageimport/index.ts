/**
 * Interoperable image import: `POST /v2/images/{id}/import` and a wait that judges the outcome.
 *
 * ```ts
 * await stageImageData(glance, id, path);
 * await importImage(glance, id, { method: "glance-direct", stores: ["fast", "cheap"] });
 * const image = await waitForImport(glance, id, { timeoutMs: 20 * 60_000 }); // ImportFailedError / ImportStuckError / WaitTimeoutError
 *
 * await importImage(glance, id, { method: "web-download", uri: "https://example.org/amphora.qcow2" });
 * await importImage(admin, id, { method: "copy-image", stores: ["reliable"] });
 * ```
 */
export * from "./requests";
export * from "./results";
export * from "./wait";
