/**
 * Adoption changes only what it is asked to, gives the image back on delete, and `members` shares every tagged
 * image with another project (Octavia's, in the cross-project setup of docs/octavia-configuration.md), against
 * the real local Glance: demo owns and publishes, alt is the member project that accepts with its own session
 * and runs Octavia's query.
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { GlanceClient } from "../../provider/glance/client";
import { createImage, getImage, listImagePages, uploadImageData, type Image } from "../../provider/glance";
import { listImageMembers, updateImageMember } from "../../provider/glance/members";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { useProviderHost } from "../harness";
import { cloudsFile } from "../support/cloud";
import { GlanceTaggedImageError } from "../../provider/glance-tagged-image/errors";
import { RELEASED_MARKER } from "../../provider/glance-tagged-image/markers";
import { cleanupImages, Engine, Files, glanceFor, octaviaQuery, sleep, startOctaviaPoller, uniqueKey, uniqueTag, type TestImage } from "./support";

const short = (id: string): string => `${id.slice(0, 8)}…`;
const members = async (glance: GlanceClient, id: string): Promise<Record<string, string>> =>
  Object.fromEntries((await listImageMembers(glance, id)).map((m) => [m.member_id, m.status]));

/** An image uploaded by hand (no marker): shared, unprotected, property x=a. */
async function byHand(glance: GlanceClient, file: TestImage, extra: Record<string, string> = {}): Promise<Image> {
  const image = await createImage(glance, {
    name: uniqueTag("by-hand"),
    diskFormat: "raw",
    containerFormat: "bare",
    visibility: "shared",
    properties: { x: "a", ...extra },
  });
  await uploadImageData(glance, image.id, file.path);
  return getImage(glance, image.id);
}

/** A client of `glance`'s session that logs `METHOD path` of every request, in order. */
function recording(glance: GlanceClient, log: string[]): GlanceClient {
  const http = glance.http.extend({
    hooks: { beforeRequest: [(options) => void log.push(`${options.method} ${new URL(String(options.url)).pathname}`)] },
  });
  return new GlanceClient({ endpoint: glance.endpoint, http, projectId: glance.projectId, roles: glance.service.roles });
}

describe("GlanceTaggedImage adoption and members @cloud", function () {
  this.timeout(60_000);
  const files = new Files();
  const keys: string[] = [];
  const extra: string[] = [];
  let demo: GlanceClient;
  let alt: GlanceClient;
  let a: TestImage;
  let b: TestImage;

  const engine = (label: string, glance: GlanceClient = demo): Engine => {
    const key = uniqueKey(label);
    keys.push(key);
    return new Engine(glance, key);
  };

  before(async () => {
    [demo, alt] = await Promise.all([glanceFor("local-demo"), glanceFor("local-alt")]);
    [a, b] = [await files.image(), await files.image()];
  });
  after(async () => {
    await cleanupImages(keys, extra);
    await files.remove();
  });

  it("adopting a shared image with no visibility set keeps it shared and plans no visibility change", async () => {
    const image = await byHand(demo, a);
    extra.push(image.id);
    const e = engine("keep");
    const tag = uniqueTag("keep");
    const created = await e.up({ tag, imageId: image.id, diskFormat: "raw", keepLastTaggedImage: false });
    const after = await getImage(demo, image.id);
    assert.equal(after.visibility, "shared");
    assert.equal(after.protected, false);
    assert.equal(after.x, "a");
    assert.deepEqual(after.tags, [tag]);
    const lines = created.lines.join("\n");
    // The plan (printed by check: the engine calls no diff for a create) already read the image.
    assert.ok(created.lines[0]?.endsWith(`: tag "${tag}": adopt image ${short(image.id)}: attributes left as they are`), created.lines[0]);
    assert.match(lines, new RegExp(`tag "${tag}": adopt image ${short(image.id)}; attributes left as they are`));
    assert.doesNotMatch(lines, /visibility|protected|property/);
    assert.equal(created.outputs.attributes?.visibility, "shared");
    assert.equal(created.outputs.adopted?.imageId, image.id);

    const again = await e.up({ tag, imageId: image.id, diskFormat: "raw", keepLastTaggedImage: false });
    assert.equal(again.op, "same", "nothing left out is ever a change");
    const lost = await e.destroy();
    assert.match(lost.join("\n"), new RegExp(`tag "${tag}" removed from ${short(image.id)}`));
    assert.doesNotMatch(lost.join("\n"), /restored/);
    const kept = await getImage(demo, image.id);
    assert.equal(kept.visibility, "shared");
    assert.deepEqual(kept.tags, []);
  });

  it("adopting with attributes set plans and applies each change, and delete restores them", async () => {
    const image = await byHand(demo, a, { keep: "mine" });
    extra.push(image.id);
    const e = engine("change");
    const tag = uniqueTag("change");
    const asked = { tag, imageId: image.id, diskFormat: "raw", keepLastTaggedImage: false, visibility: "private", protected: true, properties: { x: "b", y: "c" } };
    const created = await e.up(asked);
    const id = short(image.id);
    // The plan names every change before up makes it, as up then reports it.
    const plan = `: tag "${tag}": adopt image ${id}: update visibility shared → private, property x: a → b, property y: (none) → c, protected false → true`;
    assert.ok(created.lines[0]?.endsWith(plan), created.lines[0]);
    assert.match(
      created.lines.join("\n"),
      new RegExp(`tag "${tag}": adopt image ${id}; update visibility shared → private, property x: a → b, property y: \\(none\\) → c, protected false → true`),
    );
    const changed = await getImage(demo, image.id);
    assert.deepEqual([changed.visibility, changed.protected, changed.x, changed.y, changed.keep], ["private", true, "b", "c", "mine"]);
    assert.deepEqual(created.outputs.adopted, {
      imageId: image.id,
      original: { visibility: "shared", protected: false },
      originalProperties: { x: "a" },
      addedProperties: ["y"],
      addedMembers: [],
    });

    // An in-place change is named by diff against what the image has (the state's attributes).
    const preview = await e.preview({ ...asked, visibility: "community" });
    assert.match(preview.lines.join("\n"), new RegExp(`tag "${tag}": update visibility private → community$`));

    const lines = (await e.destroy()).join("\n");
    assert.match(lines, new RegExp(`restored ${id}: visibility private → shared, property x: b → a, property y: c → \\(removed\\), protected true → false`));
    const restored = await getImage(demo, image.id);
    assert.deepEqual([restored.visibility, restored.protected, restored.x, restored.y, restored.keep], ["shared", false, "a", undefined, "mine"]);
    assert.deepEqual(restored.tags, []);
  });

  it("members: shown in the plan, alt accepts and Octavia's query as alt finds the image; a new publish is shared before the tag moves; delete removes them", async () => {
    const log: string[] = [];
    const e = engine("members", recording(demo, log));
    const tag = uniqueTag("members");
    const shared = (file: TestImage, more: Record<string, unknown> = {}) => ({ tag, file: file.path, diskFormat: "raw", visibility: "shared", members: [alt.projectId], keepLastTaggedImage: false, ...more });

    const created = await e.up(shared(a));
    const first = created.outputs.imageId;
    assert.match(created.lines.join("\n"), new RegExp(`tag "${tag}": new upload .*; members: \\+${alt.projectId}`));
    assert.match(created.lines.join("\n"), new RegExp(`image ${first} is shared with ${alt.projectId} \\(pending\\)`));
    assert.deepEqual(created.outputs.memberStatus, { [alt.projectId]: "pending" });
    assert.deepEqual(await octaviaQuery(alt, tag, demo.projectId), [], "pending: Glance leaves the image out of alt's lists");

    // The member project accepts with its own session (only it can), then Octavia's query in alt finds the image.
    assert.equal((await updateImageMember(alt, first, alt.projectId, "accepted")).status, "accepted");
    assert.deepEqual((await octaviaQuery(alt, tag, demo.projectId)).map((i) => i.id), [first]);
    await e.refresh();
    assert.deepEqual(e.state?.memberStatus, { [alt.projectId]: "accepted" });
    assert.equal((await e.up(shared(a))).op, "same");

    // A new publish: shared with alt before the tag is put on it.
    const preview = await e.preview(shared(b));
    assert.match(preview.lines.join("\n"), new RegExp(`members: \\+${alt.projectId} \\(on the new image, before the tag moves\\)`));
    log.length = 0;
    const moved = await e.up(shared(b));
    const second = moved.outputs.imageId;
    assert.notEqual(second, first);
    const shareAt = log.indexOf(`POST /v2/images/${second}/members`);
    const tagAt = log.indexOf(`PUT /v2/images/${second}/tags/${tag}`);
    assert.ok(shareAt >= 0 && tagAt > shareAt, `members before the tag:\n${log.join("\n")}`);
    assert.deepEqual(await members(demo, second), { [alt.projectId]: "pending" });
    // Each image is accepted on its own: until alt accepts the new one, its query finds nothing (documented).
    assert.deepEqual(await octaviaQuery(alt, tag, demo.projectId), []);
    await updateImageMember(alt, second, alt.projectId, "accepted");
    assert.deepEqual((await octaviaQuery(alt, tag, demo.projectId)).map((i) => i.id), [second]);
    assert.deepEqual(await members(demo, first), { [alt.projectId]: "accepted" }, "the previous image stays shared (rollback target)");

    // The listing with the member_status filter (accepted, Glance's default) as alt sees exactly the tagged image.
    for await (const page of listImagePages(alt, { tag, owner: demo.projectId, memberStatus: "accepted", visibility: "shared" })) {
      assert.deepEqual(page.images.map((i) => i.id), [second]);
      break;
    }

    const protectedKeep = await e.up(shared(b, { protected: true }));
    assert.equal(protectedKeep.outputs.imageId, second);
    const lines = (await e.destroy()).join("\n");
    assert.match(lines, new RegExp(`unshared ${short(second)}: members: -${alt.projectId}`));
    assert.match(lines, new RegExp(`kept ${short(second)} \\(protected\\)`));
    assert.deepEqual(await members(demo, second), {});
    extra.push(second);
  });

  it("promotion of an image alt accepted under a canary tag (docs/octavia-configuration.md): Octavia's query as alt never comes back empty", async () => {
    const tag = uniqueTag("promote");
    const sharing = { diskFormat: "raw", visibility: "shared", members: [alt.projectId] };
    const main = engine("promote-main");
    const canary = engine("promote-canary");
    const current = (await main.up({ tag, file: a.path, ...sharing })).outputs.imageId;
    await updateImageMember(alt, current, alt.projectId, "accepted");
    const candidate = (await canary.up({ tag: uniqueTag("canary"), file: b.path, ...sharing })).outputs.imageId;
    await updateImageMember(alt, candidate, alt.projectId, "accepted");

    const poller = startOctaviaPoller(alt, tag, demo.projectId);
    let promoted;
    let afterwards;
    try {
      await sleep(100);
      promoted = await main.up({ tag, imageId: candidate, ...sharing });
      afterwards = await poller.current();
    } finally {
      await poller.stop();
    }
    assert.match(promoted.lines.join("\n"), new RegExp(`adopt image ${short(candidate)}; attributes left as they are$`, "m"));
    assert.deepEqual(promoted.outputs.memberStatus, { [alt.projectId]: "accepted" });
    assert.deepEqual(poller.samples.filter((x) => x.ids.length === 0), [], "Octavia's query as alt came back empty");
    assert.equal(afterwards, candidate);
    assert.ok(poller.samples.length >= 3, `only ${poller.samples.length} samples`);

    await main.destroy();
    assert.deepEqual(await members(demo, candidate), { [alt.projectId]: "accepted" }, "main did not add alt to it: it stays");
    await canary.destroy();
  });

  it("a property dropped from the inputs goes back to the value the adopted image had, or away when the resource added it", async () => {
    const image = await byHand(demo, a);
    extra.push(image.id);
    const e = engine("dropped");
    const tag = uniqueTag("dropped");
    const asked = { tag, imageId: image.id, diskFormat: "raw", keepLastTaggedImage: false, properties: { x: "b", y: "c" } };
    await e.up(asked);
    const preview = await e.preview({ ...asked, properties: {} });
    assert.match(preview.lines.join("\n"), new RegExp(`tag "${tag}": update property x: b → a, property y: c → \\(removed\\)$`));
    await e.up({ ...asked, properties: {} });
    const after = await getImage(demo, image.id);
    assert.deepEqual([after.x, after.y], ["a", undefined], "x as it was found, y (added by the resource) gone");
    await e.destroy();
  });

  it("destroy that keeps an adopted image tagged for Octavia restores its name and protection and lists what stays for its service", async () => {
    const image = await byHand(demo, a);
    extra.push(image.id);
    const e = engine("kept-adopted");
    const tag = uniqueTag("kept-adopted");
    const renamed = uniqueTag("renamed");
    // keepLastTaggedImage left at its default (true): the image is the only one carrying the tag.
    await e.up({ tag, imageId: image.id, diskFormat: "raw", name: renamed, visibility: "private", protected: true, properties: { x: "b" } });
    const changed = await getImage(demo, image.id);
    assert.deepEqual([changed.name, changed.visibility, changed.protected, changed.x], [renamed, "private", true, "b"]);

    const lines = (await e.destroy()).join("\n");
    const after = await getImage(demo, image.id);
    assert.deepEqual(after.tags, [tag], "Octavia still finds it");
    assert.deepEqual([after.name, after.protected], [image.name, false], "name and protection restored");
    assert.deepEqual([after.visibility, after.x], ["private", "b"], "what amphorae or Octavia's project may depend on stays");
    const id = short(image.id);
    assert.match(lines, new RegExp(`restored ${id}: name "${renamed}" → "${image.name}", protected true → false`));
    assert.match(lines, new RegExp(`left on ${id} while it carries the tag \\(amphorae boot from it; restore by hand once Octavia uses another image\\): visibility private \\(it had shared\\), property x: b \\(it had a\\)`));
    assert.match(lines, /adopted, so not released: adopt it again with imageId/);
    assert.equal(after[RELEASED_MARKER], undefined, "an adopted image is not released to a next resource");
  });

  it("the plan of adopting an image of another project says up will refuse it; up then does (ERR_ADOPT) and changes nothing", async () => {
    const image = await byHand(alt, a);
    extra.push(image.id);
    const e = engine("foreign");
    const tag = uniqueTag("foreign");
    const err = await e.up({ tag, imageId: image.id, diskFormat: "raw", keepLastTaggedImage: false }).then(
      () => undefined,
      (x: unknown) => x,
    );
    // Shared with nobody: the session cannot even see it.
    const plan = `: tag "${tag}": adopt image ${short(image.id)}: up will fail (ERR_ADOPT): it does not exist or project ${demo.projectId} cannot see it`;
    assert.ok(e.lines[0]?.endsWith(plan), e.lines[0]);
    assert.ok(err instanceof GlanceTaggedImageError && err.code === "ERR_ADOPT", String(err));
    const after = await getImage(alt, image.id);
    assert.deepEqual([after.tags, after.visibility], [[], "shared"]);
  });

  it("check refuses members without visibility shared, naming the field", async () => {
    const e = engine("refuse");
    const { failures } = await e.check({ tag: uniqueTag("refuse"), file: a.path, members: [alt.projectId] });
    assert.deepEqual(failures.map((f) => f.property), ["members"]);
    assert.match(failures[0]?.reason ?? "", /^needs visibility "shared".*visibility is not set/);
  });
});

describe("GlanceTaggedImage adoption through the provider host @cloud", function () {
  this.timeout(60_000);
  const repoRoot = resolve(__dirname, "..", "..");
  const provider = packageProvider("glance-tagged-image/provider");
  const files = new Files();
  const resourceKey = `amphora-test/test/adopt-${uniqueTag("host")}`;
  const extra: string[] = [];
  let demo: GlanceClient;
  let alt: GlanceClient;

  before(function () {
    if (!existsSync(join(repoRoot, "dist", "provider", "glance-tagged-image", "attributes.js"))) {
      throw new Error("dist/ is missing or old: run `npm run build && node scripts/link-self.js` first (npm test does it)");
    }
  });
  const ctx = useProviderHost(() => ({
    cwd: repoRoot,
    config: { "openstack:cloud": "local-demo" },
    env: { OS_CLIENT_CONFIG_FILE: cloudsFile(), OS_CLOUD: undefined, OS_AUTH_URL: undefined },
  }));
  before(async () => {
    [demo, alt] = await Promise.all([glanceFor("local-demo"), glanceFor("local-alt")]);
  });
  after(async () => {
    await cleanupImages([resourceKey], extra);
    await files.remove();
  });

  it("adopt a shared image as it is, share it with alt, refresh, delete: the image is left as found", async () => {
    const image = await byHand(demo, await files.image());
    extra.push(image.id);
    const tag = uniqueTag("host");
    const lc = await ctx.host.lifecycle(provider, "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage", "amphora");
    const base = { resourceKey, tag, imageId: image.id, diskFormat: "raw", keepLastTaggedImage: false };

    const created = await lc.up(base);
    assert.equal(created.op, "create");
    assert.equal((await getImage(demo, image.id)).visibility, "shared");
    assert.match(created.output.join("\n"), new RegExp(`tag "${tag}": adopt image ${short(image.id)}; attributes left as they are`));
    assert.deepEqual(created.outputs.memberStatus, {});
    assert.equal((await lc.up(base)).op, "same");

    const sharing = await lc.up({ ...base, visibility: "shared", members: [alt.projectId] });
    assert.equal(sharing.op, "update");
    assert.match(sharing.output.join("\n"), new RegExp(`tag "${tag}": members: \\+${alt.projectId}`));
    assert.deepEqual(await members(demo, image.id), { [alt.projectId]: "pending" });
    await updateImageMember(alt, image.id, alt.projectId, "accepted");
    assert.deepEqual((await octaviaQuery(alt, tag, demo.projectId)).map((i) => i.id), [image.id]);
    const refreshed = await lc.refresh();
    assert.deepEqual(refreshed.outputs?.memberStatus, { [alt.projectId]: "accepted" });

    const gone = await lc.destroy();
    assert.match(gone.output.join("\n"), new RegExp(`restored ${short(image.id)}: members: -${alt.projectId}`));
    const after = await getImage(demo, image.id);
    assert.equal(after.visibility, "shared");
    assert.deepEqual(after.tags, []);
    assert.deepEqual(await members(demo, image.id), {});
  });
});
