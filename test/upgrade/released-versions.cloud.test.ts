/**
 * Upgrades never surprise a running stack: for every released version, a stack is created with that version of
 * the package (its source taken from git at the release's commit and built here), then the same program runs with
 * the current code, through scripts/run-program.ts against the local cloud:
 *   - `preview` plans no replacement, no new upload and no rebuild;
 *   - the first `up` only migrates what must change in place (markers, state shape) while Octavia's query, polled
 *     every 20–50 ms, keeps returning the same image; the build is not run again and no snapshot is copied again;
 *   - a second `up` changes nothing.
 * Each release adds one entry to RELEASES (CHANGELOG.md says what changes for a running stack).
 */
import { hasRow } from "../support/run-output";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import type { GlanceClient } from "../../provider/glance/client";
import { createImage, deleteImage, getImage, imageStores, uploadImageData } from "../../provider/glance";
import { INSTANCE_MARKER } from "../../provider/glance-tagged-image/markers";
import { ExampleStack, explain, glanceIn, repoRoot, summaryLine } from "../examples/support";
import { startOctaviaPoller } from "../glance-tagged-image/support";

const { linkSelf } = require(join(repoRoot, "scripts", "link-self.js")) as { linkSelf(projectDir: string, target?: string): unknown };

const RELEASES = [{ version: "0.1.0", commit: "89336a657ea0521814598a836842a97a74f723a7" }];
const PROGRAM = "test/fixtures/programs/upgrade";

/** The released package: its tree at the release commit under .upgrade/<version> (git-ignored), built with tsc. */
function releasedPackage(version: string, commit: string): string {
  const tree = join(repoRoot, ".upgrade", version);
  if (existsSync(join(tree, "dist", "sdk", "index.js"))) return tree;
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  // Inside the repository so that it resolves @pulumi/pulumi, zod and got from the same node_modules as the runner.
  execFileSync("bash", ["-c", `git -C "${repoRoot}" archive ${commit} | tar -x -C "${tree}"`], { stdio: "pipe" });
  execFileSync(process.execPath, [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", join(tree, "tsconfig.build.json")], { stdio: "pipe" });
  return tree;
}

for (const release of RELEASES) {
  describe(`upgrade: a stack created by ${release.version} keeps working with the current code @cloud`, function () {
    this.timeout(240_000);
    let stack: ExampleStack;
    let admin: GlanceClient;
    let tree: string;
    let snapshot = "";
    const created: Record<string, string> = {};
    let artifactMtime = 0;

    before(async function () {
      this.timeout(300_000);
      tree = releasedPackage(release.version, release.commit);
      admin = await glanceIn("local-admin");
      stack = new ExampleStack(PROGRAM, {});
      const run = stack.unique("upgrade");
      const data = randomBytes(4096);
      const image = await createImage(admin, { name: `upgrade-${run}-snapshot`, diskFormat: "raw", containerFormat: "bare", properties: { image_type: "snapshot", upgrade_run: run } });
      snapshot = image.id;
      await uploadImageData(admin, image.id, Readable.from([data]), { store: "cheap", size: data.length });
      stack.config = { "openstack:cloud": "local-admin", tag: stack.unique("upgrade"), outputDir: stack.work, snapshotRun: run };
    });
    after(async function () {
      this.timeout(120_000);
      linkSelf(join(repoRoot, PROGRAM), repoRoot);
      await stack?.dispose();
      for (const id of [snapshot, created.imageId ?? ""]) if (id) await deleteImage(admin, id).catch(() => undefined);
    });

    it(`${release.version} creates the stack`, async () => {
      linkSelf(join(repoRoot, PROGRAM), tree);
      const r = await stack.up();
      assert.equal(summaryLine(r), "Resources: 3 created, 0 updated, 0 unchanged, 0 deleted");
      created.imageId = String(stack.outputs().imageId);
      created.buildKey = String(stack.outputs().buildKey);
      artifactMtime = statSync(join(stack.work, "amphora-x64-haproxy.qcow2")).mtimeMs;
      assert.deepEqual(imageStores(await getImage(admin, snapshot)).sort(), ["cheap", "fast"]);
      assert.equal((await getImage(admin, created.imageId))[INSTANCE_MARKER], undefined, `${release.version} wrote no instance marker`);
    });

    it("the current code's preview plans no replacement, no new upload and no rebuild", async () => {
      linkSelf(join(repoRoot, PROGRAM), repoRoot);
      const r = await stack.run("preview");
      assert.equal(r.code, 0, explain(r));
      assert.doesNotMatch(summaryLine(r), /replace/);
      assert.match(summaryLine(r), /0 to create/);
      assert.doesNotMatch(r.stdout, /new upload|new web-download|rebuild/, explain(r));
    });

    it("the first up migrates in place: the same image keeps the tag throughout, no build, no copy", async () => {
      const tag = String(stack.config.tag);
      const poller = startOctaviaPoller(admin, tag, admin.projectId);
      const r = await stack.up();
      await poller.stop();
      assert.match(summaryLine(r), /^Resources: 0 created, \d+ updated, \d+ unchanged, 0 deleted$/, explain(r));
      const moved = poller.samples.filter((s) => s.ids[0] !== created.imageId);
      assert.ok(poller.samples.length >= 3, `only ${poller.samples.length} samples`);
      assert.deepEqual(moved, [], "Octavia's query always returned the image the stack had");
      assert.equal(stack.outputs().imageId, created.imageId);
      assert.equal(stack.outputs().buildKey, created.buildKey);
      assert.equal(statSync(join(stack.work, "amphora-x64-haproxy.qcow2")).mtimeMs, artifactMtime, "the artifact was not rebuilt");
      // No row: unchanged (the CLI's display prints no row for an unchanged resource).
      assert.ok(!hasRow(r.stdout, "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild", "amphora-image"), `no build step\n${explain(r)}`);
      assert.ok(!hasRow(r.stdout, "pulumi-nodejs:dynamic/amphora:SnapshotStorePolicy", "snapshots"), `no snapshot copied again\n${explain(r)}`);
      const image = await getImage(admin, String(created.imageId));
      assert.match(String(image[INSTANCE_MARKER]), /^[0-9a-f-]{36}$/, "the image now carries this instance's marker");
      assert.deepEqual(image.tags, [tag]);
    });

    it("a second up changes nothing", async () => {
      const r = await stack.up();
      assert.equal(summaryLine(r), "Resources: 0 created, 0 updated, 3 unchanged, 0 deleted", explain(r));
    });
  });
}
