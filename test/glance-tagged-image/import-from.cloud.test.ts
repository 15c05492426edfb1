import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { GlanceClient } from "../../provider/glance/client";
import { isStatus } from "../../provider/glance/errors";
import { deleteImage, getImage } from "../../provider/glance/images";
import { listImportMethods } from "../../provider/glance/info";
import { listImageTasks } from "../../provider/glance/tasks";
import * as sinon from "sinon";
import * as markers from "../../provider/glance-tagged-image/markers";
import { listMarkedImages } from "../../provider/glance-tagged-image/markers";
import { OpenStackSession, resolveSessionConfig } from "../../provider/openstack";
import { ensureRegionTwo, glanceIn } from "../examples/support";
import { localCloudsFiles } from "../support/cloud";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import { Engine, Files, octaviaQuery, uniqueKey, uniqueTag } from "./support";

const ONE = "RegionOne";
const TWO = "RegionTwo";

/** The local cloud's RegionTwo Glance has glance-download enabled, RegionOne's has not (scripts/local-openstack.sh). */
describe("GlanceTaggedImage importFrom: publishing to a second region through glance-download @cloud", function () {
  this.timeout(120_000);
  const files = new Files();
  const glance: Record<string, GlanceClient> = {};
  const keys: string[] = [];
  let owner = "";

  before(async function () {
    this.timeout(180_000);
    await ensureRegionTwo();
    glance[ONE] = await glanceIn("local-multi", ONE);
    glance[TWO] = await glanceIn("local-multi", TWO);
    owner = glance[ONE].projectId;
    const offered = await listImportMethods(glance[TWO]);
    assert.ok(
      offered.includes("glance-download") && !(await listImportMethods(glance[ONE])).includes("glance-download"),
      `RegionTwo's Glance must offer glance-download and RegionOne's not (it offers ${offered.join(", ")}): the local ` +
        `cloud predates this setting; restart it with the current scripts/local-openstack.sh (stop, start --region-two)`,
    );
  });

  after(async () => {
    // Every image a test resource made, in both regions (the multi project owns them all).
    for (const client of Object.values(glance)) {
      for (const key of keys) {
        for (const image of await listMarkedImages(client, owner, key)) {
          await deleteImage(client, image.id).catch((err: unknown) => (isStatus(err, 404) ? undefined : Promise.reject(err)));
        }
      }
    }
    await files.remove();
  });

  /** An engine for `region`, with the other region's client for importFrom. */
  function engine(region: string, label: string, client = glance[region]!): Engine {
    const key = uniqueKey(label);
    keys.push(key);
    const other = region === ONE ? TWO : ONE;
    return new Engine(client, key, { [region]: client, [other]: glance[other]! });
  }

  /** A file published in `region` by its own resource: the image another region imports. */
  async function published(region: string, label: string): Promise<{ id: string; sha512: string; path: string }> {
    const image = await files.image();
    const e = engine(region, `${label}-origin`);
    const step = await e.up({ tag: uniqueTag(`${label}-origin`), file: image.path, diskFormat: "raw", region });
    return { id: step.outputs.imageId, sha512: image.sha512, path: image.path };
  }

  const tagsOf = async (region: string, tag: string): Promise<string[]> => (await octaviaQuery(glance[region]!, tag, owner)).map((i) => i.id);

  it("RegionTwo imports RegionOne's image by glance-download: same hash, tagged, the plan says so", async () => {
    const origin = await published(ONE, "gd");
    const e = engine(TWO, "gd");
    const tag = uniqueTag("gd");
    // Earlier images of this source are looked for once (before the origin is read), not again before publishing.
    const lookups = sinon.spy(markers, "listOwnImages");
    let step: Awaited<ReturnType<Engine["up"]>>;
    try {
      step = await e.up({ tag, importFrom: { region: ONE, imageId: origin.id }, diskFormat: "raw", region: TWO });
    } finally {
      lookups.restore();
    }
    assert.equal(lookups.getCalls().filter((c) => c.args[3] !== undefined).length, 1, "one look for earlier images of the source");
    const text = step.lines.join("\n");
    assert.match(
      text,
      new RegExp(
        `tag "${tag}" in ${TWO}: glance-download of image ${origin.id.slice(0, 8)}… of ${ONE} \\(nothing uploaded from here\\) to the default store; ` +
          `the tag moves only once its os_hash_algo/os_hash_value and size equal those of the image in ${ONE} \\(a mismatch deletes the new image\\)`,
      ),
    );
    assert.match(text, new RegExp(`by glance-download from image ${origin.id} of ${ONE}`));
    const copy = await getImage(glance[TWO]!, step.outputs.imageId);
    assert.notEqual(copy.id, origin.id);
    assert.equal(copy.os_hash_algo, "sha512");
    assert.equal(copy.os_hash_value, origin.sha512, "RegionTwo holds RegionOne's bytes");
    assert.deepEqual(await tagsOf(TWO, tag), [copy.id]);
    // Glance's own record of how the data came: its import task ran glance-download.
    const tasks = await listImageTasks(glance[TWO]!, copy.id);
    assert.ok(
      tasks.some((t) => JSON.stringify(t.input ?? {}).includes("glance-download")),
      `an import task of method glance-download: ${JSON.stringify(tasks.map((t) => t.input))}`,
    );

    // A new image in RegionOne: the update's plan (diff, no call) already knows the route from check.
    const next = await published(ONE, "gd-next");
    const update = await e.up({ tag, importFrom: { region: ONE, imageId: next.id }, diskFormat: "raw", region: TWO });
    assert.equal(update.op, "update");
    assert.match(update.lines.join("\n"), new RegExp(`${copy.id.slice(0, 8)}… \\("${tag}", created [^)]+\\) → glance-download of image ${next.id.slice(0, 8)}… of ${ONE}`));
    assert.equal((await getImage(glance[TWO]!, update.outputs.imageId)).os_hash_value, next.sha512);
    assert.deepEqual(await tagsOf(TWO, tag), [update.outputs.imageId]);
  });

  it("a rollback to an earlier origin deleted since: the plan re-tags the earlier copy, and up does, without reading the origin", async () => {
    const [first, second] = [await published(ONE, "rb-a"), await published(ONE, "rb-b")];
    const e = engine(TWO, "rb");
    const tag = uniqueTag("rb");
    const from = (origin: { id: string }) => ({ tag, importFrom: { region: ONE, imageId: origin.id }, diskFormat: "raw", region: TWO });
    const copy = (await e.up(from(first))).outputs.imageId;
    assert.notEqual((await e.up(from(second))).outputs.imageId, copy);
    await deleteImage(glance[ONE]!, first.id);

    const plan = (await e.preview(from(first))).lines.join("\n");
    assert.match(plan, new RegExp(`→ ${copy.slice(0, 8)}… \\([^)]*\\) again`));
    const rolled = await e.up(from(first));
    assert.equal(rolled.outputs.imageId, copy, rolled.lines.join("\n"));
    assert.match(rolled.lines.join("\n"), new RegExp(`adopting image ${copy} published earlier from the same source \\(no new upload\\)`));
    assert.deepEqual(await tagsOf(TWO, tag), [copy]);
  });

  it("falls back to uploading importFrom.file where the region does not offer glance-download (RegionOne)", async () => {
    const origin = await published(TWO, "fb-file");
    const e = engine(ONE, "fb-file");
    const tag = uniqueTag("fb-file");
    const step = await e.up({ tag, importFrom: { region: TWO, imageId: origin.id, file: origin.path }, diskFormat: "raw", region: ONE });
    const text = step.lines.join("\n");
    assert.match(text, new RegExp(`new upload of importFrom.file, checked against image ${origin.id.slice(0, 8)}… of ${TWO} \\(${ONE} does not offer glance-download\\)`));
    assert.doesNotMatch(text, /by glance-download/);
    // The plan names the upload's method, the one the publish then used, and the hash check.
    const used = /publishing image \S+ by (\S+) to/.exec(text)?.[1];
    assert.ok(used, text);
    assert.match(text, new RegExp(`\\(${ONE} does not offer glance-download\\) to the default store by ${used === "upload" ? "upload \\(PUT /file\\)" : used}; the tag moves only once`));
    assert.equal((await getImage(glance[ONE]!, step.outputs.imageId)).os_hash_value, origin.sha512);
    assert.deepEqual(await tagsOf(ONE, tag), [step.outputs.imageId]);
  });

  it("without importFrom.file the fallback downloads the other region's image and uploads it", async () => {
    const origin = await published(TWO, "fb-dl");
    const e = engine(ONE, "fb-dl");
    const tag = uniqueTag("fb-dl");
    const step = await e.up({ tag, importFrom: { region: TWO, imageId: origin.id }, diskFormat: "raw", region: ONE });
    assert.match(step.lines.join("\n"), new RegExp(`download of image ${origin.id.slice(0, 8)}… of ${TWO} and new upload`));
    assert.equal((await getImage(glance[ONE]!, step.outputs.imageId)).os_hash_value, origin.sha512);
    assert.deepEqual(await tagsOf(ONE, tag), [step.outputs.imageId]);
  });

  it("a fallback file that is not the other region's image: ERR_HASH_MISMATCH, the upload deleted, the tag stays", async () => {
    const origin = await published(TWO, "mm-file");
    const other = await files.image();
    const e = engine(ONE, "mm-file");
    const tag = uniqueTag("mm-file");
    const first = await e.up({ tag, file: other.path, diskFormat: "raw", region: ONE });
    const before = first.outputs.imageId;
    const wrong = await files.image();
    await assert.rejects(
      e.up({ tag, importFrom: { region: TWO, imageId: origin.id, file: wrong.path }, diskFormat: "raw", region: ONE }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, "ERR_HASH_MISMATCH");
        assert.match(err.message, new RegExp(`holds other data than image ${origin.id} of ${TWO}`));
        assert.match(err.message, /the image was deleted/);
        return true;
      },
    );
    assert.deepEqual(await tagsOf(ONE, tag), [before], "the tag never left the previous image");
    const left = (await listMarkedImages(glance[ONE]!, owner, e.resourceKey)).map((i) => i.id);
    assert.deepEqual(left, [before], "nothing half-made is left");
  });

  it("glance-download that brings other data than the origin (a Glance answering another hash): refused, deleted, tag stays", async () => {
    const origin = await published(ONE, "mm-gd");
    // RegionTwo seen through a proxy that makes every image of it look like it holds other bytes.
    const proxy: FaultProxy = await startFaultProxy(await glance[TWO]!.baseUrl().then((u) => new URL(u).origin));
    try {
      const config = resolveSessionConfig(
        { cloud: "local-multi", region: TWO, endpointOverrides: { image: proxy.url } },
        undefined,
        {},
        localCloudsFiles(),
      );
      const proxied = new GlanceClient(await (await OpenStackSession.create(config)).serviceClient("image", { region: TWO }));
      const e = engine(TWO, "mm-gd", proxied);
      const tag = uniqueTag("mm-gd");
      const first = await e.up({ tag, importFrom: { region: ONE, imageId: origin.id }, diskFormat: "raw", region: TWO });
      const before = first.outputs.imageId;
      const next = await published(ONE, "mm-gd-next");
      proxy.rule({
        method: "GET",
        path: /^\/v2\/images\/[0-9a-f-]{36}$/,
        fault: { rewriteJson: (json) => ({ ...(json as Record<string, unknown>), os_hash_value: "0".repeat(128) }) },
      });
      await assert.rejects(e.up({ tag, importFrom: { region: ONE, imageId: next.id }, diskFormat: "raw", region: TWO }), (err: Error & { code?: string }) => {
        assert.equal(err.code, "ERR_HASH_MISMATCH");
        assert.match(err.message, new RegExp(`holds other data than image ${next.id} of ${ONE} it was made from: sha512 0{128}`));
        assert.match(err.message, /the image was deleted/);
        return true;
      });
      assert.deepEqual(await tagsOf(TWO, tag), [before], "the tag never left the previous image");
      assert.deepEqual(
        (await listMarkedImages(glance[TWO]!, owner, e.resourceKey)).map((i) => i.id),
        [before],
        "the imported image was deleted",
      );
    } finally {
      await proxy.close();
    }
  });

  it("importMethod glance-download where it is not offered: ERR_IMPORT_METHOD, nothing created", async () => {
    const origin = await published(TWO, "insist");
    const e = engine(ONE, "insist");
    await assert.rejects(
      e.up({ tag: uniqueTag("insist"), importFrom: { region: TWO, imageId: origin.id }, importMethod: "glance-download", diskFormat: "raw", region: ONE }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, "ERR_IMPORT_METHOD");
        assert.match(err.message, new RegExp(`glance-download is not enabled on the Glance of ${ONE}`));
        return true;
      },
    );
    assert.deepEqual(await listMarkedImages(glance[ONE]!, owner, e.resourceKey), []);
  });

  it("an origin that is missing or of another format is refused before anything exists", async () => {
    const e = engine(TWO, "missing");
    const ghost = randomUUID();
    await assert.rejects(e.up({ tag: uniqueTag("missing"), importFrom: { region: ONE, imageId: ghost }, diskFormat: "raw", region: TWO }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "ERR_SOURCE");
      assert.match(err.message, new RegExp(`importFrom: image ${ghost} of ${ONE} is not found there`));
      return true;
    });
    const origin = await published(ONE, "format");
    const f = engine(TWO, "format");
    await assert.rejects(f.up({ tag: uniqueTag("format"), importFrom: { region: ONE, imageId: origin.id }, diskFormat: "qcow2", region: TWO }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "ERR_SOURCE_FORMAT");
      assert.match(err.message, /is raw\/bare, the inputs declare qcow2\/bare/);
      return true;
    });
    for (const key of [e.resourceKey, f.resourceKey]) assert.deepEqual(await listMarkedImages(glance[TWO]!, owner, key), []);
  });
});
