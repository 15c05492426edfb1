/**
 * Builder faults for AmphoraImageBuild, through the real provider host, with the fixture "Octavia checkout"
 * (test/fixtures/diskimage-create: the real script's options and exit codes, a real qcow2):
 * - the builder (diskimage-create.sh) SIGKILLed at a random moment of a rebuild: the error says so, the previous
 *   artifact is untouched, no staging directory or builder process is left, the next up rebuilds;
 * - the provider host SIGKILLed mid-build: the watchdog ends the builder's process group, and the next run (a
 *   new host) removes the staging directory the killed process left and builds;
 * - the output directory's disk full (a small tmpfs mounted there; root only), with room for the log but not the
 *   artifact, and with no room at all: the error says the disk is full, nothing half-written stays, the previous
 *   artifact survives, the build succeeds once there is room.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { promises as fs, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ProviderCallError, startProviderHost, type Lifecycle, type ProviderHost } from "../harness";
import { NOT_BOOTABLE, octaviaCheckout } from "../amphora-image-build/helpers";
import { hashFile } from "../../provider/common/digests";
import { FAULT_RUNS, providers, recordScenario, repeat, repoRoot, requireDist, sleep, TYPES } from "./support";

const run = promisify(execFile);
/** Deterministic scenarios (disk full): once in `npm test`, 3 times in the figures run. */
const RUNS = FAULT_RUNS > 3 ? 3 : 1;

/** Live processes whose command line contains `needle`, with their process group. */
function processesWith(needle: string): Array<{ pid: number; pgid: number; cmd: string }> {
  const found: Array<{ pid: number; pgid: number; cmd: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (!cmd.includes(needle)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      found.push({ pid: Number(entry), pgid: Number(fields[2]), cmd });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

/** The builder's process-group leader (the script itself), once it runs. */
async function builderLeader(script: string, timeoutMs = 20_000): Promise<number> {
  let leader = 0;
  const found = await waitUntil(() => {
    leader = processesWith(script).find((p) => p.pid === p.pgid)?.pid ?? 0;
    return leader > 0;
  }, timeoutMs);
  if (!found) throw new Error(`the builder ${script} did not start within ${timeoutMs} ms`);
  return leader;
}

const stagingDirs = async (dir: string): Promise<string[]> => (await fs.readdir(dir)).filter((n) => /\.build-/.test(n));

describe("faults: builder killed, provider killed mid-build, disk full", function () {
  this.timeout(60_000 + FAULT_RUNS * 2 * 20_000);
  let checkout: Awaited<ReturnType<typeof octaviaCheckout>>;
  let work: string;
  const hosts: ProviderHost[] = [];
  const mounts: string[] = [];
  const examples: Record<string, string> = {};

  before(async () => {
    requireDist();
    checkout = await octaviaCheckout();
    work = await fs.mkdtemp(join(tmpdir(), "faults-builder-"));
  });
  after(async function () {
    this.timeout(30_000);
    for (const h of hosts) await h.stop();
    for (const m of mounts) await run("umount", ["-l", m]).catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
    await fs.rm(checkout.root, { recursive: true, force: true });
  });

  async function newHost(tmp: string): Promise<ProviderHost> {
    // TMPDIR is where the fixture (like diskimage-builder) keeps its work tree: watched for leftovers.
    const host = await startProviderHost({ cwd: repoRoot, callTimeoutMs: 120_000, env: { TMPDIR: tmp } });
    hosts.push(host);
    return host;
  }

  const inputs = (output: string, more: Record<string, unknown> = {}) => ({
    frontEnd: "octavia",
    script: checkout.script,
    output,
    sizeGb: 1,
    progressIntervalSeconds: 0.5,
    env: { FIXTURE_STEP_DELAY: "0.005" },
    validation: NOT_BOOTABLE,
    ...more,
  });

  async function failure(label: string, step: Promise<unknown>): Promise<string> {
    try {
      await step;
    } catch (err) {
      assert.ok(err instanceof ProviderCallError, String(err));
      examples[label] ??= err.details.split("\n")[0] ?? "";
      return err.details;
    }
    throw new Error(`${label}: the step did not fail`);
  }

  it(`the builder SIGKILLed at a random moment of a rebuild (${FAULT_RUNS} runs): previous artifact intact, nothing left, next up rebuilds`, async () => {
    let builderTemp = 0;
    const { bad, notes } = await repeat(FAULT_RUNS, async (i) => {
      const out = await fs.mkdtemp(join(work, "kill-"));
      const tmp = await fs.mkdtemp(join(work, "tmp-"));
      const host = await newHost(tmp);
      const lc: Lifecycle = await host.lifecycle(providers.build, TYPES.build, `kill-${i}`);
      const spec = inputs(join(out, "amphora.qcow2"));
      const created = await lc.up(spec);
      const before = String(created.outputs.sha256);
      // An element edit makes the next up a rebuild.
      await fs.appendFile(join(checkout.elements, "keepalived-octavia", "package-installs.yaml"), `# run ${i}\n`);
      const pending = lc.up(spec);
      const leader = await builderLeader(checkout.script);
      await sleep(50 + Math.floor(Math.random() * 450));
      try {
        process.kill(leader, "SIGKILL");
      } catch {
        // finished before the kill: the run then proves nothing; reported below
      }
      const problems: string[] = [];
      let details = "";
      try {
        await pending;
        problems.push("the rebuild finished before the kill");
      } catch (err) {
        assert.ok(err instanceof ProviderCallError, String(err));
        details = err.details;
        examples["builder-kill"] ??= details.split("\n")[0] ?? "";
      }
      if (details && !/was killed by SIGKILL/.test(details)) problems.push(`error: ${details.split("\n")[0]}`);
      if (!(await waitUntil(() => processesWith(checkout.root).length === 0, 10_000))) problems.push("builder processes left running");
      const digest = await hashFile(join(out, "amphora.qcow2")).catch(() => undefined);
      if (digest?.sha256 !== before) problems.push("the previous artifact changed or vanished");
      const staging = await stagingDirs(out);
      if (staging.length) problems.push(`staging left: ${staging.join(", ")}`);
      builderTemp += (await fs.readdir(tmp)).length;
      const rebuilt = await lc.up(spec);
      if (rebuilt.op !== "update" || rebuilt.outputs.sha256 === undefined) problems.push(`rerun op ${rebuilt.op}`);
      await lc.destroy();
      const left = await fs.readdir(out);
      if (left.length) problems.push(`destroy left ${left.join(", ")}`);
      await host.stop();
      return problems;
    });
    recordScenario({
      scenario: "builder SIGKILL mid-rebuild",
      injected: "SIGKILL to diskimage-create.sh (the process-group leader) 50–500 ms into a rebuild",
      runs: FAULT_RUNS,
      bad,
      held: "error says the builder was killed by SIGKILL; the rest of its group ended; previous artifact byte-identical; no staging directory; next up rebuilds; destroy leaves nothing",
      notes: [...notes, `builder temp entries left in TMPDIR over all runs: ${builderTemp} (the builder's own, as with diskimage-builder)`],
      example: examples["builder-kill"],
    });
    assert.deepEqual(notes, []);
  });

  it(`the provider host SIGKILLed mid-build (${FAULT_RUNS} runs): builder group ended, the next run removes the staging left behind`, async () => {
    let leftByKill = 0;
    const { bad, notes } = await repeat(FAULT_RUNS, async (i) => {
      const out = await fs.mkdtemp(join(work, "host-"));
      const tmp = await fs.mkdtemp(join(work, "tmp-"));
      const host = await newHost(tmp);
      const lc = await host.lifecycle(providers.build, TYPES.build, `host-kill-${i}`);
      const spec = inputs(join(out, "amphora.qcow2"));
      const pending = lc.up(spec).catch((e: unknown) => e);
      await builderLeader(checkout.script);
      await sleep(50 + Math.floor(Math.random() * 400));
      process.kill(host.pid as number, "SIGKILL");
      const problems: string[] = [];
      if (!((await pending) instanceof Error)) problems.push("the create finished before the kill");
      await host.stop();
      // The watchdog polls every 0.5 s, then SIGTERM (SIGKILL after a 5 s grace).
      if (!(await waitUntil(() => processesWith(checkout.root).length === 0, 10_000))) problems.push("builder processes outlived the provider");
      const leftover = await stagingDirs(out);
      if (leftover.length) leftByKill++;
      const rerunHost = await newHost(tmp);
      const rerun = await rerunHost.lifecycle(providers.build, TYPES.build, `host-kill-${i}`);
      const built = await rerun.up(spec);
      if (built.op !== "create") problems.push(`rerun op ${built.op}`);
      for (const dir of leftover) {
        if (!built.output.some((l) => l.includes(`removed ${join(out, dir)}`))) problems.push(`no report of removing ${dir}`);
      }
      const staging = await stagingDirs(out);
      if (staging.length) problems.push(`staging still there after the rerun: ${staging.join(", ")}`);
      await rerun.destroy();
      const left = await fs.readdir(out);
      if (left.length) problems.push(`destroy left ${left.join(", ")}`);
      await rerunHost.stop();
      return problems;
    });
    recordScenario({
      scenario: "provider host SIGKILL mid-build",
      injected: "SIGKILL to the dynamic-provider host 50–450 ms after the builder started",
      runs: FAULT_RUNS,
      bad,
      held: "watchdog ends the builder's process group; the next run removes the killed build's staging directory (owner pid dead) and builds; destroy leaves nothing",
      notes: [...notes, `runs in which the killed host left a staging directory (removed by the rerun): ${leftByKill} of ${FAULT_RUNS}`],
    });
    assert.deepEqual(notes, []);
  });

  describe("disk full on the output directory (tmpfs)", () => {
    let canMount = true;
    before(async function () {
      const probe = await fs.mkdtemp(join(work, "probe-"));
      try {
        await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
        await run("umount", [probe]);
      } catch {
        canMount = false;
      }
      if (!canMount) this.skip(); // needs root (CI runs as root)
    });

    async function tmpfs(sizeKiB: number): Promise<string> {
      const dir = await fs.mkdtemp(join(work, "full-"));
      await run("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", dir]);
      mounts.push(dir);
      return dir;
    }

    async function unmount(dir: string): Promise<void> {
      await run("umount", [dir]);
      mounts.splice(mounts.indexOf(dir), 1);
    }

    it("room for the log but not the artifact; no room at all: fails saying the disk is full, nothing half-written, previous artifact kept", async () => {
      const { bad, notes } = await repeat(RUNS, async (i) => {
        const problems: string[] = [];
        const tmp = await fs.mkdtemp(join(work, "tmp-"));
        const host = await newHost(tmp);

        // 256 KiB: the 20 KiB log fits, the 768 KiB qcow2 does not.
        const small = await tmpfs(256);
        const lc = await host.lifecycle(providers.build, TYPES.build, `full-${i}`);
        const spec = inputs(join(small, "amphora.qcow2"));
        const details = await failure("disk-full-artifact", lc.up(spec));
        if (!/no space left on device/i.test(details.split("\n")[0] ?? "")) problems.push(`artifact: first line does not say the disk is full: ${details.split("\n")[0]}`);
        const after = (await fs.readdir(small)).sort();
        if (after.join(",") !== "amphora.build.log") problems.push(`artifact: left ${after.join(", ")}`);
        await unmount(small);

        // Full before the rebuild starts (0 bytes free; 4 KiB free: the staging directory's owner file fits, the
        // log does not). The previous artifact on the same disk is the one to keep.
        for (const freeKiB of [0, 4]) {
          const full = await tmpfs(2048);
          const lc2 = await host.lifecycle(providers.build, TYPES.build, `full-${freeKiB}-${i}`);
          const spec2 = inputs(join(full, "amphora.qcow2"));
          const created = await lc2.up(spec2);
          const previous = String(created.outputs.sha256);
          await fs.rm(join(full, "amphora.build.log"));
          await run("sh", ["-c", `dd if=/dev/zero of=${join(full, "filler")} bs=4k 2>/dev/null || true`]);
          if (freeKiB) await fs.truncate(join(full, "filler"), (await fs.stat(join(full, "filler"))).size - freeKiB * 1024);
          await fs.appendFile(join(checkout.elements, "keepalived-octavia", "package-installs.yaml"), `# full ${freeKiB} ${i}\n`);
          const label = `disk-full-${freeKiB}k-free`;
          const logDetails = await failure(label, lc2.up(spec2));
          if (!/no space left on device/i.test(logDetails.split("\n")[0] ?? "")) problems.push(`${label}: first line does not say the disk is full: ${logDetails.split("\n")[0]}`);
          if (host.exited) problems.push(`${label}: the provider host died`);
          const uncaught = host.stderr.filter((l) => /ENOSPC|Unhandled|uncaught/i.test(l));
          if (uncaught.length) problems.push(`${label}: host stderr: ${uncaught.join(" | ")}`);
          const kept = await hashFile(join(full, "amphora.qcow2")).catch(() => undefined);
          if (kept?.sha256 !== previous) problems.push(`${label}: the previous artifact changed or vanished`);
          const staging = await stagingDirs(full);
          if (staging.length) problems.push(`${label}: staging left: ${staging.join(", ")}`);
          // Room again: the same up succeeds.
          await fs.rm(join(full, "filler"));
          const rebuilt = await lc2.up(spec2);
          if (rebuilt.op !== "update") problems.push(`${label}: after freeing space: op ${rebuilt.op}`);
          await lc2.destroy();
          const left = await fs.readdir(full);
          if (left.length) problems.push(`${label}: destroy left ${left.join(", ")}`);
          await unmount(full);
        }
        await host.stop();
        return problems;
      });
      recordScenario({
        scenario: "disk full on the output directory",
        injected: "output on a 256 KiB tmpfs (log fits, 768 KiB qcow2 does not); output on a tmpfs filled to 0 and to 4 KiB free before a rebuild",
        runs: RUNS,
        bad,
        held: "error's first line says no space left on device (not just exit code 1); no staging or partial artifact; previous artifact byte-identical; the host stays up with no uncaught error; succeeds once space is freed",
        notes: [...notes, ...["disk-full-0k-free", "disk-full-4k-free"].map((l) => `example (${l}): ${examples[l] ?? "-"}`)],
        example: examples["disk-full-artifact"],
      });
      assert.deepEqual(notes, []);
    });
  });
});
