import { spawn } from "node:child_process";
import { startWatchdog } from "./watchdog";

/**
 * Runs one program from an argument array (never through a shell) in its own process group, with an explicit
 * environment and a timeout. Timeout, cancellation (AbortSignal) and the provider process itself going away all
 * end the whole group: SIGTERM first, SIGKILL after a grace period, so the helpers a builder started (debootstrap,
 * chroot'ed package managers, sleeps in a test fixture) die with it.
 */

export interface RunOptions {
  command: string;
  args: readonly string[];
  /** The complete environment of the child; nothing is inherited implicitly. */
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL to the group. */
  killGraceMs?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  pid: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
}

const activeGroups = new Set<number>();
let handlersInstalled = false;

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone already
  }
}

/** True while any process of the group exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function onProcessExit(): void {
  for (const pgid of activeGroups) signalGroup(pgid, "SIGKILL");
}

function onTerminatingSignal(signal: NodeJS.Signals): void {
  for (const pgid of activeGroups) signalGroup(pgid, "SIGTERM");
  // Without other listeners our handler suppressed the default action: restore it and re-raise.
  if (process.listenerCount(signal) <= 1) {
    removeHandlers();
    process.kill(process.pid, signal);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", onProcessExit);
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onTerminatingSignal);
}

function removeHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off("exit", onProcessExit);
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, onTerminatingSignal);
}

export function runProcess(opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const grace = opts.killGraceMs ?? 5000;
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new Error(`not started: ${opts.command} was cancelled before it ran`));
      return;
    }
    const child = spawn(opts.command, [...opts.args], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let timedOut = false;
    let cancelled = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const pgid = child.pid;

    const terminate = (): void => {
      if (pgid === undefined || killTimer) return;
      signalGroup(pgid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(pgid, "SIGKILL"), grace);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, opts.timeoutMs);
    timer.unref();
    const onAbort = (): void => {
      cancelled = true;
      terminate();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    let stopWatchdog: (() => void) | undefined;
    if (pgid !== undefined) {
      activeGroups.add(pgid);
      installHandlers();
      stopWatchdog = startWatchdog(pgid, grace);
      opts.onSpawn?.(pgid);
    }

    const finish = (): void => {
      if (settled || !exited) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (pgid !== undefined) {
        // Stragglers the leader left behind in its group (daemons, background sleeps) do not outlive the build.
        if (groupAlive(pgid)) signalGroup(pgid, timedOut || cancelled ? "SIGKILL" : "SIGTERM");
        activeGroups.delete(pgid);
        if (activeGroups.size === 0) removeHandlers();
      }
      if (killTimer) clearTimeout(killTimer);
      stopWatchdog?.();
      resolve({
        pid: pgid ?? -1,
        exitCode: exited.code,
        signal: exited.signal,
        timedOut,
        cancelled,
        durationMs: Date.now() - started,
      });
    };

    child.stdout.on("data", (chunk: Buffer) => opts.onStdout?.(chunk));
    child.stderr.on("data", (chunk: Buffer) => opts.onStderr?.(chunk));
    child.on("error", (err) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (pgid !== undefined) activeGroups.delete(pgid);
      stopWatchdog?.();
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      // A straggler holding our pipes must not keep us waiting for 'close' forever.
      const closeWait = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, 1000);
      closeWait.unref();
    });
    child.on("close", () => finish());
  });
}
