/**
 * Glance 30 (OpenStack 2025.1) inspects the data of every upload and import against the image's disk_format
 * (`[image_format] require_image_format_match`, on by default); Zed's Glance only computed a virtual size when it
 * recognised the format. These run on 2025.1 only and skip on Zed, saying so.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import type { GlanceClient } from "../../provider/glance/client";
import { ImportFailedError } from "../../provider/glance/errors";
import { stageImageData, uploadImageData } from "../../provider/glance/imagedata";
import { importImage, waitForImport } from "../../provider/glance/imageimport";
import { createImage, getImage } from "../../provider/glance/images";
import { isStatus } from "../../provider/openstack/errors";
import { requireRelease } from "../support/cloud";
import { Cleanup, FAST_POLL, glanceFor, tempFile, uniqueName } from "./support/cloud-glance";

describe("glance format inspection on 2025.1 @cloud", function () {
  this.timeout(60_000);
  const cleanup = new Cleanup();
  let demo: GlanceClient;
  let rawBytes: string;

  before(async () => {
    demo = await glanceFor("local-demo");
    rawBytes = await tempFile(cleanup, randomBytes(256 * 1024));
  });
  after(() => cleanup.run());

  const qcow2Image = (label: string) =>
    createImage(demo, { name: uniqueName(label), diskFormat: "qcow2", containerFormat: "bare" }).then((i) => cleanup.image(i));

  it("PUT /file of raw bytes into a qcow2 image is refused: Glance's 415, whose text names the media type, not the check; the image stays queued", async function () {
    await requireRelease(this, "2025.1");
    const image = await qcow2Image("mismatch-upload");
    await assert.rejects(uploadImageData(demo, image.id, rawBytes), (err: unknown) => {
      // Glance raises InvalidImageData ("Image disk_format qcow2 does not match stream data raw") as webob's 415,
      // whose template drops that explanation: only Glance's log has it.
      assert.ok(isStatus(err, 415), String(err));
      assert.equal(err.serviceMessage, "The request media type application/octet-stream is not supported by this server.");
      return true;
    });
    assert.equal((await getImage(demo, image.id)).status, "queued");
  });

  it("a glance-direct import of raw bytes as qcow2 fails for its store, and the image goes back to queued", async function () {
    await requireRelease(this, "2025.1");
    const image = await qcow2Image("mismatch-import");
    await stageImageData(demo, image.id, rawBytes);
    await importImage(demo, image.id, { method: "glance-direct", stores: ["cheap"], allStoresMustSucceed: false });
    await assert.rejects(waitForImport(demo, image.id, FAST_POLL), (err: unknown) => {
      assert.ok(err instanceof ImportFailedError, String(err));
      assert.deepEqual(err.failedStores, ["cheap"]);
      assert.deepEqual(err.stores, []);
      return true;
    });
    assert.equal((await getImage(demo, image.id)).status, "queued");
  });
});
