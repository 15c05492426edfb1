import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { GlanceClient } from "../../provider/glance/client";
import { GlanceInputError } from "../../provider/glance/errors";
import { stageImageData, uploadImageData } from "../../provider/glance/imagedata";
import { importImage, toImportBody } from "../../provider/glance/imageimport";
import {
  addProperty,
  findImage,
  getImage,
  nextPageUrl,
  removeProperty,
  replaceAttribute,
  toCreateImageBody,
  toListImagesQuery,
  updateImage,
} from "../../provider/glance/images";
import { getStores } from "../../provider/glance/info";
import { HttpError } from "../../provider/openstack/errors";
import { fakeServiceClient, sendJson, startServer, version, type TestServer } from "./support/fake-service";

const ID = "0b0e5f2c-0000-4000-8000-000000000002";
const IMAGE = {
  id: ID,
  status: "queued",
  visibility: "private",
  protected: false,
  tags: [],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

describe("glance request shapes", () => {
  describe("bodies and queries", () => {
    it("create body maps options to Glance's keys and rejects core keys as properties", () => {
      assert.deepEqual(
        toCreateImageBody({ name: "n", diskFormat: "qcow2", containerFormat: "bare", hidden: true, minDisk: 1, tags: ["t"], properties: { a: "1" } }),
        { a: "1", name: "n", disk_format: "qcow2", container_format: "bare", os_hidden: true, min_disk: 1, tags: ["t"] },
      );
      assert.throws(() => toCreateImageBody({ properties: { visibility: "public" } }), GlanceInputError);
    });

    it("list query repeats tag, joins sort keys, maps snake_case filters", () => {
      const q = toListImagesQuery({
        tag: ["a b", "c"],
        sort: [{ key: "name", dir: "asc" }, { key: "created_at" }],
        osHidden: true,
        memberStatus: "accepted",
        limit: 1000,
        filters: { size_min: "10" },
      });
      assert.deepEqual(q.getAll("tag"), ["a b", "c"]);
      assert.equal(q.get("sort"), "name:asc,created_at");
      assert.equal(q.get("os_hidden"), "true");
      assert.equal(q.get("member_status"), "accepted");
      assert.equal(q.get("size_min"), "10");
      for (const limit of [0, 1001, 1.5]) assert.throws(() => toListImagesQuery({ limit }), GlanceInputError);
    });

    it("import body: method, uri, stores and the all_stores flags", () => {
      assert.deepEqual(toImportBody({ method: "glance-direct" }), { method: { name: "glance-direct" } });
      assert.deepEqual(
        toImportBody({ method: "web-download", uri: "http://127.0.0.1:1/x", stores: ["a", "b"], allStoresMustSucceed: false }),
        { method: { name: "web-download", uri: "http://127.0.0.1:1/x" }, stores: ["a", "b"], all_stores_must_succeed: false },
      );
      assert.deepEqual(toImportBody({ method: "copy-image", allStores: true }), { method: { name: "copy-image" }, all_stores: true });
      assert.deepEqual(toImportBody({ method: "glance-download", region: "RegionOne", imageId: "i-1", stores: ["fast"] }), {
        method: { name: "glance-download", glance_region: "RegionOne", glance_image_id: "i-1" },
        stores: ["fast"],
      });
      assert.deepEqual(toImportBody({ method: "glance-download", region: "R", imageId: "i", interface: "internal" }), {
        method: { name: "glance-download", glance_region: "R", glance_image_id: "i", glance_service_interface: "internal" },
      });
      assert.throws(() => toImportBody({ method: "copy-image", allStores: true, stores: ["a"] }), GlanceInputError);
      assert.throws(() => toImportBody({ method: "web-download", uri: "file:///etc/passwd" }), GlanceInputError);
    });

    it("patch ops escape JSON-pointer characters", () => {
      assert.deepEqual(addProperty("a/b~c", "v"), { op: "add", path: "/a~1b~0c", value: "v" });
      assert.deepEqual(removeProperty("x"), { op: "remove", path: "/x" });
      assert.deepEqual(replaceAttribute("tags", ["t"]), { op: "replace", path: "/tags", value: ["t"] });
    });

    it("next links resolve against the root, keeping or not doubling a path prefix", () => {
      assert.equal(nextPageUrl("http://h:9292", "/v2/images?marker=x"), "http://h:9292/v2/images?marker=x");
      assert.equal(nextPageUrl("https://c/image", "/v2/images?marker=x"), "https://c/image/v2/images?marker=x");
      assert.equal(nextPageUrl("https://c/image", "/image/v2/images?marker=x"), "https://c/image/v2/images?marker=x");
      assert.equal(nextPageUrl("https://c/image", "https://other/v2/images?m=1"), "https://other/v2/images?m=1");
    });
  });

  describe("on the wire (fake Glance)", () => {
    let server: TestServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    async function glance(
      route: (method: string, url: string) => [number, unknown] | undefined,
      retry = { limit: 0 },
    ): Promise<GlanceClient> {
      server = await startServer((req, res) => {
        if (req.url === "/") return sendJson(res, 300, { versions: [version("v2.15", "CURRENT")] });
        const answer = route(req.method, req.url);
        if (!answer) return sendJson(res, 404, { message: "no route" });
        const [status, body] = answer;
        if (body === undefined) {
          res.writeHead(status, { "content-type": "text/html; charset=UTF-8", "content-length": "0" }).end();
          return;
        }
        return sendJson(res, status, body);
      });
      return new GlanceClient(fakeServiceClient(server.origin, { retry: { ...retry, baseDelayMs: 1 } }));
    }

    it("findImage: the image, undefined on 404 (gone or not visible), any other answer an error", async () => {
      const GONE = "0b0e5f2c-0000-4000-8000-00000000dead";
      const c = await glance((m, url) => {
        if (url === `/v2/images/${ID}`) return [200, IMAGE];
        if (url === `/v2/images/${GONE}`) return [404, { message: "No image found with ID" }];
        return [403, { message: "You are not authorized" }];
      });
      assert.equal((await findImage(c, ID))?.id, ID);
      assert.equal(await findImage(c, GONE), undefined);
      await assert.rejects(findImage(c, "0b0e5f2c-0000-4000-8000-000000000403"), (err: unknown) => err instanceof HttpError && err.status === 403);
    });

    it("PATCH uses the openstack-images-v2.1-json-patch media type and a plain op list", async () => {
      const c = await glance((m) => (m === "PATCH" ? [200, IMAGE] : undefined));
      await updateImage(c, ID, [replaceAttribute("name", "n"), addProperty("p", "v")]);
      const req = server!.requests.find((r) => r.method === "PATCH");
      assert.equal(req?.headers["content-type"], "application/openstack-images-v2.1-json-patch");
      assert.deepEqual(JSON.parse(req?.body ?? ""), [
        { op: "replace", path: "/name", value: "n" },
        { op: "add", path: "/p", value: "v" },
      ]);
    });

    it("upload streams as octet-stream with X-Image-Meta-Store, and is never retried; GETs are", async () => {
      let puts = 0;
      let gets = 0;
      const c = await glance(
        (m, url) => {
          if (m === "PUT") return ++puts, [503, { message: "busy" }];
          if (url.startsWith(`/v2/images/${ID}`)) return ++gets < 3 ? [503, { message: "busy" }] : [200, IMAGE];
          return undefined;
        },
        { limit: 2 },
      );
      await assert.rejects(uploadImageData(c, ID, Readable.from([Buffer.from("abc"), Buffer.from("def")]), { store: "cheap" }), (err: unknown) => {
        assert.ok(err instanceof HttpError && err.status === 503, String(err));
        return true;
      });
      assert.equal(puts, 1, "a stream upload must not be replayed");
      const put = server!.requests.find((r) => r.method === "PUT");
      assert.equal(put?.headers["content-type"], "application/octet-stream");
      assert.equal(put?.headers["x-image-meta-store"], "cheap");
      assert.equal(put?.headers["transfer-encoding"], "chunked");
      assert.equal(put?.body, "abcdef");

      await getImage(c, ID);
      assert.equal(gets, 3, "GET is retried by the session's policy");
    });

    it("stage sends Content-Length when the size is known, and no store header", async () => {
      const c = await glance((m) => (m === "PUT" ? [204, undefined] : undefined));
      await stageImageData(c, ID, Readable.from([Buffer.from("12345")]), { size: 5 });
      const put = server!.requests.find((r) => r.method === "PUT");
      assert.equal(put?.url, `/v2/images/${ID}/stage`);
      assert.equal(put?.headers["content-length"], "5");
      assert.equal(put?.headers["x-image-meta-store"], undefined);
    });

    it("import accepts Glance's empty text/html 202", async () => {
      const c = await glance((m) => (m === "POST" ? [202, undefined] : undefined));
      await importImage(c, ID, { method: "glance-direct", stores: ["fast"] });
      const post = server!.requests.find((r) => r.method === "POST");
      assert.equal(post?.url, `/v2/images/${ID}/import`);
      assert.deepEqual(JSON.parse(post?.body ?? ""), { method: { name: "glance-direct" }, stores: ["fast"] });
    });

    it("info/stores: 404 means a single-store deployment; `default: \"true\"` marks the default store", async () => {
      let multi = false;
      const c = await glance((m, url) => {
        if (url !== "/v2/info/stores") return undefined;
        return multi ? [200, { stores: [{ id: "a" }, { id: "b", default: "true" }] }] : [404, { message: "not found" }];
      });
      assert.deepEqual(await getStores(c), { multiStore: false, stores: [], defaultStore: undefined });
      multi = true;
      const info = await getStores(c);
      assert.ok(info.multiStore);
      assert.equal(info.defaultStore, "b");
      assert.deepEqual(
        info.stores.map((s) => [s.id, s.isDefault]),
        [
          ["a", false],
          ["b", true],
        ],
      );
    });

    it("a body that does not match the schema is an UnexpectedResponseError naming the field", async () => {
      const c = await glance(() => [200, { ...IMAGE, status: undefined }]);
      await assert.rejects(getImage(c, ID), (err: unknown) => {
        assert.ok(err instanceof Error && err.name === "UnexpectedResponseError", String(err));
        assert.match(err.message, /status/);
        return true;
      });
    });
  });
});
