import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import type { GlanceClient } from "../../provider/glance/client";
import { stageImageData, uploadImageData } from "../../provider/glance/imagedata";
import { importImage, type ImportImageOptions } from "../../provider/glance/imageimport";
import { createImage, getImage, listAllImages, addProperty, updateImage, type Image } from "../../provider/glance/images";
import { HttpError } from "../../provider/openstack/errors";
import { Cleanup, glanceFor, uniqueName } from "./support/cloud-glance";

/** Asserts an HttpError with the status and Glance's message, free of webob's `<br />`. */
function glanceError(status: number, message: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof HttpError, `expected HttpError, got ${String(err)}`);
    assert.equal(err.status, status, err.message);
    assert.equal(err.code, "ERR_HTTP_STATUS");
    assert.match(err.serviceMessage, message);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /<br/);
    assert.doesNotMatch(err.serviceMessage, /<br|\n/);
    return true;
  };
}

describe("glance error mapping @cloud", function () {
  const cleanup = new Cleanup();
  let demo: GlanceClient;
  let staged: Image;

  before(async () => {
    demo = await glanceFor("local-demo");
    staged = cleanup.image(await createImage(demo, { name: uniqueName("errors"), diskFormat: "raw", containerFormat: "bare" }));
    await stageImageData(demo, staged.id, Readable.from([Buffer.from("staged bytes")]));
  });
  after(() => cleanup.run());

  it("unknown store on import → 409", async () => {
    await assert.rejects(
      importImage(demo, staged.id, { method: "glance-direct", stores: ["nope"] }),
      glanceError(409, /Store for identifier nope not found/),
    );
  });

  it("unknown store on upload (X-Image-Meta-Store) → 400", async () => {
    const image = cleanup.image(await createImage(demo, { name: uniqueName("badstore"), diskFormat: "raw", containerFormat: "bare" }));
    await assert.rejects(
      uploadImageData(demo, image.id, Readable.from([Buffer.from("data")]), { store: "nope" }),
      glanceError(400, /Store for identifier nope not found/),
    );
  });

  it("unknown import method → 400", async () => {
    const opts = { method: "magic" } as unknown as ImportImageOptions;
    await assert.rejects(importImage(demo, staged.id, opts), glanceError(400, /Unknown import method name 'magic'/));
  });

  it("reserved os_glance_* property → 403 (create and patch)", async () => {
    await assert.rejects(
      createImage(demo, { name: uniqueName("reserved"), properties: { os_glance_import_task: "x" } }),
      glanceError(403, /os_glance_import_task.*reserved/),
    );
    await assert.rejects(updateImage(demo, staged.id, [addProperty("os_glance_foo", "x")]), glanceError(403, /os_glance_foo.*reserved/));
  });

  it("missing image → 404", async () => {
    const id = "11111111-2222-3333-4444-555555555555";
    await assert.rejects(getImage(demo, id), glanceError(404, new RegExp(`No image found with ID ${id}`)));
  });

  it("bad sort key → 400", async () => {
    await assert.rejects(listAllImages(demo, { sort: "no_such_key:asc" }), glanceError(400, /no_such_key/));
  });
});
