/**
 * Plan and apply agree (issue 13): for every kind of change of the GlanceTaggedImage suite, the line a preview
 * prints is compared with what `up` then did, read back from Glance. Through the real dynamic-provider host, one
 * resource going through the scenarios in order. Every image that gains or loses the tag, changes status or
 * disappears must be one the plan named for that; the image that gets the tag must be the one the plan named.
 */
import { strict as assert } from "node:assert";
import { resolve } from "node:path";
import type { GlanceClient } from "../../provider/glance/client";
import { addImageTag, createImage, deleteImage, getImage, removeImageTag, replaceAttribute, updateImage, uploadImageData } from "../../provider/glance";
import { isStatus } from "../../provider/glance/errors";
import { listMarkedImages } from "../../provider/glance-tagged-image/markers";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { UNKNOWN, useProviderHost, type Lifecycle } from "../harness";
import { ensureRegionTwo, glanceIn } from "../examples/support";
import { cloudsFile } from "../support/cloud";
import { cleanupImages, Files, glanceFor, uniqueTag, type TestImage } from "./support";

const repoRoot = resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage";
const provider = packageProvider("glance-tagged-image/provider");

/** What a plan line says, by 8-character id prefix. */
interface Planned {
  target: { kind: "new" } | { kind: "id"; id: string } | { kind: "same" };
  untag: string[];
  deleted: string[];
  deactivated: string[];
  keptUntagged: string[];
}

const ids = (text: string): string[] => [...text.matchAll(/\b([0-9a-f]{8})…/g)].map((m) => m[1] as string);

export function parsePlan(line: string): Planned {
  const body = line.replace(/^GlanceTaggedImage [^:]+: tag "[^"]*"(?: in \S+)?: /, "");
  const parts = body.split("; ");
  const planned: Planned = { target: { kind: "same" }, untag: [], deleted: [], deactivated: [], keptUntagged: [] };
  for (const part of parts) {
    const again = /→ ([0-9a-f]{8})… \([^)]*\) again: .*re-tagged/.exec(part);
    const adopt = /adopt image ([0-9a-f]{8})/.exec(part);
    if (again) planned.target = { kind: "id", id: again[1] as string };
    else if (adopt) planned.target = { kind: "id", id: adopt[1] as string };
    else if (/(^|→ )(new upload|new web-download|the image of the new source|glance-download of image|download of image|import of image)/.test(part) || /is gone: new upload/.test(part)) {
      planned.target = { kind: "new" };
    }
    if (/^tag "[^"]*" taken off /.test(part)) planned.untag.push(...ids(part));
    if (/ deleted by retention$/.test(part) || /^delete unfinished /.test(part)) planned.deleted.push(...ids(part));
    if (/ deactivated by retention$/.test(part)) planned.deactivated.push(...ids(part));
    if (/ kept untagged$/.test(part)) planned.keptUntagged.push(...ids(part));
  }
  return planned;
}

interface Seen {
  status: string;
  tagged: boolean;
}

describe("GlanceTaggedImage: the plan says what up does, scenario by scenario @cloud", function () {
  this.timeout(120_000);
  const files = new Files();
  const resourceKey = `amphora-test/test/plan-apply-${uniqueTag("pa")}`;
  const extra: string[] = [];
  let admin: GlanceClient;
  let imgs: TestImage[];
  const ctx = useProviderHost(() => ({
    cwd: repoRoot,
    config: { "openstack:cloud": "local-admin" },
    env: { OS_CLIENT_CONFIG_FILE: cloudsFile(), OS_CLOUD: undefined, OS_AUTH_URL: undefined },
  }));
  before(async () => {
    admin = await glanceFor("local-admin");
    imgs = [await files.image(), await files.image(), await files.image(), await files.image()];
  });
  after(async () => {
    await cleanupImages([resourceKey], extra);
    await files.remove();
  });

  /** Every image of the resource (by marker) and the extra ones, with status and whether they carry `tags`. */
  async function snapshot(tags: readonly string[]): Promise<Map<string, Seen>> {
    const seen = new Map<string, Seen>();
    const marked = await listMarkedImages(admin, admin.projectId, resourceKey);
    for (const id of new Set([...marked.map((i) => i.id), ...extra])) {
      try {
        const image = await getImage(admin, id);
        seen.set(id, { status: image.status, tagged: image.tags.some((t) => tags.includes(t)) });
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    }
    return seen;
  }

  const named = (list: readonly string[], id: string): boolean => list.some((p) => id.startsWith(p));

  it("create, new build, rollback to an earlier file, hand-tagged image, stores, rename, retention, adoption, drift repair", async () => {
    const lc: Lifecycle = await ctx.host.lifecycle(provider, TYPE, "pa");
    const [a, b, c, d] = imgs as [TestImage, TestImage, TestImage, TestImage];
    const tag = uniqueTag("pa");
    const renamed = uniqueTag("pa-renamed");
    const base = { resourceKey, tag, diskFormat: "raw", keepLastTaggedImage: false };
    let current = "";

    type Scenario = { name: string; inputs: Record<string, unknown> | (() => Record<string, unknown>); before?: () => Promise<void>; refresh?: boolean; expectTarget: Planned["target"]["kind"] };
    const scenarios: Scenario[] = [
      { name: "create", inputs: { ...base, file: a.path }, expectTarget: "new" },
      { name: "new build", inputs: { ...base, file: b.path }, expectTarget: "new" },
      { name: "rollback to an earlier file", inputs: { ...base, file: a.path }, expectTarget: "id" },
      {
        name: "properties change while a hand-tagged newer image carries the tag",
        inputs: { ...base, file: a.path, properties: { release: "2" } },
        before: async () => {
          const byHand = await createImage(admin, { name: "tagged by hand", diskFormat: "raw", containerFormat: "bare", visibility: "private" });
          extra.push(byHand.id);
          await uploadImageData(admin, byHand.id, d.path);
          await addImageTag(admin, byHand.id, tag);
        },
        expectTarget: "same",
      },
      { name: "stores", inputs: { ...base, file: a.path, properties: { release: "2" }, stores: ["fast", "cheap"] }, expectTarget: "same" },
      { name: "tag rename", inputs: { ...base, tag: renamed, file: a.path, properties: { release: "2" } }, expectTarget: "same" },
      { name: "new build, retention deactivate", inputs: { ...base, tag: renamed, file: c.path, retention: { keep: 0, action: "deactivate" } }, expectTarget: "new" },
      {
        name: "retention delete, one image protected",
        inputs: { ...base, tag: renamed, file: c.path, retention: { keep: 0, action: "delete" } },
        before: async () => {
          const marked = await listMarkedImages(admin, admin.projectId, resourceKey);
          const older = marked.find((i) => i.id !== current);
          if (older) await updateImage(admin, older.id, [replaceAttribute("protected", true)]);
        },
        expectTarget: "same",
      },
      { name: "drift repair", inputs: { ...base, tag: renamed, file: c.path, retention: { keep: 0, action: "delete" } }, before: () => removeImageTag(admin, current, renamed), refresh: true, expectTarget: "same" },
      { name: "adopting the image tagged by hand", inputs: () => ({ ...base, tag: renamed, imageId: extra[0] }), expectTarget: "id" },
    ];

    for (const s of scenarios) {
      await s.before?.();
      if (s.refresh) await lc.refresh();
      const tags = [tag, renamed];
      const inputs = typeof s.inputs === "function" ? s.inputs() : s.inputs;
      const preview = await lc.preview(inputs);
      const line = preview.output.find((l) => l.includes(`: tag "${String(inputs.tag)}": `) || l.includes(`: tag "${tag}": `)) ?? "";
      assert.ok(line, `${s.name}: no plan line in ${JSON.stringify(preview.output)}`);
      const plan = parsePlan(line);
      assert.equal(plan.target.kind, s.expectTarget, `${s.name}: ${line}`);

      const before = await snapshot(tags);
      const up = await lc.up(inputs);
      const after = await snapshot(tags);
      const target = String(up.outputs.imageId);
      const why = `${s.name}\nplan: ${line}\nup: ${up.output.join("\n    ")}`;

      if (plan.target.kind === "new") assert.ok(!before.has(target), `the plan said a new image; up tagged ${target}\n${why}`);
      else if (plan.target.kind === "id") assert.ok(target.startsWith(plan.target.id), `the plan named ${plan.target.id}; up tagged ${target}\n${why}`);
      else assert.equal(target, current, `the plan kept the image; up tagged another\n${why}`);
      assert.equal(after.get(target)?.tagged, true, why);

      for (const [id, was] of before) {
        if (id === target) continue;
        const now = after.get(id);
        const state = now?.status ?? "gone";
        if (!now) assert.ok(named(plan.deleted, id), `${id} was deleted, the plan did not say so\n${why}`);
        else if (was.status === "active" && now.status === "deactivated") assert.ok(named(plan.deactivated, id), `${id} was deactivated unplanned\n${why}`);
        else assert.equal(now.status, was.status, `${id}: ${was.status} → ${state}\n${why}`);
        if (was.tagged && now && !now.tagged && id !== current) assert.ok(named(plan.untag, id), `${id} lost the tag, the plan did not say so\n${why}`);
      }
      for (const id of plan.deleted) assert.ok(![...after.keys()].some((k) => k.startsWith(id)), `planned delete of ${id} did not happen\n${why}`);
      for (const id of plan.deactivated) assert.ok([...after].some(([k, v]) => k.startsWith(id) && v.status === "deactivated"), `planned deactivate of ${id}\n${why}`);
      for (const id of [...plan.untag, ...plan.keptUntagged]) assert.ok([...after].some(([k, v]) => k.startsWith(id) && !v.tagged), `${id} still tagged\n${why}`);
      current = target;
    }
  });

  it("with the build's outputs unknown (a pipeline's preview), the plan names the image holding the tag, retention by id, stores and method", async () => {
    const lc: Lifecycle = await ctx.host.lifecycle(provider, TYPE, "pipeline");
    const [a, b] = imgs as [TestImage, TestImage];
    const key = `amphora-test/test/pipeline-${uniqueTag("pipe")}`;
    const name = key.split("/")[2] as string;
    const tag = uniqueTag("pipe");
    const base = { resourceKey: key, tag, diskFormat: "raw", stores: ["fast"], retention: { keep: 0, action: "delete" }, keepLastTaggedImage: false };
    try {
      const createPreview = await lc.preview({ ...base, file: UNKNOWN, name: UNKNOWN });
      assert.match(createPreview.output.join("\n"), new RegExp(`^GlanceTaggedImage ${name}: tag "${tag}": the image of the new source \\(file known only during the update: the output of the resource that builds it\\), a new upload to fast by glance-direct`, "m"));
      const first = String((await lc.up({ ...base, file: a.path, name: "amphora-1" })).outputs.imageId);
      const second = await lc.up({ ...base, file: b.path, name: "amphora-2" });
      const current = String(second.outputs.imageId);
      const preview = await lc.preview({ ...base, file: UNKNOWN, name: UNKNOWN, expectedSha512: UNKNOWN });
      const line = preview.output.find((l) => l.includes(`tag "${tag}": `)) ?? "";
      assert.equal(
        line,
        `GlanceTaggedImage ${name}: tag "${tag}": ${current.slice(0, 8)}… ("amphora-2", created ${String(second.outputs.createdAt)}) → the image of the new source ` +
          `(file, expectedSha512 known only during the update: the output of the resource that builds it), a new upload to fast by glance-direct ` +
          `unless an image of this resource holds the same source; ${current.slice(0, 8)}… deleted by retention; name known only during the update`,
      );
      // the first image was deleted by the second up's retention (keep 0): nothing else is named
      assert.ok(!line.includes(first.slice(0, 8)));
    } finally {
      await cleanupImages([key]);
    }
  });
});

describe("GlanceTaggedImage importFrom: the plan says what up does, route and source included @cloud", function () {
  this.timeout(120_000);
  const files = new Files();
  const ONE = "RegionOne";
  const TWO = "RegionTwo";
  const keys = [`amphora-test/test/plan-import-${uniqueTag("pi")}`, `amphora-test/test/plan-import-fb-${uniqueTag("pif")}`];
  const origins: Array<{ client: GlanceClient; id: string }> = [];
  const glance: Record<string, GlanceClient> = {};
  const ctx = useProviderHost(() => ({
    cwd: repoRoot,
    config: { "openstack:cloud": "local-multi" },
    env: { OS_CLIENT_CONFIG_FILE: cloudsFile(), OS_CLOUD: undefined, OS_AUTH_URL: undefined },
  }));
  before(async function () {
    this.timeout(180_000);
    await ensureRegionTwo();
    glance[ONE] = await glanceIn("local-multi", ONE);
    glance[TWO] = await glanceIn("local-multi", TWO);
  });
  after(async () => {
    for (const client of Object.values(glance)) {
      const marked = (await Promise.all(keys.map((k) => listMarkedImages(client, client.projectId, k)))).flat();
      const ids = [...marked.map((i) => i.id), ...origins.filter((o) => o.client === client).map((o) => o.id)];
      for (const id of ids) await deleteImage(client, id).catch((err: unknown) => (isStatus(err, 404) ? undefined : Promise.reject(err)));
    }
    await files.remove();
  });

  /** An image published by hand in `region`: the one another region imports. */
  async function origin(region: string): Promise<{ id: string; image: TestImage }> {
    const client = glance[region] as GlanceClient;
    const image = await files.image();
    const record = await createImage(client, { name: uniqueTag("pi-origin"), diskFormat: "raw", containerFormat: "bare", visibility: "private" });
    origins.push({ client, id: record.id });
    await uploadImageData(client, record.id, image.path);
    return { id: record.id, image };
  }

  const planOf = (output: readonly string[], tag: string): string => output.find((l) => l.includes(`: tag "${tag}" in `)) ?? "";
  /** How up sent the data, from its own account ("publishing image <id> by <method>"), or "none" (re-tag, no publish). */
  const routeOf = (output: readonly string[]): string => /publishing image \S+ by (\S+)/.exec(output.join("\n"))?.[1] ?? "none";
  /** What the plan said of the route: the same words (glance-download; the upload's method; re-tag). */
  function plannedRoute(line: string): string {
    if (/→ [0-9a-f]{8}… \([^)]*\) again: .*re-tagged \(no upload\)/.test(line)) return "none";
    if (/glance-download of image \S+ of \S+ \(nothing uploaded from here\)/.test(line)) return "glance-download";
    return / by upload \(PUT \/file\)/.test(line) ? "upload" : (/ by (glance-direct)[;,]/.exec(line)?.[1] ?? "?");
  }

  it("glance-download, a new origin, a rollback to the earlier origin (re-tag), a pipeline preview", async () => {
    const [a, b] = [await origin(ONE), await origin(ONE)];
    const tag = uniqueTag("pi");
    const base = { resourceKey: keys[0], tag, diskFormat: "raw", region: TWO, keepLastTaggedImage: false };
    const lc: Lifecycle = await ctx.host.lifecycle(provider, TYPE, "pi");
    const copies = new Map<string, string>();
    const steps: Array<{ name: string; from: { id: string; image: TestImage }; expectTarget: Planned["target"]["kind"]; route: string }> = [
      { name: "create", from: a, expectTarget: "new", route: "glance-download" },
      { name: "new origin", from: b, expectTarget: "new", route: "glance-download" },
      { name: "rollback to the earlier origin", from: a, expectTarget: "id", route: "none" },
    ];
    let current = "";
    for (const s of steps) {
      const inputs = { ...base, importFrom: { region: ONE, imageId: s.from.id } };
      const line = planOf((await lc.preview(inputs)).output, tag);
      const plan = parsePlan(line);
      assert.equal(plan.target.kind, s.expectTarget, `${s.name}: ${line}`);
      assert.equal(plannedRoute(line), s.route, `${s.name}: ${line}`);
      if (s.route !== "none") assert.match(line, new RegExp(`image ${s.from.id.slice(0, 8)}… of ${ONE}.*; the tag moves only once its os_hash_algo/os_hash_value and size equal those of the image in ${ONE}`));
      const up = await lc.up(inputs);
      const target = String(up.outputs.imageId);
      const why = `${s.name}\nplan: ${line}\nup: ${up.output.join("\n    ")}`;
      assert.equal(routeOf(up.output), s.route, why);
      if (plan.target.kind === "id") assert.ok(target.startsWith(plan.target.id), why);
      else assert.ok(![...copies.values(), current].includes(target), why);
      if (current && current !== target) assert.ok(plan.keptUntagged.some((p) => current.startsWith(p)), `the plan did not name ${current} kept untagged\n${why}`);
      const copy = await getImage(glance[TWO] as GlanceClient, target);
      assert.equal(copy.os_hash_value, s.from.image.sha512, why);
      assert.deepEqual(copy.tags, [tag], why);
      copies.set(s.from.id, target);
      current = target;
    }
    assert.equal(copies.get(a.id), String((await getImage(glance[TWO] as GlanceClient, current)).id));

    // The first region's image id is an upstream output in a pipeline's preview: the plan names what is known.
    const pipeline = planOf((await lc.preview({ ...base, importFrom: { region: ONE, imageId: UNKNOWN } })).output, tag);
    assert.match(
      pipeline,
      new RegExp(
        `: tag "${tag}" in ${TWO}: ${current.slice(0, 8)}… \\("${tag}", created [^)]+\\) → glance-download of image \\(id known only during the update\\) of ${ONE} ` +
          `\\(nothing uploaded from here\\) to the default store, a new image unless one of this resource holds the same source; the tag moves only once`,
      ),
    );
  });

  it("the upload fallback where the region does not offer glance-download: the plan names the method up uses", async () => {
    const from = await origin(TWO);
    const tag = uniqueTag("pif");
    const lc: Lifecycle = await ctx.host.lifecycle(provider, TYPE, "pif");
    const inputs = { resourceKey: keys[1], tag, diskFormat: "raw", region: ONE, keepLastTaggedImage: false, importFrom: { region: TWO, imageId: from.id, file: from.image.path } };
    const line = planOf((await lc.preview(inputs)).output, tag);
    assert.equal(parsePlan(line).target.kind, "new", line);
    assert.match(line, new RegExp(`new upload of importFrom.file, checked against image ${from.id.slice(0, 8)}… of ${TWO} \\(${ONE} does not offer glance-download\\)`));
    const up = await lc.up(inputs);
    assert.equal(routeOf(up.output), plannedRoute(line), `plan: ${line}\nup: ${up.output.join("\n")}`);
    assert.equal((await getImage(glance[ONE] as GlanceClient, String(up.outputs.imageId))).os_hash_value, from.image.sha512);
  });
});
