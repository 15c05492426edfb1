import { randomUUID } from "node:crypto";
import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GlanceClient } from "../../provider/glance/client";
import { createImage, getImage, imageStores, listAllImages, uploadImageData } from "../../provider/glance";
import { GlanceTaggedImageError } from "../../provider/glance-tagged-image/errors";
import { flowContext } from "../../provider/glance-tagged-image/context";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { listMarkedImages, markerProperties, RESOURCE_MARKER, SOURCE_MARKER } from "../../provider/glance-tagged-image/markers";
import { createRecord, fillImage } from "../../provider/glance-tagged-image/publish";
import { sourceKey } from "../../provider/glance-tagged-image/source-key";
import { cleanupImages, Engine, Files, glanceFor, startFileServer, storeDataDir, uniqueKey, uniqueTag, type TestImage } from "./support";

describe("GlanceTaggedImage publish @cloud", function () {
  this.timeout(60_000);
  const files = new Files();
  const keys: string[] = [];
  const extra: string[] = [];
  const planted: string[] = [];
  let demo: GlanceClient;
  let admin: GlanceClient;
  let image: TestImage;
  let server: Awaited<ReturnType<typeof startFileServer>>;

  const engine = (glance: GlanceClient, label: string): Engine => {
    const key = uniqueKey(label);
    keys.push(key);
    return new Engine(glance, key);
  };
  const marked = (e: Engine): Promise<unknown[]> => listMarkedImages(e.glance, e.glance.projectId, e.resourceKey);

  before(async () => {
    [demo, admin] = await Promise.all([glanceFor("local-demo"), glanceFor("local-admin")]);
    image = await files.image();
    server = await startFileServer({ "/amphora.raw": image.data });
  });
  after(async () => {
    await server?.close();
    await cleanupImages(keys, extra);
    for (const path of planted) await import("node:fs/promises").then((fs) => fs.rm(path, { force: true }));
    await files.remove();
  });

  describe("sources and methods", () => {
    it("creates from a file via glance-direct: hashes match, tag and markers set, Octavia settings ready", async () => {
      const e = engine(demo, "direct");
      const tag = uniqueTag("direct");
      const { op, outputs, lines } = await e.up({ tag, file: image.path, diskFormat: "raw", importMethod: "glance-direct", expectedSha256: image.sha256 });
      assert.equal(op, "create");
      assert.equal(outputs.status, "active");
      assert.equal(outputs.size, image.data.length);
      assert.equal(outputs.checksum, image.md5);
      assert.equal(outputs.osHashValue, image.sha512);
      assert.deepEqual(outputs.stores, ["fast"]);
      assert.equal(outputs.ownerId, demo.projectId);
      assert.deepEqual(outputs.octavia, {
        ampImageTag: tag,
        ampImageOwnerId: demo.projectId,
        ampImageId: outputs.imageId,
        configSnippet: `[controller_worker]\namp_image_tag = ${tag}\namp_image_owner_id = ${demo.projectId}\n`,
      });
      const held = await getImage(demo, outputs.imageId);
      assert.deepEqual(held.tags, [tag]);
      assert.equal(held[RESOURCE_MARKER], e.resourceKey);
      assert.equal(held[SOURCE_MARKER], outputs.sourceKey);
      assert.ok(lines.some((l) => /by glance-direct to the default store/.test(l)), lines.join("\n"));
      assert.ok(lines.some((l) => /^GlanceTaggedImage [^:]+: stage .*: 100% of 256\.\d KiB in [\d.]+ s, [\d.]+ MiB\/s$/.test(l)), lines.join("\n"));
      assert.ok(!JSON.stringify(outputs).includes("undefined"));
    });

    it("creates from a file via plain upload (PUT /file) into a chosen store", async () => {
      const e = engine(demo, "upload");
      const { outputs, lines } = await e.up({ tag: uniqueTag("upload"), file: image.path, diskFormat: "raw", importMethod: "upload", stores: ["cheap"] });
      assert.deepEqual(outputs.stores, ["cheap"]);
      assert.equal(outputs.osHashValue, image.sha512);
      assert.ok(lines.some((l) => /by upload to store\(s\) cheap/.test(l)));
      assert.ok(lines.some((l) => /^GlanceTaggedImage [^:]+: upload .*: 100%/.test(l)));
    });

    it("auto picks glance-direct (offered by /v2/info/import) and imports into every chosen store", async () => {
      const e = engine(demo, "auto");
      const { outputs, lines } = await e.up({ tag: uniqueTag("auto"), file: image.path, diskFormat: "raw", stores: ["cheap", "reliable"] });
      assert.deepEqual(outputs.stores, ["cheap", "reliable"]);
      assert.ok(lines.some((l) => /by glance-direct to store\(s\) cheap, reliable/.test(l)));
    });

    it("creates from a URL via web-download from 127.0.0.1, checking expectedSha512 against os_hash_value", async () => {
      const e = engine(demo, "web");
      const { outputs } = await e.up({
        tag: uniqueTag("web"),
        url: server.url("/amphora.raw"),
        diskFormat: "raw",
        expectedSha512: image.sha512,
        stores: ["reliable"],
      });
      assert.equal(outputs.osHashValue, image.sha512);
      assert.deepEqual(outputs.stores, ["reliable"]);
      assert.ok(server.hits.includes("/amphora.raw"));
    });
  });

  describe("stores", () => {
    it("a store change converges in place: copy-image to added stores, delete from removed ones, same image", async () => {
      const e = engine(admin, "stores");
      const tag = uniqueTag("stores");
      const first = await e.up({ tag, file: image.path, diskFormat: "raw", stores: ["fast"] });
      const preview = await e.preview({ tag, file: image.path, diskFormat: "raw", stores: ["cheap", "reliable"] });
      assert.equal(preview.changes, true);
      assert.match(preview.lines.join("\n"), /copy \w{8}… to cheap,reliable; remove \w{8}… from fast/);
      const moved = await e.up({ tag, file: image.path, diskFormat: "raw", stores: ["cheap", "reliable"] });
      assert.equal(moved.op, "update");
      assert.equal(moved.outputs.imageId, first.outputs.imageId);
      assert.deepEqual(moved.outputs.stores, ["cheap", "reliable"]);
      assert.deepEqual(imageStores(await getImage(admin, first.outputs.imageId)).sort(), ["cheap", "reliable"]);
    });

    it("an unknown store is rejected in check, naming the stores that exist", async () => {
      const e = engine(demo, "badstore-check");
      const { failures } = await e.check({ tag: uniqueTag("x"), file: image.path, stores: ["fast", "nope"] });
      assert.equal(failures.length, 1);
      assert.equal(failures[0]?.property, "stores");
      assert.match(failures[0]?.reason ?? "", /unknown store "nope"; this Glance has fast, cheap, reliable/);
    });

    it("an unknown store is rejected again before anything is created (no image left)", async () => {
      const e = engine(demo, "badstore-create");
      const inputs = glanceTaggedImageInputsSchema().parse({ resourceKey: e.resourceKey, instanceId: randomUUID(), tag: uniqueTag("x"), file: image.path, stores: ["nope"] });
      const { provider } = await import("../../provider/glance-tagged-image/provider");
      const { useGlanceClient } = await import("../../provider/common/provider-context");
      useGlanceClient(demo);
      try {
        await assert.rejects(provider.create(inputs), (err: unknown) => {
          assert.ok(err instanceof GlanceTaggedImageError, String(err));
          assert.equal(err.code, "ERR_STORES");
          assert.match(err.message, new RegExp(`GlanceTaggedImage ${e.resourceKey}: stores: unknown store "nope"`));
          return true;
        });
      } finally {
        useGlanceClient(undefined);
      }
      assert.deepEqual(await marked(e), []);
    });
  });

  describe("failures leave nothing half-made", () => {
    it("checksum mismatch: the image is deleted, the error names it and both hashes", async () => {
      const e = engine(demo, "mismatch");
      const wrong = "0".repeat(64);
      await assert.rejects(e.up({ tag: uniqueTag("mm"), file: image.path, diskFormat: "raw", expectedSha256: wrong }), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.equal(err.code, "ERR_HASH_MISMATCH");
        assert.ok(err.imageId && err.message.includes(err.imageId));
        assert.ok(err.message.includes(image.sha256) && err.message.includes(wrong));
        return true;
      });
      assert.deepEqual(await marked(e), []);
    });

    it("a failed web-download (404): error names image, stores and Glance's task message; no image left", async () => {
      const e = engine(demo, "web404");
      await assert.rejects(
        e.up({ tag: uniqueTag("w404"), url: server.url("/missing.raw"), diskFormat: "raw", stores: ["cheap", "reliable"] }),
        (err: unknown) => {
          assert.ok(err instanceof GlanceTaggedImageError, String(err));
          assert.equal(err.code, "ERR_PUBLISH");
          assert.ok(err.imageId && err.message.includes(err.imageId));
          assert.match(err.message, /cheap, reliable/);
          assert.match(err.message, /Task failed|task .* failure/i);
          assert.match(err.message, /the image was deleted/);
          return true;
        },
      );
      assert.deepEqual(await marked(e), []);
    });

    it("a missing file is an error before any image exists", async () => {
      const e = engine(demo, "nofile");
      await assert.rejects(e.up({ tag: uniqueTag("nf"), file: "/nonexistent/amphora.raw", diskFormat: "raw" }), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.equal(err.code, "ERR_SOURCE");
        assert.match(err.message, /cannot read file \/nonexistent\/amphora\.raw \(nothing was created\)/);
        return true;
      });
      assert.deepEqual(await marked(e), []);
    });

    it("a Glance refusal names the resource, the step and Glance's message (public image by a member)", async () => {
      const e = engine(demo, "public");
      await assert.rejects(e.up({ tag: uniqueTag("pub"), file: image.path, diskFormat: "raw", visibility: "public" }), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.equal(err.code, "ERR_GLANCE");
        assert.match(err.message, new RegExp(`^GlanceTaggedImage ${e.resourceKey}: creating the image record failed: 403 .*publicize`));
        return true;
      });
      assert.deepEqual(await marked(e), []);
    });

    it("web-download whose os_hash_value differs from expectedSha512: deleted, both hashes named", async () => {
      const e = engine(demo, "web-mismatch");
      const wrong = "f".repeat(128);
      await assert.rejects(e.up({ tag: uniqueTag("wm"), url: server.url("/amphora.raw"), diskFormat: "raw", expectedSha512: wrong }), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.equal(err.code, "ERR_HASH_MISMATCH");
        assert.ok(err.message.includes(image.sha512) && err.message.includes(wrong));
        return true;
      });
      assert.deepEqual(await marked(e), []);
    });

    it("keepFailedImages leaves the failed image for debugging; the next publish of the source cleans it up", async () => {
      const e = engine(demo, "keep-failed");
      const inputs = { tag: uniqueTag("kf"), url: server.url("/missing.raw"), diskFormat: "raw" };
      let kept = "";
      await assert.rejects(e.up({ ...inputs, keepFailedImages: true }), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.match(err.message, /the image was kept \(keepFailedImages\)/);
        kept = err.imageId ?? "";
        return true;
      });
      assert.equal((await getImage(demo, kept)).status, "queued");
      await assert.rejects(e.up(inputs), /the image was deleted/);
      assert.ok(e.lines.some((l) => l.includes(`deleted image ${kept} (left queued by an interrupted publish)`)), e.lines.join("\n"));
      assert.deepEqual(await marked(e), []);
    });

    it("an import that outlives timeouts.importSeconds fails and leaves no image", async () => {
      const e = engine(demo, "timeout");
      await assert.rejects(
        e.up({ tag: uniqueTag("to"), file: image.path, diskFormat: "raw", importMethod: "glance-direct", timeouts: { importSeconds: 0.001 } }),
        (err: unknown) => {
          assert.ok(err instanceof GlanceTaggedImageError, String(err));
          assert.match(err.message, /did not finish within 0\.001 s/);
          return true;
        },
      );
      assert.deepEqual(await marked(e), []);
    });

    /** A record made as the provider makes it, with the reliable store's file planted where Glance will write. */
    async function blockedRecord(label: string, allStoresMustSucceed: boolean) {
      const key = uniqueKey(label);
      keys.push(key);
      const inputs = glanceTaggedImageInputsSchema().parse({
        resourceKey: key,
        tag: uniqueTag(label),
        file: image.path,
        diskFormat: "raw",
        stores: ["cheap", "reliable"],
        allStoresMustSucceed,
      });
      const lines: string[] = [];
      const ctx = { ...flowContext(demo, { resourceKey: key, instanceId: randomUUID() }), print: (l: string) => lines.push(l), pollMs: 100 };
      const record = await createRecord(ctx, inputs, sourceKey(inputs));
      const path = join(storeDataDir("reliable"), record.id);
      planted.push(path);
      await writeFile(path, "in the way");
      return { ctx, inputs, record, lines };
    }

    it("a failing store with allStoresMustSucceed true: the stuck import is deleted, the error names image and stores", async () => {
      const { ctx, inputs, record } = await blockedRecord("must", true);
      const started = Date.now();
      await assert.rejects(fillImage(ctx, record, inputs, "glance-direct"), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.equal(err.code, "ERR_PUBLISH");
        assert.ok(err.message.includes(record.id));
        assert.match(err.message, /cheap, reliable/);
        assert.match(err.message, /stuck/);
        return true;
      });
      assert.ok(Date.now() - started < 20_000);
      await assert.rejects(getImage(demo, record.id), /404/);
    });

    it("a failing store with allStoresMustSucceed false: active in the good store, the failed one reported", async () => {
      const { ctx, inputs, record, lines } = await blockedRecord("partial", false);
      const done = await fillImage(ctx, record, inputs, "glance-direct");
      assert.equal(done.status, "active");
      assert.deepEqual(imageStores(done), ["cheap"]);
      assert.ok(lines.some((l) => l.includes(record.id) && /could not be imported to store\(s\) reliable/.test(l)), lines.join("\n"));
    });
  });

  describe("crash safety and adoption", () => {
    it("a finished image left by a killed create is adopted on retry, without a second upload", async () => {
      const e = engine(demo, "crash-active");
      const inputs = { tag: uniqueTag("ca"), file: image.path, diskFormat: "raw" };
      const parsed = glanceTaggedImageInputsSchema().parse({ resourceKey: e.resourceKey, ...inputs });
      const left = await createImage(demo, {
        name: "left by a killed create",
        diskFormat: "raw",
        containerFormat: "bare",
        visibility: "private",
        properties: markerProperties({ resourceKey: e.resourceKey, instanceId: randomUUID() }, sourceKey(parsed)),
      });
      await uploadImageData(demo, left.id, image.path);
      const { outputs, lines } = await e.up(inputs);
      assert.equal(outputs.imageId, left.id);
      assert.ok(lines.some((l) => /adopting image .* published earlier from the same source/.test(l)));
      assert.ok(!lines.some((l) => /^GlanceTaggedImage [^:]+: (stage|upload) /.test(l)), "no upload");
      assert.equal((await marked(e)).length, 1);
    });

    it("a finished image of the same source whose bytes differ from the file is not adopted: deleted, naming both sha512", async () => {
      const e = engine(demo, "crash-other-bytes");
      const inputs = { tag: uniqueTag("cb"), file: image.path, diskFormat: "raw" };
      const parsed = glanceTaggedImageInputsSchema().parse({ resourceKey: e.resourceKey, ...inputs });
      const other = await files.image();
      const left = await createImage(demo, {
        diskFormat: "raw",
        containerFormat: "bare",
        visibility: "private",
        properties: markerProperties({ resourceKey: e.resourceKey, instanceId: randomUUID() }, sourceKey(parsed)),
      });
      await uploadImageData(demo, left.id, other.path);
      const { outputs, lines } = await e.up(inputs);
      assert.notEqual(outputs.imageId, left.id);
      assert.equal(outputs.osHashValue, image.sha512);
      const deleted = lines.find((l) => l.includes(`deleted image ${left.id}`));
      assert.ok(deleted?.includes(`file sha512 ${image.sha512}, Glance has sha512 ${other.sha512}`), lines.join("\n"));
      assert.equal((await marked(e)).length, 1);
    });

    it("a queued image left by a killed create is deleted and the upload starts clean (no duplicate)", async () => {
      const e = engine(demo, "crash-queued");
      const inputs = { tag: uniqueTag("cq"), file: image.path, diskFormat: "raw" };
      const parsed = glanceTaggedImageInputsSchema().parse({ resourceKey: e.resourceKey, ...inputs });
      const left = await createImage(demo, {
        diskFormat: "raw",
        containerFormat: "bare",
        visibility: "private",
        properties: markerProperties({ resourceKey: e.resourceKey, instanceId: randomUUID() }, sourceKey(parsed)),
      });
      const { outputs, lines } = await e.up(inputs);
      assert.notEqual(outputs.imageId, left.id);
      assert.ok(lines.some((l) => l.includes(`deleted image ${left.id} (left queued by an interrupted publish)`)), lines.join("\n"));
      const mine = (await marked(e)) as { id: string }[];
      assert.deepEqual(mine.map((i) => i.id), [outputs.imageId]);
    });

    it("adopts an image uploaded by hand by imageId; delete only removes the tag", async () => {
      const byHand = await createImage(demo, { name: "by hand", diskFormat: "raw", containerFormat: "bare", visibility: "private" });
      extra.push(byHand.id);
      await uploadImageData(demo, byHand.id, image.path);
      const e = engine(demo, "adopt");
      const tag = uniqueTag("adopt");
      const { outputs } = await e.up({ tag, imageId: byHand.id, diskFormat: "raw", expectedSha512: image.sha512, keepLastTaggedImage: false });
      assert.equal(outputs.imageId, byHand.id);
      assert.deepEqual((await getImage(demo, byHand.id)).tags, [tag]);
      const lines = await e.destroy();
      assert.match(lines.join("\n"), new RegExp(`tag "${tag}" removed from`));
      const after = await getImage(demo, byHand.id);
      assert.equal(after.status, "active");
      assert.deepEqual(after.tags, []);
    });

    it("other owner: an admin session refuses to adopt, and never untags, an alt image carrying the tag", async () => {
      const alt = await glanceFor("local-alt");
      const tag = uniqueTag("other");
      const altImage = await createImage(alt, { name: "alt's", diskFormat: "raw", containerFormat: "bare", visibility: "private", tags: [tag] });
      extra.push(altImage.id);
      await uploadImageData(alt, altImage.id, image.path);

      const adopting = engine(admin, "other-adopt");
      await assert.rejects(adopting.up({ tag, imageId: altImage.id, diskFormat: "raw" }), (err: unknown) => {
        assert.ok(err instanceof GlanceTaggedImageError, String(err));
        assert.equal(err.code, "ERR_ADOPT");
        assert.match(err.message, new RegExp(`owned by project ${alt.projectId}, not by ${admin.projectId}`));
        return true;
      });

      const e = engine(admin, "other");
      const { outputs, lines } = await e.up({ tag, file: image.path, diskFormat: "raw" });
      assert.deepEqual((await getImage(alt, altImage.id)).tags, [tag], "alt's image keeps its tag");
      assert.ok(lines.some((l) => l.includes(`not touched (other owners): ${altImage.id.slice(0, 8)}… of project ${alt.projectId}`)), lines.join("\n"));
      const adminTagged = await listAllImages(admin, { tag, owner: admin.projectId });
      assert.deepEqual(adminTagged.map((i) => i.id), [outputs.imageId]);
    });
  });
});
