import { strict as assert } from "node:assert";
import { GlanceClient } from "../../provider/glance/client";
import { listAllImages, listImagePages } from "../../provider/glance/images";
import { chooseVersion, endpointRoot } from "../../provider/glance/versions";
import { HttpError, VersionError } from "../../provider/openstack/errors";
import { fakeServiceClient, sendJson, startServer, version, type TestServer } from "./support/fake-service";

/** Glance's real list is unsorted and mixes statuses; v2.16 EXPERIMENTAL must not win. */
const MIXED = [
  version("v2.3", "SUPPORTED"),
  version("v2.15", "CURRENT"),
  version("v1.1", "DEPRECATED"),
  version("v2.16", "EXPERIMENTAL"),
  version("v2.9", "SUPPORTED"),
  version("v2.0", "SUPPORTED"),
];

const image = (id: string, name: string): unknown => ({
  id,
  name,
  status: "queued",
  visibility: "private",
  protected: false,
  tags: [],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
});

describe("glance version discovery", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A fake Glance under `prefix` (e.g. "" or "/image"): 300 at `{prefix}/`, two pages of images. */
  async function fakeGlance(prefix: string, versions: unknown[] = MIXED): Promise<TestServer> {
    return startServer((req, res) => {
      const url = new URL(req.url, "http://x");
      if (url.pathname === `${prefix}/`) return sendJson(res, 300, { versions });
      if (url.pathname === `${prefix}/v2/images`) {
        // Glance's next links are root-relative and know nothing of the proxy prefix.
        if (url.searchParams.get("marker") === "b") return sendJson(res, 200, { images: [image("c", "c")] });
        return sendJson(res, 200, { images: [image("a", "a"), image("b", "b")], next: "/v2/images?limit=2&marker=b" });
      }
      return sendJson(res, 404, { message: `no route ${url.pathname}<br /><br />\n\n\n`, code: "404 Not Found", title: "Not Found" });
    });
  }

  it("unversioned endpoint: GET / answers 300, highest CURRENT/SUPPORTED v2 wins, base is {root}/v2", async () => {
    server = await fakeGlance("");
    const glance = new GlanceClient(fakeServiceClient(server.origin));
    const v = await glance.version();
    assert.equal(v.id, "v2.15");
    assert.equal(v.minor, 15);
    assert.equal(v.baseUrl, `${server.origin}/v2`);
    assert.equal(v.rootUrl, server.origin);
    assert.ok(v.offered.includes("v2.16 (EXPERIMENTAL)"));
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.url}`),
      ["GET /"],
    );
  });

  for (const suffix of ["/v2", "/v2/", "/v2.0"]) {
    it(`versioned endpoint ${suffix}: discovery runs on the root, base stays {root}/v2`, async () => {
      server = await fakeGlance("");
      const glance = new GlanceClient(fakeServiceClient(`${server.origin}${suffix}`));
      assert.equal(await glance.baseUrl(), `${server.origin}/v2`);
      assert.equal(server.requests[0]?.url, "/");
    });
  }

  for (const suffix of ["", "/", "/v2", "/v2/"]) {
    it(`path-prefixed endpoint /image${suffix}: discovery and next links keep the prefix`, async () => {
      server = await fakeGlance("/image");
      const glance = new GlanceClient(fakeServiceClient(`${server.origin}/image${suffix}`));
      assert.equal(await glance.baseUrl(), `${server.origin}/image/v2`);
      const images = await listAllImages(glance, { limit: 2 });
      assert.deepEqual(
        images.map((i) => i.id),
        ["a", "b", "c"],
      );
      assert.deepEqual(
        server.requests.map((r) => r.url),
        ["/image/", "/image/v2/images?limit=2", "/image/v2/images?limit=2&marker=b"],
      );
    });
  }

  it("an endpoint offering only v1 fails with VersionError naming the versions found", async () => {
    server = await fakeGlance("", [version("v1.1", "CURRENT"), version("v1.0", "SUPPORTED")]);
    const glance = new GlanceClient(fakeServiceClient(server.origin));
    await assert.rejects(glance.baseUrl(), (err: unknown) => {
      assert.ok(err instanceof VersionError, String(err));
      assert.equal(err.code, "ERR_VERSION");
      assert.match(err.message, /v1\.1 \(CURRENT\)/);
      assert.match(err.message, /v1\.0 \(SUPPORTED\)/);
      assert.match(err.message, new RegExp(server!.origin.replace(/\./g, "\\.")));
      return true;
    });
  });

  it("v2 entries that are only DEPRECATED/EXPERIMENTAL do not count", () => {
    assert.equal(chooseVersion([version("v2.1", "DEPRECATED"), version("v2.2", "EXPERIMENTAL")] as never), undefined);
    assert.equal(chooseVersion(MIXED as never)?.id, "v2.15");
  });

  it("caches the discovered version: one GET / for many calls", async () => {
    server = await fakeGlance("");
    const glance = new GlanceClient(fakeServiceClient(server.origin));
    await Promise.all([glance.baseUrl(), glance.baseUrl(), glance.version()]);
    await listAllImages(glance, { limit: 2 });
    assert.equal(server.requests.filter((r) => r.url === "/").length, 1);
  });

  it("a failed discovery is not cached; the error keeps Glance's message", async () => {
    let fail = true;
    server = await startServer((req, res) => {
      if (fail) return sendJson(res, 500, { message: "boom<br /><br />\n\n\n", code: "500", title: "Internal Server Error" });
      return sendJson(res, 300, { versions: MIXED });
    });
    const glance = new GlanceClient(fakeServiceClient(server.origin));
    await assert.rejects(glance.version(), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, 500);
      assert.equal(err.serviceMessage, "boom");
      return true;
    });
    fail = false;
    assert.equal((await glance.version()).id, "v2.15");
  });

  it("a root without a version list is tolerated when the endpoint itself is pinned to v2", async () => {
    server = await startServer((req, res) => sendJson(res, 404, { message: "not here" }));
    const glance = new GlanceClient(fakeServiceClient(`${server.origin}/image/v2`));
    const v = await glance.version();
    assert.equal(v.baseUrl, `${server.origin}/image/v2`);
    assert.equal(v.id, "v2");
    // ...but not when it is unversioned: then there is nothing to trust.
    const unpinned = new GlanceClient(fakeServiceClient(`${server.origin}/image`));
    await assert.rejects(unpinned.version(), HttpError);
  });

  it("a 200 answer from /versions-style roots is accepted too, as is a single `version` document", async () => {
    server = await startServer((req, res) => sendJson(res, 200, { version: version("v2.13", "CURRENT") }));
    const glance = new GlanceClient(fakeServiceClient(server.origin));
    assert.equal((await glance.version()).id, "v2.13");
  });

  it("endpointRoot strips only a trailing version segment", () => {
    assert.equal(endpointRoot("http://h:9292"), "http://h:9292");
    assert.equal(endpointRoot("http://h:9292/"), "http://h:9292");
    assert.equal(endpointRoot("http://h:9292/v2/"), "http://h:9292");
    assert.equal(endpointRoot("https://cloud/image/v2.1"), "https://cloud/image");
    assert.equal(endpointRoot("https://cloud/v2stuff/image"), "https://cloud/v2stuff/image");
  });

  it("pages stop when Glance sends no next link", async () => {
    server = await fakeGlance("");
    const glance = new GlanceClient(fakeServiceClient(server.origin));
    const sizes: number[] = [];
    for await (const page of listImagePages(glance, { limit: 2 })) sizes.push(page.images.length);
    assert.deepEqual(sizes, [2, 1]);
  });
});
