import { spawn } from "node:child_process";

/**
 * A tiny detached node process that kills a build's process group if the provider process disappears without
 * running its exit handlers (the engine SIGKILLs plugins on a forced cancel). It exits by itself as soon as the
 * group is gone, and is told to stop when the build ends normally.
 */
const WATCHDOG_SOURCE = `
const [parent, pgid, grace] = process.argv.slice(1).map(Number);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === "EPERM"; } };
const kill = (sig) => { try { process.kill(-pgid, sig); } catch {} };
const timer = setInterval(() => {
  if (!alive(-pgid)) process.exit(0);
  if (!alive(parent)) {
    clearInterval(timer);
    kill("SIGTERM");
    setTimeout(() => { kill("SIGKILL"); process.exit(0); }, grace);
  }
}, 500);
process.on("SIGTERM", () => process.exit(0));
`;

/** `parentPid` is this process except in tests. */
export function startWatchdog(pgid: number, graceMs: number, parentPid: number = process.pid): () => void {
  let child: ReturnType<typeof spawn> | undefined;
  try {
    child = spawn(process.execPath, ["-e", WATCHDOG_SOURCE, String(parentPid), String(pgid), String(graceMs)], {
      detached: true,
      stdio: "ignore",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    return () => undefined;
  }
  return () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  };
}
