/**
 * Keystone killed outright (SIGKILL to its process group) while an image is published and tagged, then started
 * again with `scripts/local-openstack.sh start`. A provider host started while Keystone is down (every `pulumi up`
 * starts a new one, so it has no token) must fail before touching Glance, naming Keystone's URL and the
 * connection error (a SnapshotStorePolicy names its store and Keystone too); the tagged image must stay tagged and
 * nothing half-made may appear; the next up, with Keystone back, moves the tag. Through the real provider host.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProviderCallError, startProviderHost, type ProviderHost } from "../harness";
import { runId } from "../glance/support/cloud-glance";
import { sessionFor } from "../support/cloud";
import {
  cleanupImages,
  ensureGlance,
  glanceFor,
  hostOptions,
  keystoneUrl,
  killKeystone,
  markedImages,
  providers,
  recordScenario,
  requireDist,
  startLocalCloud,
  taggedImages,
  TYPES,
} from "./support";

describe("faults: Keystone killed outright @cloud", function () {
  this.timeout(240_000);
  let dir: string;
  const hosts: ProviderHost[] = [];
  const resourceKey = `faults/${runId}/keystone-kill`;
  const tag = `faults-${runId}-keystone-kill`;

  before(async () => {
    requireDist();
    await ensureGlance();
    dir = await mkdtemp(join(tmpdir(), "faults-keystone-"));
  });
  after(async function () {
    this.timeout(180_000);
    await startLocalCloud();
    await Promise.all(hosts.map((h) => h.stop()));
    await cleanupImages([resourceKey]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function host(opts: Parameters<typeof hostOptions>[0] = {}): Promise<ProviderHost> {
    const h = await startProviderHost(hostOptions(opts));
    hosts.push(h);
    return h;
  }

  it("an up while Keystone is down fails naming Keystone, before anything reaches Glance; the tag stays; the next up moves it", async () => {
    const first = join(dir, "first.raw");
    const second = join(dir, "second.raw");
    await writeFile(first, randomBytes(256 * 1024));
    await writeFile(second, randomBytes(256 * 1024));
    const inputs = { resourceKey, tag, diskFormat: "raw", importMethod: "glance-direct" };

    const before = await (await host()).lifecycle(providers.image, TYPES.image, "keystone-kill");
    const created = await before.up({ ...inputs, file: first });
    const tagged = String(created.outputs.imageId);
    const authUrl = await keystoneUrl();

    killKeystone();
    const problems: string[] = [];
    let example = "";
    const during = await (await host()).lifecycle(providers.image, TYPES.image, "keystone-kill");
    during.state = before.state;
    try {
      await during.up({ ...inputs, file: second });
      problems.push("the up succeeded with Keystone down");
    } catch (err) {
      assert.ok(err instanceof ProviderCallError, String(err));
      example = err.details;
      if (!err.details.includes(authUrl.replace(/\/+$/, ""))) problems.push(`the error does not name Keystone's URL: ${err.details}`);
      if (!/ECONNREFUSED|not reachable|connect/i.test(err.details)) problems.push(`the error does not say why: ${err.details}`);
      if (!err.details.includes(resourceKey)) problems.push(`the error does not name the resource: ${err.details}`);
    }
    const policy = await (await host({ cloud: "local-admin" })).lifecycle(providers.policy, TYPES.policy, "keystone-kill-policy");
    try {
      await policy.up({ store: "cheap" });
      problems.push("a SnapshotStorePolicy up succeeded with Keystone down");
    } catch (err) {
      assert.ok(err instanceof ProviderCallError, String(err));
      if (!err.details.includes("SnapshotStorePolicy cheap: ") || !err.details.includes(authUrl.replace(/\/+$/, ""))) {
        problems.push(`the SnapshotStorePolicy error does not name its store and Keystone: ${err.details}`);
      }
    }

    await startLocalCloud();
    const demo = await glanceFor("local-demo");
    const owner = (await sessionFor("local-demo")).projectId;
    const stillTagged = (await taggedImages(demo, tag, owner)).map((i) => i.id);
    if (stillTagged.join() !== tagged) problems.push(`tagged while Keystone was down: ${stillTagged.join(", ") || "nothing"} (expected ${tagged})`);
    const marked = await markedImages(resourceKey);
    if (marked.length !== 1) problems.push(`${marked.length} images of the resource after the failed up (expected 1)`);

    const after = await (await host()).lifecycle(providers.image, TYPES.image, "keystone-kill");
    after.state = before.state;
    const moved = await after.up({ ...inputs, file: second });
    if (moved.op !== "update" || moved.outputs.imageId === tagged) problems.push(`the next up: ${moved.op}, image ${String(moved.outputs.imageId)}`);
    const nowTagged = (await taggedImages(demo, tag, owner)).map((i) => i.id);
    if (nowTagged.join() !== String(moved.outputs.imageId)) problems.push(`after the next up the tag is on ${nowTagged.join(", ") || "nothing"}`);
    for (const image of await markedImages(resourceKey)) {
      if (image.status !== "active" || image.os_glance_import_task) problems.push(`image ${image.id} left ${image.status}`);
    }
    await after.destroy();

    recordScenario({
      scenario: "Keystone killed outright",
      injected: "SIGKILL to Keystone's process group between two ups; a new provider host (no token) runs the second up; Keystone started again",
      runs: 1,
      bad: problems.length ? 1 : 0,
      held: "the up fails before any Glance call, naming the resource (SnapshotStorePolicy: its store), Keystone's URL and the connection error; the tagged image stays tagged, nothing half-made; the next up moves the tag",
      ...(problems.length ? { notes: problems } : {}),
      ...(example ? { example } : {}),
    });
    assert.deepEqual(problems, []);
  });
});
