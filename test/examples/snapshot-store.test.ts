import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { GlanceClient } from "../../provider/glance/client";
import { isStatus } from "../../provider/glance/errors";
import { uploadImageData } from "../../provider/glance/imagedata";
import { createImage, deleteImage, getImage, imageStores } from "../../provider/glance/images";
import { ExampleStack, glanceIn, summaryLine } from "./support";

/**
 * examples/snapshot-store through scripts/run-program.ts against the local cloud (admin: copy-image is
 * admin-only): a snapshot, its base image, a backup and an image carrying an extra tag start in other stores; `up`
 * moves them all into the chosen store; a snapshot taken afterwards is found by `refresh` and moved by the next
 * `up`. Only this run's images are selected (propertyFilters on a run property; the extra tag is unique).
 */
describe("examples/snapshot-store: snapshots, backups and base images in one store @cloud", function () {
  this.timeout(120_000);
  let stack: ExampleStack;
  let admin: GlanceClient;
  const made: string[] = [];
  let run = "";
  let extraTag = "";
  const ids: Record<"base" | "snapshot" | "backup" | "extra" | "later", string> = { base: "", snapshot: "", backup: "", extra: "", later: "" };

  async function image(name: string, store: string, properties: Record<string, string>, tags: string[] = []): Promise<string> {
    const data = randomBytes(4096);
    const created = await createImage(admin, { name: `example-snapshot-store-${run}-${name}`, diskFormat: "raw", containerFormat: "bare", properties, tags });
    made.push(created.id);
    await uploadImageData(admin, created.id, Readable.from([data]), { store, size: data.length });
    return created.id;
  }
  const storesOf = async (id: string) => imageStores(await getImage(admin, id)).sort();

  before(async () => {
    stack = new ExampleStack("snapshot-store", {});
    run = stack.unique("ssx");
    extraTag = stack.unique("amphora");
    admin = await glanceIn("local-admin");
    ids.base = await image("base", "fast", {});
    ids.snapshot = await image("snapshot", "fast", { image_type: "snapshot", base_image_ref: ids.base, example_run: run });
    ids.backup = await image("backup", "cheap", { image_type: "backup", example_run: run });
    ids.extra = await image("extra", "cheap", {}, [extraTag]);
    stack.config = {
      "openstack:cloud": "local-admin",
      store: "reliable",
      mode: "move",
      extraImages: extraTag,
      propertyFilters: { example_run: run },
      concurrency: 4,
      pollSeconds: 0.2,
    };
  });
  after(async () => {
    await stack?.dispose();
    for (const id of made) {
      await deleteImage(admin, id).catch((err: unknown) => {
        if (!isStatus(err, 404)) throw err;
      });
    }
  });

  it("up moves every selected image into the store and outputs the nova.conf [libvirt] snippet", async () => {
    const r = await stack.up();
    assert.equal(summaryLine(r), "Resources: 1 created, 0 updated, 0 unchanged, 0 deleted");
    const out = stack.outputs();
    const selected = [ids.base, ids.snapshot, ids.backup, ids.extra].sort();
    assert.deepEqual(out.matched, selected);
    assert.deepEqual(out.compliant, selected);
    assert.deepEqual(out.nonCompliant, []);
    assert.deepEqual(out.relocated, selected);
    assert.deepEqual(out.failed, {});
    assert.deepEqual(out.missing, []);
    assert.equal(out.store, "reliable");
    assert.equal(
      out.novaConf,
      "[libvirt]\nimages_rbd_glance_store_name = reliable\nimages_rbd_glance_copy_poll_interval = 15\nimages_rbd_glance_copy_timeout = 600\n",
    );
    for (const id of selected) assert.deepEqual(await storesOf(id), ["reliable"], `stores of ${id}`);
  });

  it("a snapshot taken later is found by refresh and moved by the next up", async () => {
    ids.later = await image("later", "fast", { image_type: "snapshot", base_image_ref: ids.base, example_run: run });
    const refreshed = await stack.run("refresh");
    assert.equal(refreshed.code, 0, refreshed.stdout);
    const up = await stack.up();
    assert.equal(summaryLine(up), "Resources: 0 created, 1 updated, 0 unchanged, 0 deleted");
    const out = stack.outputs();
    assert.deepEqual(out.relocated, [ids.later]);
    assert.deepEqual(out.nonCompliant, []);
    assert.ok((out.compliant as string[]).includes(ids.later));
    assert.deepEqual(await storesOf(ids.later), ["reliable"]);
  });
});
