/**
 * Running an example project (examples/<name>/) through scripts/run-program.ts against the local cloud, the way
 * its README tells an operator to, for the `@cloud` program tests in this folder.
 *
 *   const stack = new ExampleStack("canary-rollout", { "openstack:cloud": "local-demo", tag: "amphora-x" });
 *   const r = await stack.up();            // child process: npx ts-node scripts/run-program.ts up --dir ... --stack ... --state ...
 *   stack.outputs();                        // stack outputs from the runner's state file
 *   await stack.dispose();                  // destroy, then remove the temporary stack file and work directory
 *
 * Each stack gets a unique name (so the resources' Glance markers `<project>/<stack>/<name>` are unique), a
 * temporary `Pulumi.<stack>.yaml` in the example directory (written before every run, removed by dispose) and a
 * temporary work directory for the state file and build outputs. OS_* variables of the developer's shell are not
 * passed on: the runs see only the local cloud's clouds.yaml.
 */
import { summaryLine as summaryOf } from "../support/run-output";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { stringify } from "yaml";
import { GlanceClient } from "../../provider/glance/client";
import { deleteImage, listAllImages } from "../../provider/glance/images";
import { OpenStackSession, resolveSessionConfig } from "../../provider/openstack";
import { cloudsFile, localCloudsFiles, localPorts } from "../support/cloud";

export const repoRoot = resolve(__dirname, "..", "..");
const { linkSelf } = require(join(repoRoot, "scripts", "link-self.js")) as {
  linkSelf(projectDir: string, repoRoot?: string): unknown;
};

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const explain = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

/** Config values as written in the stack file; keys without a namespace belong to the example's project. */
export type StackConfig = Record<string, string | number | boolean | Record<string, unknown> | unknown[]>;

/**
 * Makes `pulumi-amphora` resolvable from the example (node_modules link, as its README says) and checks that the
 * program and the package load the same @pulumi/pulumi as the runner: `setMocks` only reaches that one copy.
 */
export function prepareExample(example: string): string {
  // A name is an example under examples/; a path (with a "/") is a test program relative to the repository.
  const dir = example.includes("/") ? join(repoRoot, example) : join(repoRoot, "examples", example);
  linkSelf(dir, repoRoot);
  const pulumiOf = (from: string) => realpathSync(require.resolve("@pulumi/pulumi", { paths: [from] }));
  const runners = pulumiOf(repoRoot);
  assert.equal(pulumiOf(dir), runners, `${example} must not have its own node_modules/@pulumi (a second copy of the SDK)`);
  assert.equal(pulumiOf(realpathSync(join(dir, "node_modules", "pulumi-amphora"))), runners);
  return dir;
}

export class ExampleStack {
  readonly dir: string;
  readonly project: string;
  readonly stack: string;
  /** Temporary directory: state file, build outputs. */
  readonly work: string;
  readonly stateFile: string;
  readonly stackFile: string;
  config: StackConfig;

  constructor(example: string, config: StackConfig) {
    this.dir = prepareExample(example);
    const doc = readFileSync(join(this.dir, "Pulumi.yaml"), "utf8");
    this.project = /^name:\s*(\S+)\s*$/m.exec(doc)?.[1] ?? assert.fail(`no name in examples/${example}/Pulumi.yaml`);
    this.stack = `extest${randomBytes(4).toString("hex")}`;
    this.work = mkdtempSync(join(tmpdir(), `example-${basename(example)}-`));
    this.stateFile = join(this.work, "state.json");
    this.stackFile = join(this.dir, `Pulumi.${this.stack}.yaml`);
    this.config = config;
  }

  /** A unique name for this run (tags, image names). */
  unique(prefix: string): string {
    return `${prefix}-${this.stack.slice("extest".length)}`;
  }

  private writeStackFile(): void {
    const qualified = Object.fromEntries(
      Object.entries(this.config).map(([k, v]) => [k.includes(":") ? k : `${this.project}:${k}`, v]),
    );
    writeFileSync(this.stackFile, stringify({ config: qualified }));
  }

  run(command: "up" | "preview" | "destroy" | "refresh", extraArgs: string[] = []): Promise<Run> {
    this.writeStackFile();
    return runProgram([command, "--dir", this.dir, "--stack", this.stack, "--state", this.stateFile, ...extraArgs]);
  }

  /** The URN the engine gives a resource of this stack registered at the top level. */
  urn(type: string, name: string): string {
    return `urn:pulumi:${this.stack}::${this.project}::${type}::${name}`;
  }

  /** `up`, asserting exit code 0. */
  async up(): Promise<Run> {
    const r = await this.run("up");
    assert.equal(r.code, 0, explain(r));
    return r;
  }

  /** Stack outputs as the runner saved them (plain JSON values; secrets excluded). */
  outputs(): Record<string, unknown> {
    return this.state().outputs;
  }

  state(): { outputs: Record<string, unknown>; resources: RecordedResource[] } {
    return JSON.parse(readFileSync(this.stateFile, "utf8")) as { outputs: Record<string, unknown>; resources: RecordedResource[] };
  }

  /** Destroys what is left (when a state exists) and removes the stack file and work directory. */
  async dispose(): Promise<void> {
    try {
      if (existsSync(this.stateFile)) {
        const r = await this.run("destroy");
        if (r.code !== 0) process.stderr.write(`destroy of ${this.stack} failed:\n${explain(r)}\n`);
      }
    } finally {
      rmSync(this.stackFile, { force: true });
      rmSync(this.work, { recursive: true, force: true });
    }
  }
}

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** `node -r ts-node/register/transpile-only scripts/run-program.ts ...args` in the repository root. */
export function runProgram(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OS_")) env[k] = v;
  env.OS_CLIENT_CONFIG_FILE = cloudsFile();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/run-program.ts", ...args], {
      cwd: repoRoot,
      env,
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

/** The `Resources:` block of a run as one line (test/support/run-output.ts). */
export function summaryLine(r: Run): string {
  return summaryOf(r.stdout);
}

/** Exactly what Octavia asks Glance for (`amp_image_tag` + `amp_image_owner_id`): the newest active tagged image. */
export async function octaviaPick(glance: GlanceClient, tag: string, owner: string): Promise<string | undefined> {
  const images = await listAllImages(glance, { tag, status: "active", owner, sort: "created_at:desc", limit: 2 });
  return images[0]?.id;
}

/** Ids of the owner's images carrying `tag`, sorted. */
export async function taggedImages(glance: GlanceClient, tag: string, owner: string): Promise<string[]> {
  return (await listAllImages(glance, { tag, owner })).map((i) => i.id).sort();
}

/** A Glance client for one of the local clouds, optionally in another region than the cloud's own. */
export async function glanceIn(cloud: string, region?: string): Promise<GlanceClient> {
  const config = resolveSessionConfig({ cloud, ...(region ? { region } : {}) }, undefined, {}, localCloudsFiles());
  const session = await OpenStackSession.create(config);
  return new GlanceClient(await session.serviceClient("image", region ? { region } : {}));
}


/**
 * After a destroy: Octavia still finds an image for each tag (the destroy keeps the last tagged image and releases
 * it, `keepLastTaggedImage`), and only one; those images are then deleted so the test leaves nothing behind.
 */
export async function assertTagKeptThenClean(glance: GlanceClient, tags: string | string[], owner: string): Promise<void> {
  const left = new Set<string>();
  for (const tag of [tags].flat()) {
    const carrying = await taggedImages(glance, tag, owner);
    assert.equal(carrying.length, 1, `after destroy exactly one image keeps tag ${tag} (got ${carrying.join(", ") || "none"})`);
    for (const id of carrying) left.add(id);
  }
  for (const id of left) await deleteImage(glance, id).catch(() => undefined);
}

/** The second Glance of `local-openstack.sh start --region-two` (image service of region RegionTwo). */
export const REGION_TWO = "RegionTwo";

/**
 * Makes sure the local cloud runs with region two (cloud local-multi, second Glance answering); otherwise runs
 * `bash scripts/local-openstack.sh start --region-two`, which only adds what is missing (a no-op when it runs).
 */
export async function ensureRegionTwo(): Promise<void> {
  const answers = await fetch(`http://127.0.0.1:${localPorts().glance2}/healthcheck`, { signal: AbortSignal.timeout(3000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (answers && /^\s{2}local-multi:/m.test(readFileSync(cloudsFile(), "utf8"))) return;
  const r = await new Promise<Run>((done, fail) => {
    const child = spawn("bash", [join(repoRoot, "scripts", "local-openstack.sh"), "start", "--region-two"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
  assert.equal(r.code, 0, `local-openstack.sh start --region-two failed\n${explain(r)}`);
}
