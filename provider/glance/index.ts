/**
 * Glance v2 client, free of Pulumi: one folder per API area (gophercloud's layout), each with
 * requests (verbs), results (zod schemas and types) and urls.
 *
 * ```ts
 * import { GlanceClient, createImage, stageImageData, importImage, waitForImport } from "./provider/glance";
 * const glance = new GlanceClient(serviceClient);        // version discovery happens on first use
 * const image = await createImage(glance, { name: "amphora", diskFormat: "qcow2", containerFormat: "bare" });
 * await stageImageData(glance, image.id, "/tmp/amphora.qcow2");
 * await importImage(glance, image.id, { method: "glance-direct", stores: ["fast"] });
 * await waitForImport(glance, image.id);
 * ```
 */
export * from "./client";
export * from "./errors";
export * from "./imagedata";
export * from "./imageimport";
export * from "./images";
export * from "./info";
export * from "./members";
export * from "./stores";
export * from "./tags";
export * from "./tasks";
export * from "./versions";
export { waitFor, type Refreshed, type WaitForOptions } from "./wait";
