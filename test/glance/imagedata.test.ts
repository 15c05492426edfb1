import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { GlanceClient } from "../../provider/glance/client";
import { downloadImageData, stageImageData, uploadImageData, type UploadProgress } from "../../provider/glance/imagedata";
import { importImage, waitForImport } from "../../provider/glance/imageimport";
import { createImage, deactivateImage, getImage, imageStores, reactivateImage } from "../../provider/glance/images";
import { isStatus } from "../../provider/openstack/errors";
import { Cleanup, FAST_POLL, glanceFor, md5, sha512, tempFile, uniqueName } from "./support/cloud-glance";

describe("glance image data @cloud", function () {
  const cleanup = new Cleanup();
  const data = randomBytes(3 * 1024 * 1024 + 123); // > several got/Glance chunks
  let demo: GlanceClient;
  let path: string;

  before(async () => {
    demo = await glanceFor("local-demo");
    path = await tempFile(cleanup, data);
  });
  after(() => cleanup.run());

  const newImage = (label: string) =>
    createImage(demo, { name: uniqueName(label), diskFormat: "raw", containerFormat: "bare" }).then((i) => cleanup.image(i));

  it("uploads from a file path to a chosen store, reporting progress; checksums match", async () => {
    const image = await newImage("upload-path");
    const progress: UploadProgress[] = [];
    await uploadImageData(demo, image.id, path, { store: "cheap", onProgress: (p) => progress.push(p) });
    const active = await getImage(demo, image.id);
    assert.equal(active.status, "active");
    assert.equal(active.size, data.length);
    assert.equal(active.checksum, md5(data));
    assert.equal(active.os_hash_algo, "sha512");
    assert.equal(active.os_hash_value, sha512(data));
    assert.deepEqual(imageStores(active), ["cheap"]);
    assert.ok(progress.length >= 2, `progress events: ${progress.length}`);
    const last = progress[progress.length - 1];
    assert.equal(last?.transferred, data.length);
    assert.equal(last?.total, data.length);
    for (let i = 1; i < progress.length; i++) assert.ok((progress[i]?.transferred ?? 0) >= (progress[i - 1]?.transferred ?? 0));
  });

  it("uploads from a Readable of unknown length (chunked) to the default store", async () => {
    const image = await newImage("upload-stream");
    const chunks = [data.subarray(0, 1000), data.subarray(1000, 2_000_000), data.subarray(2_000_000)];
    let sent = 0;
    await uploadImageData(demo, image.id, Readable.from(chunks), { onProgress: (p) => (sent = p.transferred) });
    const active = await getImage(demo, image.id);
    assert.equal(active.status, "active");
    assert.equal(active.checksum, md5(data));
    assert.deepEqual(imageStores(active), ["fast"]);
    assert.equal(sent, data.length);
  });

  it("downloads as a stream, with Glance's size and md5", async () => {
    const image = await newImage("download");
    await uploadImageData(demo, image.id, path);
    const download = await downloadImageData(demo, image.id);
    assert.equal(download.size, data.length);
    assert.equal(download.md5, md5(data));
    const received: Buffer[] = [];
    for await (const chunk of download.stream) received.push(chunk as Buffer);
    assert.ok(Buffer.concat(received).equals(data));
  });

  it("download errors reject before any data: 404 missing, 403 deactivated, no data", async () => {
    await assert.rejects(downloadImageData(demo, "00000000-0000-0000-0000-000000000000"), (err: unknown) => {
      assert.ok(isStatus(err, 404), String(err));
      assert.match(err.serviceMessage, /00000000-0000-0000-0000-000000000000/);
      assert.doesNotMatch(err.message, /<br/);
      return true;
    });
    const image = await newImage("download-deact");
    await assert.rejects(downloadImageData(demo, image.id), /has no data/);
    await uploadImageData(demo, image.id, Readable.from([Buffer.from("x")]));
    await deactivateImage(demo, image.id);
    await assert.rejects(downloadImageData(demo, image.id), (err: unknown) => isStatus(err, 403));
    await reactivateImage(demo, image.id);
  });

  it("stages data and imports it with glance-direct to two stores", async () => {
    const image = await newImage("stage");
    await stageImageData(demo, image.id, path);
    const staged = await getImage(demo, image.id);
    assert.equal(staged.status, "uploading");
    assert.equal(staged.size, data.length);
    await importImage(demo, image.id, { method: "glance-direct", stores: ["fast", "cheap"] });
    const active = await waitForImport(demo, image.id, FAST_POLL);
    assert.equal(active.status, "active");
    assert.equal(active.checksum, md5(data));
    assert.deepEqual(imageStores(active).sort(), ["cheap", "fast"]);
    assert.equal(active.os_glance_import_task, undefined);
  });

  it("PUT /file on an active image is Glance's 409", async () => {
    const image = await newImage("upload-twice");
    await uploadImageData(demo, image.id, path);
    await assert.rejects(uploadImageData(demo, image.id, path), (err: unknown) => isStatus(err, 409));
  });
});
