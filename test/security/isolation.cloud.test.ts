/**
 * Never touches another project's images, even with an admin token. Through the real provider host:
 * - GlanceTaggedImage as local-admin, while alt owns images that carry the same tags, and images that carry the
 *   admin resource's own crash-safety markers (an active one, and a queued one that looks exactly like a
 *   half-made image of that resource): create, tag move, tag change, retention `delete`, refresh, a refused
 *   rollback to alt's image, destroy. alt's images keep their tags, status and data throughout.
 * - SnapshotStorePolicy in `move` mode as local-admin (owner defaulting to the admin project, and an explicit
 *   other owner) and as a member (demo) to which alt shared a snapshot: alt's snapshots matching the
 *   policy's filters are never selected, copied or removed from a store.
 * (The in-process counterparts are test/glance-tagged-image/publish.cloud.test.ts "other owner" and
 * test/snapshot-store-policy/policy.cloud.test.ts "member session".)
 */
import { randomUUID } from "node:crypto";
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import {
  addImageMember,
  createImage,
  getImage,
  updateImageMember,
  uploadImageData,
  type GlanceClient,
  type Image,
} from "../../provider/glance";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { markerProperties } from "../../provider/glance-tagged-image/markers";
import { sourceKey } from "../../provider/glance-tagged-image/source-key";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { cleanupImages, Files, uniqueTag, type TestImage } from "../glance-tagged-image/support";
import { CheckFailedError, ProviderCallError, useProviderHost } from "../harness";
import { glanceFor, runId, storesOf, TestImages } from "../snapshot-store-policy/cloud-support";
import { cloudsFile } from "../support/cloud";
import { assertBuilt, hostEnv, REPO_ROOT, TYPES } from "./support";

const gti = packageProvider("glance-tagged-image/provider");
const ssp = packageProvider("snapshot-store-policy/provider");

/** What must not change on a foreign image. */
const fingerprint = (i: Image) => ({ status: i.status, tags: [...i.tags].sort(), stores: i.stores ?? "", hash: i.os_hash_value ?? null, checksum: i.checksum ?? null });

describe("security: never touches another project's images, even with an admin token (alt's images) @cloud", function () {
  this.timeout(60_000);
  const files = new Files();
  const snapshots = new TestImages();
  const keys: string[] = [];
  const altIds: string[] = [];
  let admin: GlanceClient;
  let demo: GlanceClient;
  let alt: GlanceClient;
  let a: TestImage;
  let b: TestImage;

  before(async () => {
    assertBuilt();
    [admin, demo, alt] = await Promise.all([glanceFor("local-admin"), glanceFor("local-demo"), glanceFor("local-alt")]);
    [a, b] = [await files.image(32 * 1024), await files.image(32 * 1024)];
  });
  after(async function () {
    this.timeout(30_000);
    await cleanupImages(keys, altIds);
    await snapshots.cleanup();
    await files.remove();
  });

  async function altImage(opts: { tags?: string[]; properties?: Record<string, string>; data?: Buffer }): Promise<Image> {
    const image = await createImage(alt, {
      name: `sec-alt-${runId}`,
      diskFormat: "raw",
      containerFormat: "bare",
      visibility: "private",
      ...(opts.tags ? { tags: opts.tags } : {}),
      ...(opts.properties ? { properties: opts.properties } : {}),
    });
    altIds.push(image.id);
    if (opts.data) await uploadImageData(alt, image.id, Readable.from([opts.data]), { size: opts.data.length });
    return getImage(admin, image.id);
  }

  describe("GlanceTaggedImage as local-admin", () => {
    const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: { "openstack:cloud": "local-admin" }, env: hostEnv({ OS_CLIENT_CONFIG_FILE: cloudsFile() }) }));

    it("create, move, tag change, retention delete, refresh, refused rollback, destroy: alt's tagged and marker-carrying images untouched", async () => {
      const tag = uniqueTag("iso");
      const tag2 = uniqueTag("iso2");
      const resourceKey = `amphora-sec/${runId}/isolation`;
      keys.push(resourceKey);
      const base = { resourceKey, tag, diskFormat: "raw", retention: { keep: 0, action: "delete" }, keepLastTaggedImage: false };
      const inputsA = { ...base, file: a.path, expectedSha512: a.sha512 };
      const markers = markerProperties({ resourceKey, instanceId: randomUUID() }, sourceKey(glanceTaggedImageInputsSchema().parse(inputsA)));

      const foreign = {
        tagged: await altImage({ tags: [tag, tag2], data: a.data }),
        marked: await altImage({ properties: markers, data: a.data }),
        halfMade: await altImage({ properties: markers }), // queued, same markers: a half-made image of this resource, but alt's
      };
      const before = Object.fromEntries(Object.entries(foreign).map(([k, i]) => [k, fingerprint(i)]));
      const unchanged = async (when: string) => {
        for (const [k, i] of Object.entries(foreign)) assert.deepEqual(fingerprint(await getImage(alt, i.id)), before[k], `${when}: alt's ${k} image changed`);
      };
      assert.equal(foreign.halfMade.status, "queued");

      const lc = await ctx.host.lifecycle(gti, TYPES.image, "amphora");
      const created = await lc.up(inputsA);
      const first = String(created.outputs.imageId);
      assert.ok(![foreign.marked.id, foreign.halfMade.id].includes(first), "alt's marker-carrying images are not adopted");
      assert.equal(created.outputs.ownerId, admin.projectId);
      assert.match(created.output.join("\n"), new RegExp(`not touched \\(other owners\\): ${foreign.tagged.id.slice(0, 8)}… of project ${alt.projectId}`));
      await unchanged("create");

      const moved = await lc.up({ ...base, file: b.path, expectedSha512: b.sha512 });
      const second = String(moved.outputs.imageId);
      assert.notEqual(second, first);
      await assert.rejects(getImage(admin, first), /404/, "retention deleted the admin's previous image");
      await unchanged("move + retention delete");

      const retagged = await lc.up({ ...base, tag: tag2, file: b.path, expectedSha512: b.sha512 });
      assert.deepEqual((await getImage(admin, second)).tags, [tag2]);
      await unchanged("tag change");

      const refreshed = await lc.refresh();
      assert.deepEqual(refreshed.outputs?.drift, [], "alt's images carrying the tag are not drift");
      assert.equal((await lc.preview({ ...base, tag: tag2, file: b.path, expectedSha512: b.sha512 })).op, "same");

      const err = await lc.up({ ...base, tag: tag2, imageId: foreign.tagged.id }).then(() => assert.fail("adopting alt's image must fail"), (e: unknown) => e);
      assert.ok(err instanceof ProviderCallError, String(err));
      assert.match(err.details, new RegExp(`owned by project ${alt.projectId}, not by ${admin.projectId}`));
      assert.equal(lc.state?.outputs.imageId, retagged.outputs.imageId, "state unchanged by the refused update");
      await unchanged("refused rollback");

      await lc.destroy();
      await assert.rejects(getImage(admin, second), /404/);
      await unchanged("destroy");
    });
  });

  describe("SnapshotStorePolicy in move mode", () => {
    const filter = { ssp_run: `${runId}-iso` };
    const policy = (extra: Record<string, unknown> = {}) => ({ store: "fast", mode: "move", propertyFilters: filter, timeouts: { copySeconds: 60, pollSeconds: 0.2 }, ...extra });
    let altSnapshot: { id: string };
    let altBackup: { id: string };

    before(async () => {
      altSnapshot = await snapshots.make(alt, "iso-snap", { ...filter, image_type: "snapshot" });
      altBackup = await snapshots.make(alt, "iso-backup", { ...filter, image_type: "backup" });
      // shared with demo and accepted: demo's image list (visibility all) shows it
      await addImageMember(alt, altSnapshot.id, demo.projectId);
      await updateImageMember(demo, altSnapshot.id, demo.projectId, "accepted");
    });
    const untouched = async () => {
      assert.deepEqual(await storesOf(admin, altSnapshot.id), ["cheap"]);
      assert.deepEqual(await storesOf(admin, altBackup.id), ["cheap"]);
    };

    describe("as local-admin", () => {
      const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: { "openstack:cloud": "local-admin" }, env: hostEnv({ OS_CLIENT_CONFIG_FILE: cloudsFile() }) }));

      it("owner unset (the admin project) and owner = demo: alt's matching snapshots are not selected", async () => {
        const mine = await snapshots.make(admin, "iso-admin", { ...filter, image_type: "snapshot" });
        const lc = await ctx.host.lifecycle(ssp, TYPES.policy, "own");
        const created = await lc.up(policy());
        assert.equal(created.outputs.ownerProject, admin.projectId);
        assert.deepEqual(created.outputs.matched, [mine.id]);
        assert.deepEqual(await storesOf(admin, mine.id), ["fast"], "the admin's own snapshot was moved");
        await untouched();
        const refreshed = await lc.refresh();
        assert.deepEqual(refreshed.outputs?.matched, [mine.id]);
        await lc.destroy();

        const other = await ctx.host.lifecycle(ssp, TYPES.policy, "demo-owned");
        const made = await other.up(policy({ owner: demo.projectId }));
        assert.deepEqual(made.outputs.matched, [], "demo owns nothing matching; alt's shared snapshot is not demo's");
        await other.destroy();
        await untouched();
      });
    });

    describe("as a member (demo) with alt's snapshot shared to it", () => {
      const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: { "openstack:cloud": "local-demo" }, env: hostEnv({ OS_CLIENT_CONFIG_FILE: cloudsFile() }) }));

      it("the shared snapshot is visible to demo but not selected; owner = alt is refused in check", async () => {
        assert.equal((await getImage(demo, altSnapshot.id)).owner, alt.projectId, "demo can see alt's snapshot");
        const lc = await ctx.host.lifecycle(ssp, TYPES.policy, "member");
        const created = await lc.up(policy());
        assert.equal(created.outputs.ownerProject, demo.projectId);
        assert.deepEqual(created.outputs.matched, []);
        await lc.destroy();
        await untouched();

        const refused = await ctx.host.lifecycle(ssp, TYPES.policy, "member-alt");
        await assert.rejects(refused.up(policy({ owner: alt.projectId })), (e: unknown) => {
          assert.ok(e instanceof CheckFailedError, String(e));
          assert.deepEqual(e.failures.map((f) => f.property), ["owner"]);
          assert.match(e.failures[0]?.reason ?? "", /is another project; a session without the admin role only sees its own project's images/);
          return true;
        });
        await untouched();
      });
    });
  });
});
