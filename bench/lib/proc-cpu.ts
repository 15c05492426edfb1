/**
 * CPU time of a process this one did not spawn itself (QEMU, started by the code under measurement): found by a
 * string in its command line, sampled from /proc/<pid>/stat until it exits. The last sample is within one interval
 * of its total.
 */
import { promises as fs } from "node:fs";

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in hundredths of a second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

async function cpuSecondsOf(pid: string): Promise<number | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // Fields after the command name (which may contain spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return Number.isFinite(user) && Number.isFinite(system) ? (user + system) / TICKS_PER_SECOND : undefined;
}

async function pidsMatching(needle: string): Promise<string[]> {
  const pids = (await fs.readdir("/proc")).filter((e) => /^\d+$/.test(e));
  const found: string[] = [];
  for (const pid of pids) {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(needle)) found.push(pid);
  }
  return found;
}

/** Samples the CPU seconds of the processes whose command line contains `needle` until `stop()` says how many. */
export function sampleCpu(needle: string, intervalMs = 500): { stop: () => Promise<number> } {
  const last = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of await pidsMatching(needle)) {
        const seconds = await cpuSecondsOf(pid);
        if (seconds !== undefined) last.set(pid, seconds);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...last.values()].reduce((a, b) => a + b, 0);
    },
  };
}
