/**
 * Shared pieces of the fault suite (test/faults/*.test.ts): how many times each timing-sensitive scenario runs,
 * control of the local Glance (SIGKILL, restart, wait until healthy), provider hosts pointed at a fault proxy,
 * what Glance holds for a resource, and the tally of runs that lost or left something behind (printed after
 * each file and kept in test-output/faults/figures.json; `npx ts-node test/faults/figures.ts` prints the table).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { GlanceClient } from "../../provider/glance/client";
import { listAllImages, type Image } from "../../provider/glance/images";
import { getStores } from "../../provider/glance/info";
import { sleep } from "../../provider/common/sleep";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { glanceFor } from "../glance/support/cloud-glance";
import type { ProviderHostOptions } from "../harness";
import { cloudsFile, localCloudDir, sessionFor, type LocalCloud } from "../support/cloud";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { startProviderHost, type ProviderHost } from "../harness";

export { glanceFor } from "../glance/support/cloud-glance";
import { cleanupImages, markedImages } from "../glance-tagged-image/support";
export { cleanupImages, markedImages } from "../glance-tagged-image/support";

export const repoRoot = resolve(__dirname, "..", "..");
const run = promisify(execFile);

/**
 * Repetitions of each timing-sensitive scenario: AMPHORA_FAULT_RUNS (default 3, what `npm test` runs; the
 * figures in RELIABILITY.md come from a run with AMPHORA_FAULT_RUNS=10).
 */
export const FAULT_RUNS = ((): number => {
  const n = Number(process.env.AMPHORA_FAULT_RUNS ?? "3");
  return Number.isInteger(n) && n > 0 ? n : 3;
})();

/** Runs per point of the kill-point suites: 1 in `npm test`, AMPHORA_FAULT_RUNS in the figures run. */
export const RUNS_PER_POINT = FAULT_RUNS > 3 ? FAULT_RUNS : 1;

/** Glance request paths the fault proxy's rules match (no query). */
export const GLANCE_PATH = {
  image: /^\/v2\/images\/[0-9a-f-]{36}$/,
  stage: /^\/v2\/images\/[0-9a-f-]{36}\/stage$/,
  import: /^\/v2\/images\/[0-9a-f-]{36}\/import$/,
  tag: /^\/v2\/images\/[0-9a-f-]{36}\/tags\/.+$/,
};

export const TYPES = {
  image: "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage",
  build: "pulumi-nodejs:dynamic/amphora:AmphoraImageBuild",
  policy: "pulumi-nodejs:dynamic/amphora:SnapshotStorePolicy",
} as const;

export const providers = {
  image: packageProvider("glance-tagged-image/provider"),
  build: packageProvider("amphora-image-build/provider"),
  policy: packageProvider("snapshot-store-policy/provider"),
};

/** The host loads the providers from dist/: fail early with the fix when it is missing. */
export function requireDist(): void {
  if (!existsSync(join(repoRoot, "dist", "provider", "glance-tagged-image", "provider.js"))) {
    throw new Error("dist/ is missing: run `npm run build && node scripts/link-self.js` first (npm test does it)");
  }
}

export { sleep };

// ------------------------------------------------------------------ Glance --

/** Glance's endpoint from the catalog (what the proxies forward to). */
export async function glanceUrl(): Promise<string> {
  return (await sessionFor("local-admin")).endpoint("image");
}

/** Keystone's v3 URL from clouds.yaml. */
export async function keystoneUrl(): Promise<string> {
  return (await sessionFor("local-admin")).config.authUrl;
}

function serverPid(server: "glance" | "keystone"): number {
  const pid = Number(readFileSync(join(localCloudDir, "run", `${server}.pid`), "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no usable pid in ${localCloudDir}/run/${server}.pid`);
  return pid;
}

export const glancePid = (): number => serverPid("glance");

/** SIGKILL to a server's process group (the recorded pid leads it: the script starts it with setsid). */
function killServer(server: "glance" | "keystone"): number {
  const pid = serverPid(server);
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    process.kill(pid, "SIGKILL");
  }
  return pid;
}

export const killGlance = (): number => killServer("glance");
export const killKeystone = (): number => killServer("keystone");

/** `scripts/local-openstack.sh <args>` on the cloud the tests use. */
async function localOpenStack(...args: string[]): Promise<void> {
  await run("bash", [join(repoRoot, "scripts", "local-openstack.sh"), ...args], {
    env: { ...process.env, LOCAL_OPENSTACK_DIR: localCloudDir },
    timeout: 180_000,
  });
}

/** `scripts/local-openstack.sh start` (it starts what is down; RegionTwo's Glance too when it was running), then waits for Keystone. */
export async function startLocalCloud(): Promise<void> {
  await localOpenStack("start", ...(existsSync(join(localCloudDir, "run", "glance2.pid")) ? ["--region-two"] : []));
  await waitForKeystone();
}

/** Until Keystone answers on its auth URL. */
export async function waitForKeystone(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const url = await keystoneUrl();
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`Keystone did not answer within ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}

export async function glanceAnswers(timeoutMs = 2000): Promise<boolean> {
  const url = `${(await glanceUrl()).replace(/\/+$/, "")}/healthcheck`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** `scripts/local-openstack.sh restart-glance`, then waits until Glance answers an authenticated call. */
export async function restartGlance(): Promise<number> {
  const started = Date.now();
  await localOpenStack("restart-glance");
  await waitForGlance();
  return Date.now() - started;
}

/** Until the healthcheck answers and an image list works (the worker may lag the parent). */
export async function waitForGlance(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const admin = await glanceFor("local-admin");
  for (;;) {
    if (await glanceAnswers()) {
      try {
        await getStores(admin);
        return;
      } catch {
        // not yet
      }
    }
    if (Date.now() > deadline) throw new Error(`Glance did not answer within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** After a test that may have killed Glance: restart it unless it is healthy. */
export async function ensureGlance(): Promise<void> {
  if (!(await glanceAnswers())) await restartGlance();
  await waitForGlance();
}

// ------------------------------------------------------------------- hosts --

/**
 * Options for a provider host that authenticates as `cloud` from the local clouds.yaml, with Glance behind
 * `glance` (a fault proxy) and optionally Keystone behind `keystone`.
 */
export function hostOptions(
  opts: { glance?: FaultProxy; keystone?: FaultProxy; cloud?: LocalCloud; callTimeoutMs?: number; env?: Record<string, string | undefined> } = {},
): ProviderHostOptions {
  const config: Record<string, unknown> = { "openstack:cloud": opts.cloud ?? "local-demo" };
  if (opts.glance) config["openstack:endpointOverrides"] = JSON.stringify({ image: opts.glance.url });
  if (opts.keystone) config["openstack:authUrl"] = `${opts.keystone.url}/v3`;
  return {
    cwd: repoRoot,
    config,
    env: {
      OS_CLIENT_CONFIG_FILE: cloudsFile(),
      OS_CLOUD: undefined,
      OS_AUTH_URL: undefined,
      OS_IMAGE_ENDPOINT_OVERRIDE: undefined,
      ...opts.env,
    },
    callTimeoutMs: opts.callTimeoutMs ?? 120_000,
  };
}

// ------------------------------------------------------------ Glance state --

/** Ids of every image of every project (admin view): to prove that nothing was created. */
export async function allImageIds(): Promise<Set<string>> {
  const admin = await glanceFor("local-admin");
  return new Set((await listAllImages(admin, { visibility: "all" })).map((i) => i.id));
}

/** Images of `owner` carrying `tag`, as Octavia would list them (any status). */
export async function taggedImages(glance: GlanceClient, tag: string, owner: string): Promise<Image[]> {
  return listAllImages(glance, { tag, owner, visibility: "all" });
}

/**
 * What is wrong with the images of one resource after its last run: the resource should hold exactly one
 * active image carrying the tag, and nothing queued, uploading, saving or importing. Empty when all is well.
 */
export async function leftoverProblems(resourceKey: string, tag: string, expectImage = true): Promise<string[]> {
  const images = await markedImages(resourceKey);
  const problems: string[] = [];
  for (const i of images) {
    if (i.status !== "active" && i.status !== "deactivated") problems.push(`image ${i.id} left ${i.status}`);
    if (i.os_glance_import_task) problems.push(`image ${i.id} still has an import task`);
  }
  const tagged = images.filter((i) => i.tags.includes(tag));
  if (expectImage) {
    const active = images.filter((i) => i.status === "active");
    if (active.length !== 1) problems.push(`${active.length} active images for one resource: ${active.map((i) => i.id).join(", ")}`);
    if (tagged.length !== 1) problems.push(`${tagged.length} images carry the tag`);
  } else if (images.length) {
    problems.push(`images left: ${images.map((i) => `${i.id} (${i.status})`).join(", ")}`);
  }
  return problems;
}

// ------------------------------------------------------------------- tally --

export interface ScenarioResult {
  /** Short name, e.g. "Glance SIGKILL mid-stage". */
  scenario: string;
  /** What was injected and how. */
  injected: string;
  runs: number;
  /** Runs in which anything was lost or left behind (the target is 0). */
  bad: number;
  /** What the scenario's checks claim holds (recorded as is only when no run was bad: see whatHeld). */
  held: string;
  /** Per-run notes worth keeping (timings, which branch a race took). */
  notes?: string[];
  /** One error message as the user sees it, for RELIABILITY.md. */
  example?: string;
}

/** Where the figures go: AMPHORA_FAULT_FIGURES, default test-output/faults/figures.json (merged by scenario). */
const FIGURES = process.env.AMPHORA_FAULT_FIGURES ? resolve(process.env.AMPHORA_FAULT_FIGURES) : join(repoRoot, "test-output", "faults", "figures.json");

interface FiguresFile {
  updatedAt: string;
  faultRuns: number;
  results: Record<string, ScenarioResult & { at: string; faultRuns: number }>;
}

export function readFigures(): FiguresFile {
  try {
    return JSON.parse(readFileSync(FIGURES, "utf8")) as FiguresFile;
  } catch {
    return { updatedAt: "", faultRuns: FAULT_RUNS, results: {} };
  }
}

/**
 * The "what held" of a scenario as recorded: what the test claims, when every run kept it; otherwise that it did
 * not hold, in how many runs, with the first run's problems, so a bad run never reads as a clean one.
 */
export function whatHeld(result: Pick<ScenarioResult, "held" | "runs" | "bad" | "notes">): string {
  if (result.bad === 0) return result.held;
  const first = result.notes?.find((note) => /^run \d+: /.test(note)) ?? result.notes?.[0];
  return `NOT HELD in ${result.bad} of ${result.runs} runs${first ? ` (${first})` : ""}; expected: ${result.held}`;
}

/** Records one scenario's figures (merged into test-output/faults/figures.json) and prints its line. */
export function recordScenario(result: ScenarioResult): void {
  const file = readFigures();
  const at = new Date().toISOString();
  const held = whatHeld(result);
  file.updatedAt = at;
  file.faultRuns = FAULT_RUNS;
  file.results[result.scenario] = { ...result, held, at, faultRuns: FAULT_RUNS };
  mkdirSync(dirname(FIGURES), { recursive: true });
  writeFileSync(FIGURES, `${JSON.stringify(file, null, 2)}\n`);
  process.stdout.write(`      [fault figures] ${result.scenario}: ${result.runs} runs, ${result.bad} lost/left behind — ${held}\n`);
}

/** Markdown table of the recorded figures. */
export function figuresTable(file: FiguresFile = readFigures()): string {
  const rows = Object.values(file.results).sort((a, b) => a.scenario.localeCompare(b.scenario));
  const lines = [
    "| Scenario | Injected | Runs | Runs with something lost or left behind | What held |",
    "|---|---|---:|---:|---|",
    ...rows.map((r) => `| ${r.scenario} | ${r.injected} | ${r.runs} | ${r.bad} | ${r.held} |`),
  ];
  return lines.join("\n");
}

/** Runs `body` `runs` times, counting the runs whose check returned problems (and keeping them as notes). */
export async function repeat(
  runs: number,
  body: (i: number) => Promise<string[]>,
): Promise<{ bad: number; notes: string[] }> {
  let bad = 0;
  const notes: string[] = [];
  for (let i = 0; i < runs; i++) {
    const problems = await body(i);
    if (problems.length) {
      bad++;
      notes.push(`run ${i + 1}: ${problems.join("; ")}`);
    }
  }
  return { bad, notes };
}

/**
 * What the kill-point suites (provider-crash, orphaned-host) share: Glance behind a fault proxy, source files of
 * random bytes (name → size) in a temporary directory, the hosts they start and the resource keys whose images
 * are cleaned up afterwards. Registers the mocha hooks; read the fields inside tests.
 */
export function useKillBench(prefix: string, sizes: Record<string, number>): {
  readonly proxy: FaultProxy;
  file(name: string): string;
  keys: string[];
  newHost(options?: Partial<ProviderHostOptions>): Promise<ProviderHost>;
} {
  let proxy: FaultProxy | undefined;
  let dir = "";
  const keys: string[] = [];
  const hosts: ProviderHost[] = [];
  before(async () => {
    requireDist();
    await ensureGlance();
    proxy = await startFaultProxy(await glanceUrl());
    dir = await mkdtemp(join(tmpdir(), `faults-${prefix}-`));
    for (const [name, size] of Object.entries(sizes)) await writeFile(join(dir, name), randomBytes(size));
  });
  after(async function () {
    this.timeout(60_000);
    for (const h of hosts) await h.stop();
    await cleanupImages(keys);
    await proxy?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get proxy(): FaultProxy {
      if (!proxy) throw new Error("the kill bench is used before its before() hook ran");
      return proxy;
    },
    file: (name) => join(dir, name),
    keys,
    async newHost(options = {}) {
      const host = await startProviderHost({ ...hostOptions({ glance: this.proxy }), ...options });
      hosts.push(host);
      return host;
    },
  };
}
