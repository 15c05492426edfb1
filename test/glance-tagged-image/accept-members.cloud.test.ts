/**
 * `acceptMembers` (issue 12): in the cross-project setup of docs/octavia-configuration.md, an admin session shares
 * each image with Octavia's project and accepts it there too, so Octavia's query in that project (here: alt) finds
 * every new image, with no gap across a tag move; a member that went back to pending is accepted again by the next
 * update. A session without the admin role is refused in check, the field named.
 */
import { strict as assert } from "node:assert";
import type { GlanceClient } from "../../provider/glance/client";
import { listImageMembers, updateImageMember } from "../../provider/glance/members";
import { cleanupImages, Engine, Files, glanceFor, octaviaQuery, sleep, startOctaviaPoller, uniqueKey, uniqueTag, type TestImage } from "./support";

describe("GlanceTaggedImage acceptMembers: Octavia's project finds each image with no call of its own @cloud", function () {
  this.timeout(120_000);
  const files = new Files();
  const keys: string[] = [];
  let admin: GlanceClient;
  let alt: GlanceClient;
  let demo: GlanceClient;
  let a: TestImage;
  let b: TestImage;

  const engine = (label: string, glance: GlanceClient): Engine => {
    const key = uniqueKey(label);
    keys.push(key);
    return new Engine(glance, key);
  };
  const memberStatus = async (id: string): Promise<Record<string, string>> =>
    Object.fromEntries((await listImageMembers(admin, id)).map((m) => [m.member_id, m.status]));

  before(async () => {
    [admin, alt, demo] = await Promise.all([glanceFor("local-admin"), glanceFor("local-alt"), glanceFor("local-demo")]);
    [a, b] = [await files.image(), await files.image()];
  });
  after(async () => {
    await cleanupImages(keys);
    await files.remove();
  });

  it("accepted for the member before the tag moves: its query never comes back empty; pending again → accepted by the next update", async () => {
    const e = engine("accept", admin);
    const tag = uniqueTag("accept");
    const shared = (file: TestImage) => ({ tag, file: file.path, diskFormat: "raw", visibility: "shared", members: [alt.projectId], acceptMembers: true, keepLastTaggedImage: false });

    const created = await e.up(shared(a));
    const first = created.outputs.imageId;
    assert.match(created.lines.join("\n"), new RegExp(`members: \\+${alt.projectId}, accepted for ${alt.projectId}`));
    assert.deepEqual(created.outputs.memberStatus, { [alt.projectId]: "accepted" });
    assert.deepEqual((await octaviaQuery(alt, tag, admin.projectId)).map((i) => i.id), [first], "alt's query finds the image without alt accepting it");

    const poller = startOctaviaPoller(alt, tag, admin.projectId);
    let second: string;
    let afterwards: string | undefined;
    try {
      await sleep(100);
      const moved = await e.up(shared(b));
      second = moved.outputs.imageId;
      assert.match(moved.lines.join("\n"), new RegExp(`members: \\+${alt.projectId}, accepted for ${alt.projectId} \\(on the new image, before the tag moves\\)`));
      afterwards = await poller.current();
    } finally {
      await poller.stop();
    }
    assert.notEqual(second, first);
    const empty = poller.samples.filter((s) => s.ids.length === 0);
    assert.equal(empty.length, 0, `alt's query came back empty ${empty.length} times of ${poller.samples.length}`);
    assert.equal(afterwards, second);
    assert.deepEqual(await memberStatus(second), { [alt.projectId]: "accepted" });

    // The member project takes its acceptance back: refresh sees it, the plan says it, the update accepts again.
    await updateImageMember(alt, second, alt.projectId, "pending");
    assert.deepEqual(await octaviaQuery(alt, tag, admin.projectId), []);
    await e.refresh();
    assert.deepEqual(e.state?.memberStatus, { [alt.projectId]: "pending" });
    const plan = await e.preview(shared(b));
    assert.equal(plan.changes, true);
    assert.match(plan.lines.join("\n"), new RegExp(`members: accepted for ${alt.projectId}`));
    const repaired = await e.up(shared(b));
    assert.equal(repaired.outputs.imageId, second);
    assert.deepEqual(repaired.outputs.memberStatus, { [alt.projectId]: "accepted" });
    assert.deepEqual((await octaviaQuery(alt, tag, admin.projectId)).map((i) => i.id), [second]);
    assert.equal((await e.up(shared(b))).op, "same");
  });

  it("refused in check, naming acceptMembers: a session without the admin role, or no members to accept for", async () => {
    const tag = uniqueTag("accept-demo");
    const asDemo = await engine("accept-demo", demo).check({ tag, file: a.path, diskFormat: "raw", visibility: "shared", members: [alt.projectId], acceptMembers: true });
    assert.deepEqual(asDemo.failures.map((f) => f.property), ["acceptMembers"]);
    assert.match(asDemo.failures[0]?.reason ?? "", new RegExp(`needs a session with the admin role .* project ${demo.projectId} has none`));
    const noMembers = await engine("accept-none", admin).check({ tag, file: a.path, diskFormat: "raw", visibility: "shared", acceptMembers: true });
    assert.deepEqual(noMembers.failures.map((f) => f.property), ["acceptMembers"]);
    assert.match(noMembers.failures[0]?.reason ?? "", /needs members/);
  });
});
