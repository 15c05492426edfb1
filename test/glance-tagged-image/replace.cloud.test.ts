/**
 * Every way the engine replaces a GlanceTaggedImage, run through scripts/run-program.ts (which replaces as the
 * engine does: `--replace` without Diff and with a Check of no old inputs, the old resource's delete at the end of
 * the deployment, `deleteBeforeReplace` deleting first, `replaceOnChanges` only on keys the engine computed): Octavia's
 * query, polled every 20–50 ms from another session, never comes back empty, and the image the state references
 * exists and carries the tag afterwards.
 */
import { strict as assert } from "node:assert";
import type { GlanceClient } from "../../provider/glance/client";
import { getImage } from "../../provider/glance";
import { ExampleStack, explain, summaryLine, taggedImages } from "../examples/support";
import { Files, glanceFor, startOctaviaPoller, type Poller, type TestImage } from "./support";

const PROGRAM = "test/fixtures/programs/tag-safety";
const TYPE = "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage";

describe("GlanceTaggedImage replacements through the runner @cloud", function () {
  this.timeout(180_000);
  const files = new Files();
  const stacks: ExampleStack[] = [];
  let demo: GlanceClient;
  let octavia: GlanceClient;
  let a: TestImage;
  let b: TestImage;

  before(async () => {
    [demo, octavia] = await Promise.all([glanceFor("local-demo"), glanceFor("local-admin")]);
    [a, b] = [await files.image(), await files.image()];
  });
  after(async function () {
    this.timeout(120_000);
    for (const s of stacks) await s.dispose();
    await files.remove();
  });

  const stack = (config: Record<string, string | boolean>): ExampleStack => {
    const s = new ExampleStack(PROGRAM, { "openstack:cloud": "local-demo", file: a.path, ...config });
    s.config.tag = s.unique("replace");
    stacks.push(s);
    return s;
  };
  const stateImage = (s: ExampleStack): string => String(s.outputs().imageId);
  const settled = async (s: ExampleStack, poller: Poller): Promise<void> => {
    await poller.stop();
    const empty = poller.samples.filter((x) => x.ids.length === 0).length;
    assert.ok(poller.samples.length >= 5, `only ${poller.samples.length} samples`);
    assert.equal(empty, 0, `Octavia's query came back empty ${empty} times of ${poller.samples.length}`);
    const tag = String(s.config.tag);
    const current = stateImage(s);
    assert.deepEqual((await getImage(demo, current)).tags, [tag], "the state's image exists and carries the tag");
    assert.deepEqual(await taggedImages(octavia, tag, demo.projectId), [current], "exactly one image carries the tag");
  };

  it("pulumi up --replace (create before delete): new instance, old image deleted last, never no image", async () => {
    const s = stack({});
    await s.up();
    const first = stateImage(s);
    const poller = startOctaviaPoller(octavia, String(s.config.tag), demo.projectId);
    const r = await s.run("up", ["--replace", s.urn(TYPE, "amphora")]);
    assert.equal(r.code, 0, explain(r));
    assert.match(summaryLine(r), /1 replaced/);
    assert.notEqual(stateImage(s), first, "a replacement publishes as a new instance");
    await assert.rejects(getImage(demo, first), /404/, "the replaced resource's delete removed its own image");
    await settled(s, poller);
  });

  it("deleteBeforeReplace with --replace: the delete keeps the only tagged image, the new instance takes it over", async () => {
    const s = stack({ deleteBeforeReplace: true, retentionAction: "keep" });
    await s.up();
    const first = stateImage(s);
    const poller = startOctaviaPoller(octavia, String(s.config.tag), demo.projectId);
    s.config.file = b.path;
    const r = await s.run("up", ["--replace", s.urn(TYPE, "amphora")]);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, new RegExp(`kept ${first.slice(0, 8)}… \\(still carries tag`), explain(r));
    assert.match(r.stdout, new RegExp(`taking over ${first.slice(0, 8)}…`), explain(r));
    // The create's plan (printed before the delete released it) says that it may take the image over.
    assert.match(r.stdout, new RegExp(`left tagged: ${first.slice(0, 8)}… of another instance of this resource name \\(Octavia takes the newest; if the engine deletes that instance first \\(deleteBeforeReplace\\), this create takes it over instead\\)`), explain(r));
    assert.notEqual(stateImage(s), first);
    assert.deepEqual((await getImage(demo, first)).tags, [], "the old image lost the tag only after the new one had it");
    await settled(s, poller);
  });

  it("a region change (delete before replace, same Glance under two region names) never leaves the tag on no image", async () => {
    const s = stack({});
    await s.up();
    const poller = startOctaviaPoller(octavia, String(s.config.tag), demo.projectId);
    s.config.region = "RegionOne"; // the session's region, named: another region value, the same Glance
    const r = await s.run("up");
    assert.equal(r.code, 0, explain(r));
    assert.match(summaryLine(r), /1 replaced/);
    await settled(s, poller);
  });

  it("replaceOnChanges has no effect, as under the engine: the dynamic provider's Diff reports no changed keys", async () => {
    const s = stack({ replaceOnChanges: "tag" });
    await s.up();
    s.config.tag = s.unique("renamed");
    const r = await s.run("up");
    assert.equal(r.code, 0, explain(r));
    assert.match(summaryLine(r), /1 updated/);
    assert.doesNotMatch(r.stdout, /replaceOnChanges.*not supported/);
  });

  it("--target leaves other resources alone and --replace of a resource that is not a target does nothing", async () => {
    const s = stack({});
    await s.up();
    const first = stateImage(s);
    const r = await s.run("up", ["--target", s.urn(TYPE, "other"), "--replace", s.urn(TYPE, "amphora")]);
    assert.equal(r.code, 0, explain(r));
    assert.match(summaryLine(r), /1 unchanged/);
    assert.equal(stateImage(s), first);
  });
});
