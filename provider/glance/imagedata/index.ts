/**
 * Image data: legacy upload (`PUT /file`), staging for glance-direct (`PUT /stage`), download (`GET /file`).
 * Uploads stream from a path or a Readable, are never buffered and never retried.
 *
 * ```ts
 * await uploadImageData(glance, id, "/tmp/amphora.qcow2", { store: "fast", onProgress: (p) => log(p.transferred) });
 * await stageImageData(glance, id, fs.createReadStream(path), { size });
 * const { stream } = await downloadImageData(glance, id);
 * ```
 */
export * from "./requests";
export * from "./results";
