import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { GlanceClient } from "../../provider/glance/client";
import { uploadImageData } from "../../provider/glance/imagedata";
import {
  addProperty,
  createImage,
  deactivateImage,
  deleteImage,
  deleteImageAndData,
  getImage,
  imageProperties,
  listAllImages,
  listImagePages,
  listImages,
  propertyPatch,
  reactivateImage,
  removeProperty,
  replaceAttribute,
  replaceProperty,
  updateImage,
  type Image,
} from "../../provider/glance/images";
import { getStores, listImportMethods } from "../../provider/glance/info";
import { addImageTag, removeImageTag } from "../../provider/glance/tags";
import { GlanceInputError } from "../../provider/glance/errors";
import { HttpError, isStatus } from "../../provider/openstack/errors";
import { Cleanup, glanceFor, runId, storeDataDir, uniqueName } from "./support/cloud-glance";

describe("glance images and discovery @cloud", function () {
  const cleanup = new Cleanup();
  let demo: GlanceClient;

  before(async () => {
    demo = await glanceFor("local-demo");
  });
  after(() => cleanup.run());

  describe("discovery", () => {
    it("picks the highest v2 version from the real 300 answer", async () => {
      const v = await demo.version();
      assert.match(v.id, /^v2\.\d+$/);
      assert.ok(v.minor >= 15, v.id);
      assert.equal(v.baseUrl, `${v.rootUrl}/v2`);
      assert.ok(v.offered.length > 5);
    });

    it("lists the import methods", async () => {
      const methods = await listImportMethods(demo);
      assert.deepEqual([...methods].sort(), ["copy-image", "glance-direct", "web-download"]);
    });

    it("lists the stores; `default` is the string \"true\" and becomes isDefault", async () => {
      const info = await getStores(demo);
      assert.ok(info.multiStore);
      assert.deepEqual(info.stores.map((s) => s.id).sort(), ["cheap", "fast", "reliable"]);
      assert.equal(info.defaultStore, "fast");
      const fast = info.stores.find((s) => s.id === "fast");
      assert.equal(fast?.default, "true");
      assert.equal(fast?.isDefault, true);
      assert.equal(info.stores.find((s) => s.id === "cheap")?.isDefault, false);
    });
  });

  describe("create, get, update, delete", () => {
    it("creates an image with properties and reads it back", async () => {
      const name = uniqueName("crud");
      const created = cleanup.image(
        await createImage(demo, {
          name,
          diskFormat: "qcow2",
          containerFormat: "bare",
          visibility: "private",
          minDisk: 2,
          minRam: 512,
          tags: ["crud", runId],
          properties: { amphora_role: "candidate", hw_rng_model: "virtio" },
        }),
      );
      assert.equal(created.status, "queued");
      assert.equal(created.owner, demo.projectId);
      const image = await getImage(demo, created.id);
      assert.equal(image.name, name);
      assert.equal(image.visibility, "private");
      assert.equal(image.min_disk, 2);
      assert.equal(image.min_ram, 512);
      assert.deepEqual([...image.tags].sort(), ["crud", runId].sort());
      assert.deepEqual(imageProperties(image), { amphora_role: "candidate", hw_rng_model: "virtio" });
    });

    it("updates with a list of small JSON-patch ops", async () => {
      const image = cleanup.image(
        await createImage(demo, { name: uniqueName("patch"), properties: { keep: "1", change: "old", drop: "x" } }),
      );
      const updated = await updateImage(demo, image.id, [
        replaceAttribute("name", `${image.name}-renamed`),
        replaceAttribute("min_disk", 4),
        replaceAttribute("tags", ["a", "b"]),
        addProperty("added", "new"),
        addProperty("odd/key~name", "escaped"),
        replaceProperty("change", "new"),
        removeProperty("drop"),
      ]);
      assert.equal(updated.name, `${image.name}-renamed`);
      assert.equal(updated.min_disk, 4);
      assert.deepEqual([...updated.tags].sort(), ["a", "b"]);
      assert.deepEqual(imageProperties(updated), { keep: "1", change: "new", added: "new", "odd/key~name": "escaped" });

      // propertyPatch chooses add/replace/remove from the current image.
      const ops = propertyPatch(updated, { keep: "1", change: "newer", fresh: "f" }, ["added", "odd/key~name"]);
      assert.deepEqual(
        ops.map((o) => `${o.op} ${o.path}`),
        ["replace /change", "add /fresh", "remove /added", "remove /odd~1key~0name"],
      );
      const again = await updateImage(demo, image.id, ops);
      assert.deepEqual(imageProperties(again), { keep: "1", change: "newer", fresh: "f" });
    });

    it("replace of a missing property is Glance's 409", async () => {
      const image = cleanup.image(await createImage(demo, { name: uniqueName("patch409") }));
      await assert.rejects(updateImage(demo, image.id, [replaceProperty("missing", "x")]), (err: unknown) => {
        assert.ok(isStatus(err, 409), String(err));
        assert.match(err.serviceMessage, /Property missing does not exist/);
        return true;
      });
    });

    it("deactivates and reactivates an active image", async () => {
      const image = cleanup.image(await createImage(demo, { name: uniqueName("deact"), diskFormat: "raw", containerFormat: "bare" }));
      const { Readable } = await import("node:stream");
      await uploadImageData(demo, image.id, Readable.from([Buffer.from("deactivate me")]));
      await deactivateImage(demo, image.id);
      assert.equal((await getImage(demo, image.id)).status, "deactivated");
      await reactivateImage(demo, image.id);
      assert.equal((await getImage(demo, image.id)).status, "active");
    });

    it("deleteImageAndData removes a member's deactivated image together with its store file", async () => {
      const image = cleanup.image(await createImage(demo, { name: uniqueName("deact-del"), diskFormat: "raw", containerFormat: "bare" }));
      const { Readable } = await import("node:stream");
      await uploadImageData(demo, image.id, Readable.from([Buffer.from("data that must not leak")]));
      const file = join(storeDataDir("fast"), image.id);
      assert.ok(existsSync(file), `expected ${file} after upload`);
      await deactivateImage(demo, image.id);
      await deleteImageAndData(demo, { id: image.id, status: "deactivated" });
      await assert.rejects(getImage(demo, image.id), (err: unknown) => isStatus(err, 404));
      assert.equal(existsSync(file), false, "the store file of the deleted image is still there");
    });

    it("deletes an image; it is then 404", async () => {
      const image = cleanup.image(await createImage(demo, { name: uniqueName("delete") }));
      await deleteImage(demo, image.id);
      await assert.rejects(getImage(demo, image.id), (err: unknown) => isStatus(err, 404));
      await assert.rejects(deleteImage(demo, image.id), (err: unknown) => isStatus(err, 404));
    });
  });

  describe("tags", () => {
    it("adds and removes tags, URL-encoding them; removing a missing tag is 404", async () => {
      const image = cleanup.image(await createImage(demo, { name: uniqueName("tags") }));
      const odd = `rotation 7 & a?b#c%d+e;f`;
      await addImageTag(demo, image.id, "amphora");
      await addImageTag(demo, image.id, odd);
      await addImageTag(demo, image.id, odd); // idempotent
      assert.deepEqual([...(await getImage(demo, image.id)).tags].sort(), ["amphora", odd].sort());
      const found = await listAllImages(demo, { tag: odd, owner: demo.projectId });
      assert.deepEqual(
        found.map((i) => i.id),
        [image.id],
      );
      await removeImageTag(demo, image.id, odd);
      assert.deepEqual((await getImage(demo, image.id)).tags, ["amphora"]);
      await assert.rejects(removeImageTag(demo, image.id, odd), (err: unknown) => isStatus(err, 404));
    });

    it("refuses over-long, non-ASCII and slashed tags before sending (Glance mangles those in the URL)", async () => {
      const id = "00000000-0000-0000-0000-000000000000";
      await assert.rejects(addImageTag(demo, id, "x".repeat(256)), /255/);
      await assert.rejects(addImageTag(demo, id, "a/b"), GlanceInputError);
      await assert.rejects(addImageTag(demo, id, "ümlaut"), (err: unknown) => {
        assert.ok(err instanceof GlanceInputError);
        assert.match(err.message, /replaceAttribute\("tags"/);
        return true;
      });
      // The JSON body path is fine: non-ASCII tags round-trip through create and list filters.
      const image = cleanup.image(await createImage(demo, { name: uniqueName("utf8-tag"), tags: [`ümlaut-${runId}`] }));
      assert.deepEqual((await getImage(demo, image.id)).tags, [`ümlaut-${runId}`]);
      assert.deepEqual(
        (await listAllImages(demo, { tag: `ümlaut-${runId}` })).map((i) => i.id),
        [image.id],
      );
    });
  });

  describe("list", () => {
    const tag = `list-${runId}`;
    const images: Image[] = [];

    before(async () => {
      // 6 images with a unique tag; "b" and "d" carry a second tag, "c" is shared, "f" is hidden.
      for (const letter of ["a", "b", "c", "d", "e", "f"]) {
        const extra = letter === "b" || letter === "d" ? [`${tag}-even`] : [];
        images.push(
          cleanup.image(
            await createImage(demo, {
              name: `${tag}-${letter}`,
              tags: [tag, ...extra],
              visibility: letter === "c" ? "shared" : "private",
              hidden: letter === "f",
            }),
          ),
        );
      }
    });

    it("follows the relative next links across several pages (limit 2 → 3 pages)", async () => {
      const pages: string[][] = [];
      for await (const page of listImagePages(demo, { tag, limit: 2, sort: "name:asc", osHidden: false })) {
        pages.push(page.images.map((i) => i.name ?? ""));
      }
      assert.deepEqual(pages, [
        [`${tag}-a`, `${tag}-b`],
        [`${tag}-c`, `${tag}-d`],
        [`${tag}-e`],
      ]);
      const withHidden: string[] = [];
      for await (const i of listImages(demo, { tag, limit: 2, sort: [{ key: "name", dir: "desc" }], osHidden: true })) {
        withHidden.push(i.name ?? "");
      }
      assert.deepEqual(withHidden, [`${tag}-f`]);
    });

    it("listAll collects all pages; sort desc; tags are AND", async () => {
      const all = await listAllImages(demo, { tag, limit: 1, sort: "name:desc" });
      assert.deepEqual(
        all.map((i) => i.name),
        ["e", "d", "c", "b", "a"].map((l) => `${tag}-${l}`),
      );
      const both = await listAllImages(demo, { tag: [tag, `${tag}-even`], sort: "name:asc" });
      assert.deepEqual(
        both.map((i) => i.name),
        [`${tag}-b`, `${tag}-d`],
      );
    });

    it("filters by name, status, visibility, owner, marker", async () => {
      const [a, , c] = images;
      assert.ok(a && c);
      assert.deepEqual(
        (await listAllImages(demo, { name: `${tag}-c` })).map((i) => i.id),
        [c.id],
      );
      assert.equal((await listAllImages(demo, { tag, status: "queued" })).length, 5);
      assert.equal((await listAllImages(demo, { tag, status: "active" })).length, 0);
      assert.deepEqual(
        (await listAllImages(demo, { tag, visibility: "shared" })).map((i) => i.id),
        [c.id],
      );
      assert.equal((await listAllImages(demo, { tag, visibility: "private" })).length, 4);
      assert.equal((await listAllImages(demo, { tag, owner: demo.projectId })).length, 5);
      assert.equal((await listAllImages(demo, { tag, owner: "someone-else" })).length, 0);
      const afterA = await listAllImages(demo, { tag, sort: "name:asc", marker: a.id });
      assert.deepEqual(
        afterA.map((i) => i.name),
        ["b", "c", "d", "e"].map((l) => `${tag}-${l}`),
      );
    });

    it("rejects a page size over 1000 before sending", async () => {
      await assert.rejects(listAllImages(demo, { tag, limit: 1001 }), /between 1 and 1000/);
    });

    it("an unknown marker is Glance's 400", async () => {
      await assert.rejects(listAllImages(demo, { tag, marker: "00000000-0000-0000-0000-000000000000" }), (err: unknown) => {
        assert.ok(err instanceof HttpError && err.status === 400, String(err));
        return true;
      });
    });
  });
});
