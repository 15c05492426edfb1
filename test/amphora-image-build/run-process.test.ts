import * as assert from "node:assert";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { BuildCancelledError, BuildTimeoutError } from "../../provider/amphora-image-build/errors";
import { groupAlive, runProcess } from "../../provider/builder/run-process";
import { startWatchdog } from "../../provider/builder/watchdog";
import { baseEnv, type BuilderCommand } from "../../provider/amphora-image-build/command";
import { dibExitMeaning, runBuild } from "../../provider/amphora-image-build/run-build";
import { FIXTURE_DIB, processAlive, tmpDir, waitFor } from "./helpers";

describe("AmphoraImageBuild builder processes: timeout and cancellation kill the whole process group", () => {
  let dir: string;
  before(async () => {
    dir = await tmpDir();
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  /** The fixture builder hanging with a background sleeper: pidfile holds "<sleeper pid> <builder pid>". */
  function hangingBuild(name: string): { cmd: BuilderCommand; pidfile: string } {
    const pidfile = path.join(dir, `${name}.pid`);
    return {
      pidfile,
      cmd: {
        builder: "disk-image-create",
        command: FIXTURE_DIB,
        args: ["-o", path.join(dir, name), "-t", "raw", "debian-minimal"],
        env: { ...baseEnv(), FIXTURE_HANG: "1", FIXTURE_PIDFILE: pidfile },
        cwd: dir,
        secrets: [],
      },
    };
  }

  async function pids(pidfile: string): Promise<number[]> {
    await waitFor(async () => (await fs.readFile(pidfile, "utf8").catch(() => "")).trim().split(" ").length === 2);
    return (await fs.readFile(pidfile, "utf8")).trim().split(" ").map(Number);
  }

  it("timeout: BuildTimeoutError, builder and its background children gone", async function () {
    this.timeout(20_000);
    const { cmd, pidfile } = hangingBuild("timeout");
    const logPath = path.join(dir, "timeout.log");
    const started = Date.now();
    const run = runBuild(cmd, { label: "timeout", logPath, timeoutMs: 1500, killGraceMs: 500, progressIntervalMs: 60_000, print: () => undefined, meaning: dibExitMeaning });
    const [sleeper, builder] = await pids(pidfile);
    await assert.rejects(run, (e: unknown) => {
      assert.ok(e instanceof BuildTimeoutError);
      assert.strictEqual(e.code, "ERR_BUILD_TIMEOUT");
      assert.match(e.message, /did not finish within 2 s|did not finish within 1 s/);
      assert.match(e.message, /fixture: hanging as requested/);
      return true;
    });
    assert.ok(Date.now() - started < 8000);
    await waitFor(() => !processAlive(sleeper!) && !processAlive(builder!), 5000);
    assert.match(await fs.readFile(logPath, "utf8"), /# timed out after/);
  });

  it("cancellation (AbortSignal): BuildCancelledError, whole group gone", async function () {
    this.timeout(20_000);
    const { cmd, pidfile } = hangingBuild("cancel");
    const ac = new AbortController();
    const run = runBuild(cmd, {
      label: "cancel",
      logPath: path.join(dir, "cancel.log"),
      timeoutMs: 60_000,
      killGraceMs: 500,
      progressIntervalMs: 60_000,
      print: () => undefined,
      meaning: dibExitMeaning,
      signal: ac.signal,
    });
    const [sleeper, builder] = await pids(pidfile);
    ac.abort();
    await assert.rejects(run, BuildCancelledError);
    await waitFor(() => !processAlive(sleeper!) && !processAlive(builder!), 5000);
  });

  it("a group that ignores SIGTERM gets SIGKILL after the grace period", async function () {
    this.timeout(20_000);
    const pidfile = path.join(dir, "stubborn.pid");
    let pgid = 0;
    const run = runProcess({
      command: "bash",
      args: ["-c", `trap '' TERM; sleep 600 & echo $! > ${pidfile}; wait`],
      env: baseEnv(),
      timeoutMs: 500,
      killGraceMs: 700,
      onSpawn: (pid) => (pgid = pid),
    });
    await waitFor(async () => (await fs.readFile(pidfile, "utf8").catch(() => "")).trim() !== "");
    const sleeper = Number((await fs.readFile(pidfile, "utf8")).trim());
    const result = await run;
    assert.strictEqual(result.timedOut, true);
    assert.strictEqual(result.signal, "SIGKILL");
    await waitFor(() => !processAlive(sleeper) && !groupAlive(pgid), 5000);
  });

  it("the watchdog kills the group when the provider process dies without cleaning up (SIGKILL)", async function () {
    this.timeout(20_000);
    const parent = spawn("sleep", ["600"], { stdio: "ignore" });
    const group = spawn("sleep", ["600"], { stdio: "ignore", detached: true });
    const stop = startWatchdog(group.pid!, 300, parent.pid!);
    try {
      await new Promise((r) => setTimeout(r, 700));
      assert.ok(groupAlive(group.pid!), "the group lives while its parent does");
      parent.kill("SIGKILL");
      await waitFor(() => !groupAlive(group.pid!), 5000);
    } finally {
      stop();
      group.kill("SIGKILL");
    }
  });

  it("a normal exit also ends stragglers the builder left in its group", async function () {
    this.timeout(20_000);
    const pidfile = path.join(dir, "straggler.pid");
    const result = await runProcess({
      command: "bash",
      args: ["-c", `sleep 600 & echo $! > ${pidfile}; exit 0`],
      env: baseEnv(),
      timeoutMs: 10_000,
    });
    assert.strictEqual(result.exitCode, 0);
    const sleeper = Number((await fs.readFile(pidfile, "utf8")).trim());
    await waitFor(() => !processAlive(sleeper), 5000);
  });
});
