import { createWriteStream } from "node:fs";
import { BuildCancelledError, BuilderExitError, BuildTimeoutError } from "./errors";
import { LineSplitter, TailBuffer } from "../builder/lines";
import { runProcess } from "../builder/run-process";
import type { BuilderCommand } from "./command";
import { ProgressReporter, formatElapsed } from "./progress";
import { logArtifactLine } from "./ownership";
import { redactor } from "./redact";

/**
 * Runs a builder command: full output (redacted) to the log file, a progress line on stdout every few seconds,
 * and on failure an error carrying the exit code's meaning, the log's last 50 lines and its path.
 */

export interface RunBuildOptions {
  /** Prefix of progress lines, e.g. "diskimage-create.sh amphora.qcow2". */
  label: string;
  logPath: string;
  /** The artifact the log belongs to, named in its header (see ownership.ts). */
  artifact?: string;
  timeoutMs: number;
  progressIntervalMs: number;
  /** Where progress lines go (stdout in the provider host). */
  print: (line: string) => void;
  /** Explains a non-zero exit code of this builder. */
  meaning: (exitCode: number) => string;
  signal?: AbortSignal;
  killGraceMs?: number;
}

export const TAIL_LINES = 50;

/** diskimage-create.sh's exit codes; anything else is disk-image-create's own failure passed through. */
export function octaviaExitMeaning(code: number): string {
  if (code === 1) return "usage error or missing prerequisite";
  if (code === 2) return "unknown host OS";
  if (code === 3) return "invalid argument";
  return "diskimage-builder failed";
}

export function dibExitMeaning(code: number): string {
  return code === 1 ? "diskimage-builder failed" : `diskimage-builder failed with status ${code}`;
}

const shellQuote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

const NO_SPACE = /No space left on device|ENOSPC/i;

/**
 * What a failed build's output says beyond its exit code. Builders exit 1 for everything, so a full disk (the
 * commonest failure that is not a bad input) would otherwise read as "usage error".
 */
export function diagnose(tail: readonly string[], logError: NodeJS.ErrnoException | undefined, logPath: string): string | undefined {
  if (logError?.code === "ENOSPC") return `no space left on device: even the build log ${logPath} could not be written; free space there`;
  const line = [...tail].reverse().find((l) => NO_SPACE.test(l));
  return line === undefined ? undefined : `no space left on device: "${line.trim().slice(0, 200)}"; free space on the disk named there (output, workDir, cacheDir or TMPDIR)`;
}

export async function runBuild(cmd: BuilderCommand, opts: RunBuildOptions): Promise<{ durationMs: number; tail: string[] }> {
  const redact = redactor(cmd.secrets);
  const log = createWriteStream(opts.logPath, { flags: "w", mode: 0o600 });
  // A log that cannot be written (disk full) must not end the build on its own, nor leave a rejected promise
  // nobody awaits yet (the provider host reports those as uncaught errors): remember the error, carry on.
  let logError: NodeJS.ErrnoException | undefined;
  log.on("error", (e: NodeJS.ErrnoException) => {
    logError ??= e;
  });
  const logClosed = new Promise<void>((resolve) => log.once("close", resolve));
  const tail = new TailBuffer(TAIL_LINES);
  const label = opts.label;
  const progress = new ProgressReporter(label, opts.progressIntervalMs, opts.print);
  const write = (line: string): void => {
    if (!log.destroyed) log.write(`${line}\n`);
  };
  write(`# ${new Date().toISOString()} ${cmd.builder}`);
  if (opts.artifact !== undefined) write(redact(logArtifactLine(opts.artifact)));
  write(redact(`# command: ${[cmd.command, ...cmd.args].map(shellQuote).join(" ")}`));
  write(`# cwd: ${cmd.cwd}`);
  write(redact(`# env: ${Object.entries(cmd.env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(" ")}`));
  const onLine = (raw: string): void => {
    const line = redact(raw);
    write(line);
    tail.push(line);
    progress.line(line);
  };
  const out = new LineSplitter(onLine);
  const err = new LineSplitter(onLine);
  opts.print(`${label}: started (log: ${opts.logPath})`);
  let result;
  try {
    result = await runProcess({
      command: cmd.command,
      args: cmd.args,
      env: cmd.env,
      cwd: cmd.cwd,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      killGraceMs: opts.killGraceMs,
      onStdout: (c) => out.push(c),
      onStderr: (c) => err.push(c),
    });
  } catch (e) {
    progress.stop();
    write(`# could not start: ${(e as Error).message}`);
    log.end();
    await logClosed;
    throw new BuilderExitError(cmd.builder, null, null, `could not start ${cmd.command}: ${(e as Error).message}`, {
      logPath: opts.logPath,
      tail: tail.get(),
    });
  }
  out.end();
  err.end();
  const elapsed = progress.stop();
  const how = result.timedOut ? "timed out" : result.cancelled ? "cancelled" : `exit code ${result.exitCode ?? result.signal}`;
  write(`# ${how} after ${formatElapsed(elapsed)}`);
  log.end();
  await logClosed;
  const context = { logPath: opts.logPath, tail: tail.get() };
  if (result.timedOut) throw new BuildTimeoutError(cmd.builder, opts.timeoutMs, context);
  if (result.cancelled) throw new BuildCancelledError(cmd.builder, context);
  if (result.exitCode !== 0) {
    const meaning = result.exitCode === null ? "killed" : opts.meaning(result.exitCode);
    // A full disk explains the exit better than the code's generic meaning (builders exit 1 for everything).
    const found = diagnose(context.tail, logError, opts.logPath);
    throw new BuilderExitError(cmd.builder, result.exitCode, result.signal, found ?? meaning, context);
  }
  if (logError) opts.print(`${label}: warning: the build log ${opts.logPath} is incomplete: ${logError.message}`);
  opts.print(`${label}: builder finished in ${formatElapsed(elapsed)}`);
  return { durationMs: elapsed, tail: tail.get() };
}
