/**
 * Runs one contender as a process under GNU time (`/usr/bin/time -f`), so that every contender's peak RSS and CPU
 * time are measured the same way, and times it from spawn to exit.
 */
import { spawn } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";

export const GNU_TIME = "/usr/bin/time";

export interface ProcessRun {
  /** Spawn to exit, ms. */
  wallMs: number;
  /** GNU time's maximum resident set size, KiB. */
  maxRssKiB: number;
  userS: number;
  systemS: number;
  stdout: string;
  stderr: string;
}

export function haveGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

let seq = 0;

export async function runMeasured(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; tmpDir: string; timeoutMs?: number },
): Promise<ProcessRun> {
  const timeFile = path.join(opts.tmpDir, `time-${process.pid}-${++seq}.txt`);
  const start = process.hrtime.bigint();
  const child = spawn(GNU_TIME, ["-f", "%M %U %S", "-o", timeFile, command, ...args], {
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d.length + stderr.length > 1 << 20 ? "" : d));
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  }).finally(() => clearTimeout(timer));
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const timeText = await fs.readFile(timeFile, "utf8").catch(() => "");
  await fs.rm(timeFile, { force: true });
  if (code !== 0) {
    throw new Error(`${path.basename(command)} ${args.slice(0, 3).join(" ")}… exited ${code}: ${stderr.trim().slice(-2000)}`);
  }
  const last = timeText.trim().split("\n").pop() ?? "";
  const [rss, user, system] = last.split(" ").map(Number);
  return { wallMs, maxRssKiB: rss ?? NaN, userS: user ?? NaN, systemS: system ?? NaN, stdout, stderr };
}

/** True when `command` is found on PATH. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(path.join(dir, command)));
}
