import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { listAllImages } from "../provider/glance/images";
import { GlanceClient } from "../provider/glance/client";
import { cloudsFile, imageClientFor } from "./support/cloud";
import { summaryLine } from "./support/run-output";

/**
 * The main job README promises: the root Pulumi program (AmphoraImageBuild → GlanceTaggedImage) run through
 * scripts/run-program.ts against the local cloud. A second run changes nothing; changing one builder input
 * rebuilds, publishes and moves the tag; Octavia's own query returns the intended image after each step.
 */
const repoRoot = resolve(__dirname, "..");
const runId = randomBytes(4).toString("hex");
const stack = `maintest${runId}`;
const tag = `amphora-main-${runId}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runner(args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/run-program.ts", ...args], {
      cwd: repoRoot,
      env: { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsFile(), OS_CLOUD: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

const explain = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

function outputValue(r: Run, name: string): string {
  const line = r.stdout.split("\n").find((l) => l.trim().startsWith(`${name} `) || l.trim().startsWith(`${name}:`));
  assert.ok(line, `no output ${name}\n${explain(r)}`);
  return JSON.parse(line.slice(line.indexOf(":") + 1).trim()) as string;
}

/** Exactly what Octavia asks Glance for (controller_worker amp_image_tag / amp_image_owner_id). */
async function octaviaPick(glance: GlanceClient, owner: string): Promise<string | undefined> {
  const images = await listAllImages(glance, { tag, status: "active", owner, sort: "created_at:desc", limit: 2 });
  return images[0]?.id;
}

describe("main job: the root Pulumi program through the engine-faithful runner @cloud", function () {
  this.timeout(240_000);
  const stackFile = join(repoRoot, `Pulumi.${stack}.yaml`);
  const work = mkdtempSync(join(tmpdir(), "amphora-main-job-"));
  const stateFile = join(work, "state.json");
  const common = ["--stack", stack, "--state", stateFile];
  let glance: GlanceClient;

  const writeStack = (sizeGb: number): void =>
    writeFileSync(
      stackFile,
      [
        "config:",
        "  openstack:cloud: local-demo",
        `  amphora-pipeline:tag: ${tag}`,
        "  amphora-pipeline:stores: fast,cheap",
        "  amphora-pipeline:builder: fixture",
        `  amphora-pipeline:sizeGb: "${sizeGb}"`,
        `  amphora-pipeline:outputDir: ${work}`,
        "  amphora-pipeline:keep: 1",
        "  amphora-pipeline:retentionAction: delete",
        "",
      ].join("\n"),
    );

  before(async () => {
    glance = await imageClientFor("local-demo").then((s) => new GlanceClient(s));
  });
  after(async () => {
    await runner(["destroy", ...common]);
    rmSync(stackFile, { force: true });
    rmSync(work, { recursive: true, force: true });
  });

  let firstImage = "";
  let owner = "";

  it("up builds, publishes and tags; Octavia's query returns the new image", async () => {
    writeStack(1);
    const r = await runner(["up", ...common]);
    assert.equal(r.code, 0, explain(r));
    assert.equal(summaryLine(r.stdout), "Resources: 2 created, 0 updated, 0 unchanged, 0 deleted");
    assert.match(r.stdout, /amphora-x64-haproxy\.qcow2: build/);
    firstImage = outputValue(r, "ampImageId");
    owner = outputValue(r, "ampImageOwnerId");
    assert.equal(outputValue(r, "ampImageTag"), tag);
    assert.match(outputValue(r, "octaviaConf"), new RegExp(`amp_image_tag = ${tag}\\namp_image_owner_id = ${owner}`));
    assert.equal(await octaviaPick(glance, owner), firstImage);
  });

  it("a second up with no change changes nothing and calls no builder", async () => {
    const r = await runner(["up", ...common]);
    assert.equal(r.code, 0, explain(r));
    assert.equal(summaryLine(r.stdout), "Resources: 0 created, 0 updated, 2 unchanged, 0 deleted");
    assert.doesNotMatch(r.stdout, /builder finished/);
    assert.equal(outputValue(r, "ampImageId"), firstImage);
  });

  it("changing one builder input rebuilds, publishes and moves the tag", async () => {
    writeStack(2);
    const r = await runner(["up", ...common]);
    assert.equal(r.code, 0, explain(r));
    assert.equal(summaryLine(r.stdout), "Resources: 0 created, 2 updated, 0 unchanged, 0 deleted");
    assert.match(r.stdout, /rebuild: sizeGb 1 → 2/);
    const second = outputValue(r, "ampImageId");
    assert.notEqual(second, firstImage);
    assert.equal(await octaviaPick(glance, owner), second);
    const tagged = await listAllImages(glance, { tag, owner });
    assert.deepEqual(tagged.map((i) => i.id), [second], "only the new image carries the tag");
  });
});
