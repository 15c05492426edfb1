import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GlanceClient } from "../../provider/glance/client";
import { ImportFailedError, ImportStuckError } from "../../provider/glance/errors";
import { stageImageData, uploadImageData } from "../../provider/glance/imagedata";
import { importImage, waitForImport } from "../../provider/glance/imageimport";
import { createImage, getImage, imageStores, type Image } from "../../provider/glance/images";
import { deleteImageFromStore } from "../../provider/glance/stores";
import { listImageTasks } from "../../provider/glance/tasks";
import { isStatus, WaitTimeoutError } from "../../provider/openstack/errors";
import { requireRelease } from "../support/cloud";
import { Cleanup, FAST_POLL, glanceFor, md5, startFileServer, storeDataDir, tempFile, uniqueName } from "./support/cloud-glance";

describe("glance image import @cloud", function () {
  const cleanup = new Cleanup();
  const data = randomBytes(512 * 1024 + 7);
  let demo: GlanceClient;
  let admin: GlanceClient;
  let path: string;
  let files: Awaited<ReturnType<typeof startFileServer>>;

  before(async () => {
    [demo, admin] = await Promise.all([glanceFor("local-demo"), glanceFor("local-admin")]);
    path = await tempFile(cleanup, data);
    files = await startFileServer({ "/amphora.raw": data });
  });
  after(async () => {
    await files?.close();
    await cleanup.run();
  });

  const newImage = (c: GlanceClient, label: string): Promise<Image> =>
    createImage(c, { name: uniqueName(label), diskFormat: "raw", containerFormat: "bare", visibility: "private" }).then((i) =>
      cleanup.image(i),
    );

  describe("web-download", () => {
    it("imports from an HTTP server on 127.0.0.1 into all stores", async () => {
      const image = await newImage(demo, "web");
      await importImage(demo, image.id, { method: "web-download", uri: files.url("/amphora.raw"), allStores: true });
      const active = await waitForImport(demo, image.id, FAST_POLL);
      assert.equal(active.status, "active");
      assert.equal(active.size, data.length);
      assert.equal(active.checksum, md5(data));
      assert.deepEqual(imageStores(active).sort(), ["cheap", "fast", "reliable"]);
      assert.ok(files.hits.includes("/amphora.raw"));

      const tasks = await listImageTasks(demo, image.id);
      assert.ok(tasks.length >= 1);
      assert.equal(tasks[0]?.type, "api_image_import");
      assert.equal(tasks[0]?.status, "success");
      assert.equal(tasks[0]?.image_id, image.id);
    });

    it("a 404 source is an ImportFailedError naming the image, the failed stores and Glance's task message", async () => {
      const image = await newImage(demo, "web404");
      await importImage(demo, image.id, {
        method: "web-download",
        uri: files.url("/missing.raw"),
        stores: ["cheap", "reliable"],
        allStoresMustSucceed: true,
      });
      await assert.rejects(waitForImport(demo, image.id, FAST_POLL), (err: unknown) => {
        assert.ok(err instanceof ImportFailedError, String(err));
        assert.equal(err.code, "ERR_IMPORT_FAILED");
        assert.equal(err.imageId, image.id);
        assert.deepEqual([...err.failedStores].sort(), ["cheap", "reliable"]);
        assert.equal(err.status, "queued");
        assert.equal(err.taskStatus, "failure");
        assert.ok(err.taskMessage, "task message");
        assert.ok(err.message.includes(image.id));
        assert.match(err.message, /cheap, reliable|reliable, cheap/);
        assert.ok(err.message.includes(err.taskMessage));
        return true;
      });
      assert.ok(files.hits.includes("/missing.raw"));
    });
  });

  describe("copy-image and per-store delete (admin)", () => {
    let image: Image;

    before(async () => {
      image = await newImage(admin, "copy");
      await uploadImageData(admin, image.id, path, { store: "fast" });
    });

    it("copy-image is refused to a member (admin-only default policy)", async () => {
      const own = await newImage(demo, "copy-member");
      await uploadImageData(demo, own.id, path);
      await assert.rejects(importImage(demo, own.id, { method: "copy-image", stores: ["cheap"] }), (err: unknown) => {
        assert.ok(isStatus(err, 403), String(err));
        assert.match(err.serviceMessage, /copy_image/);
        return true;
      });
    });

    it("copies an active image to two more stores", async () => {
      await importImage(admin, image.id, { method: "copy-image", stores: ["cheap", "reliable"], allStoresMustSucceed: true });
      const copied = await waitForImport(admin, image.id, FAST_POLL);
      assert.equal(copied.status, "active");
      assert.deepEqual(imageStores(copied).sort(), ["cheap", "fast", "reliable"]);
    });

    it("copying to a store that already holds the image is 400", async () => {
      await assert.rejects(importImage(admin, image.id, { method: "copy-image", stores: ["reliable"] }), (err: unknown) => {
        assert.ok(isStatus(err, 400), String(err));
        assert.match(err.serviceMessage, /already present/);
        return true;
      });
    });

    it("deletes the data from one store at a time; the last store is refused", async () => {
      await deleteImageFromStore(admin, "cheap", image.id);
      assert.deepEqual(imageStores(await getImage(admin, image.id)).sort(), ["fast", "reliable"]);
      await assert.rejects(deleteImageFromStore(admin, "cheap", image.id), (err: unknown) => {
        assert.ok(isStatus(err, 404), String(err));
        assert.match(err.serviceMessage, /not stored in store cheap/);
        return true;
      });
      await assert.rejects(deleteImageFromStore(admin, "nope", image.id), (err: unknown) => isStatus(err, 409));
      await deleteImageFromStore(admin, "fast", image.id);
      await assert.rejects(deleteImageFromStore(admin, "reliable", image.id), (err: unknown) => {
        assert.ok(isStatus(err, 403), String(err));
        assert.match(err.serviceMessage, /only store/);
        return true;
      });
      assert.deepEqual(imageStores(await getImage(admin, image.id)), ["reliable"]);
    });

    it("the owner (member role) may delete from a store too under Zed's legacy defaults", async function () {
      await requireRelease(this, "zed");
      const own = await newImage(demo, "store-delete");
      await stageImageData(demo, own.id, path);
      await importImage(demo, own.id, { method: "glance-direct", stores: ["fast", "cheap"] });
      await waitForImport(demo, own.id, FAST_POLL);
      await deleteImageFromStore(demo, "fast", own.id);
      assert.deepEqual(imageStores(await getImage(demo, own.id)), ["cheap"]);
    });

    it("2025.1: per-store delete is admin-only (rule delete_image_location), even for the owner", async function () {
      await requireRelease(this, "2025.1");
      const own = await newImage(demo, "store-delete-2025");
      await stageImageData(demo, own.id, path);
      await importImage(demo, own.id, { method: "glance-direct", stores: ["fast", "cheap"] });
      await waitForImport(demo, own.id, FAST_POLL);
      await assert.rejects(deleteImageFromStore(demo, "fast", own.id), (err: unknown) => {
        assert.ok(isStatus(err, 403), String(err));
        assert.equal(err.serviceMessage, "You are not authorized to complete delete_image_location action.");
        return true;
      });
      assert.deepEqual(imageStores(await getImage(demo, own.id)).sort(), ["cheap", "fast"]);
      await deleteImageFromStore(admin, "fast", own.id);
      assert.deepEqual(imageStores(await getImage(demo, own.id)), ["cheap"]);
    });
  });

  describe("a store that fails (file already in the reliable store's data dir)", () => {
    /** Stages an image and plants a file where the reliable store will want to write it. */
    async function stagedWithBlockedReliable(label: string): Promise<Image> {
      const image = await newImage(demo, label);
      await stageImageData(demo, image.id, path);
      await writeFile(cleanup.path(join(storeDataDir("reliable"), image.id)), "in the way");
      return image;
    }

    it("all_stores_must_succeed=true leaves the image stuck in importing: ImportStuckError", async () => {
      const image = await stagedWithBlockedReliable("stuck");
      await importImage(demo, image.id, { method: "glance-direct", stores: ["cheap", "reliable"], allStoresMustSucceed: true });
      // stuckAfterMs far beyond the test's timeout: the error can only come from the failed task.
      await assert.rejects(waitForImport(demo, image.id, { ...FAST_POLL, stuckAfterMs: 60 * 60_000 }), (err: unknown) => {
        assert.ok(err instanceof ImportStuckError, String(err));
        assert.equal(err.code, "ERR_IMPORT_STUCK");
        assert.equal(err.imageId, image.id);
        assert.equal(err.status, "importing");
        assert.ok(err.message.includes(image.id));
        assert.match(err.message, /stuck/);
        return true;
      });
      assert.equal((await getImage(demo, image.id)).status, "importing");
      // Bounded by the timeout as well: a wait that must give up before it can judge is a WaitTimeoutError.
      await assert.rejects(waitForImport(demo, image.id, { timeoutMs: 1, stuckAfterMs: 60_000 }), WaitTimeoutError);
    });

    it("all_stores_must_succeed=false: active in the good store, ImportFailedError for the bad one", async () => {
      const image = await stagedWithBlockedReliable("partial");
      await importImage(demo, image.id, { method: "glance-direct", stores: ["cheap", "reliable"], allStoresMustSucceed: false });
      await assert.rejects(waitForImport(demo, image.id, FAST_POLL), (err: unknown) => {
        assert.ok(err instanceof ImportFailedError, String(err));
        assert.deepEqual(err.failedStores, ["reliable"]);
        assert.deepEqual(err.stores, ["cheap"]);
        assert.equal(err.status, "active");
        assert.match(err.message, /failed for store\(s\) reliable/);
        return true;
      });
      const tolerated = await waitForImport(demo, image.id, { ...FAST_POLL, allowFailedStores: true });
      assert.equal(tolerated.status, "active");
      assert.deepEqual(imageStores(tolerated), ["cheap"]);
    });
  });
});
