import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveCommand } from "../../provider/amphora-image-build/build-key";
import { getImage } from "../../provider/glance/images";
import type { GlanceClient } from "../../provider/glance/client";
import { assertTagKeptThenClean, ExampleStack, glanceIn, octaviaPick, summaryLine, taggedImages } from "./support";

/**
 * examples/amphora-pipeline through scripts/run-program.ts against the local cloud: the main job, then a rebuild
 * that keeps the first image as a rollback target (retention keep 1), then a rollback by `rollbackImageId`.
 * After each step Octavia's own query must return the intended image.
 */
describe("examples/amphora-pipeline: build, publish, retention and rollback @cloud", function () {
  this.timeout(120_000);
  let stack: ExampleStack;
  let glance: GlanceClient;
  let tag = "";
  let owner = "";
  let first = "";
  let second = "";
  let firstName = "";

  before(async () => {
    stack = new ExampleStack("amphora-pipeline", {});
    tag = stack.unique("amphora-pipeline");
    stack.config = {
      "openstack:cloud": "local-demo",
      tag,
      stores: "fast,cheap",
      builder: "fixture",
      sizeGb: "1",
      outputDir: stack.work,
      keep: "1",
      retentionAction: "delete",
    };
    glance = await glanceIn("local-demo");
  });
  after(async () => {
    await stack?.dispose();
    if (tag && owner) await assertTagKeptThenClean(glance, tag, owner);
  });

  it("up builds, publishes and tags: the outputs are Octavia's settings and its query finds the image", async () => {
    const r = await stack.up();
    assert.equal(summaryLine(r), "Resources: 2 created, 0 updated, 0 unchanged, 0 deleted");
    const out = stack.outputs();
    first = out.ampImageId as string;
    owner = out.ampImageOwnerId as string;
    assert.match(owner, /^[0-9a-f]{32}$/);
    assert.equal(out.ampImageTag, tag);
    assert.equal(out.octaviaConf, `[controller_worker]\namp_image_tag = ${tag}\namp_image_owner_id = ${owner}\n`);
    assert.deepEqual(out.imageStores, ["cheap", "fast"]);
    assert.deepEqual(out.previousImageIds, []);
    assert.equal(await octaviaPick(glance, tag, owner), first);
    firstName = (await getImage(glance, first)).name ?? "";
    assert.match(firstName, /^amphora-haproxy-[0-9a-f]{12}$/);
  });

  it("a builder change rebuilds and moves the tag; retention keeps the first image untagged for a rollback", async () => {
    stack.config.sizeGb = "2";
    const r = await stack.up();
    assert.equal(summaryLine(r), "Resources: 0 created, 2 updated, 0 unchanged, 0 deleted");
    const out = stack.outputs();
    second = out.ampImageId as string;
    assert.notEqual(second, first);
    assert.deepEqual(out.previousImageIds, [first]);
    assert.equal(await octaviaPick(glance, tag, owner), second);
    assert.deepEqual(await taggedImages(glance, tag, owner), [second]);
    assert.equal((await getImage(glance, first)).status, "active", "the rollback target stays active");
  });

  it("rollbackImageId moves the tag back to the first image, which keeps its name; the build is untouched", async () => {
    stack.config.rollbackImageId = first;
    const r = await stack.up();
    assert.equal(summaryLine(r), "Resources: 0 created, 1 updated, 1 unchanged, 0 deleted");
    assert.match(r.stdout, new RegExp(`tag "${tag}": ${second.slice(0, 8)}… \\([^)]*\\) → adopt image ${first.slice(0, 8)}…`));
    const out = stack.outputs();
    assert.equal(out.ampImageId, first);
    assert.deepEqual(out.previousImageIds, [second]);
    assert.equal(await octaviaPick(glance, tag, owner), first);
    assert.deepEqual(await taggedImages(glance, tag, owner), [first]);
    assert.equal((await getImage(glance, first)).name, firstName);
  });

  it("a failing boot gate leaves the tag where it was: the build fails at its stage, nothing is published, the artifact is kept", async function () {
    if (!(await resolveCommand("qemu-system-x86_64")) || !(await resolveCommand("xorriso"))) this.skip();
    // Forward again (the tag would move to a new build), with the boot gate on: the fixture image has no boot loader.
    delete stack.config.rollbackImageId;
    stack.config.sizeGb = "3";
    stack.config.bootTimeoutSeconds = "10";
    const artifact = join(stack.work, "amphora-x64-haproxy.qcow2");
    const before = createHash("sha512").update(readFileSync(artifact)).digest("hex");
    const r = await stack.run("up");
    assert.notEqual(r.code, 0, "the build must fail");
    const text = `${r.stdout}\n${r.stderr}`;
    assert.match(text, /the amphora agent did not answer within 10 s; boot stopped at stage firmware/);
    assert.doesNotMatch(text, /GlanceTaggedImage amphora: tag "[^"]+" is on /, "GlanceTaggedImage did not run");
    assert.equal(stack.outputs().ampImageId, first, "the state still names the image the tag is on");
    assert.equal(await octaviaPick(glance, tag, owner), first);
    assert.deepEqual(await taggedImages(glance, tag, owner), [first]);
    assert.equal(createHash("sha512").update(readFileSync(artifact)).digest("hex"), before, "the previous artifact is in place");
    delete stack.config.bootTimeoutSeconds;
  });
});
