import { capture } from "./capture";
import { ToolError } from "./errors";

/** Thin wrappers around `qemu-img info/check/convert` (qemu-utils). */

export interface QemuImageInfo {
  /** What qemu-img detected (qcow2, raw, vpc, ...). A tar probes as raw. */
  format: string;
  virtualSize: number;
  actualSize: number;
}

export type QemuCheckStatus = "clean" | "corrupt" | "leaks" | "unsupported" | "failed";

export interface QemuCheckResult {
  status: QemuCheckStatus;
  exitCode: number | null;
  /** First lines of qemu-img's own report, for messages. */
  summary: string;
}

export async function qemuImgInfo(path: string, format?: string): Promise<QemuImageInfo> {
  const args = ["info", "--output=json", ...(format ? ["-f", format] : []), path];
  const r = await capture("qemu-img", args, { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new ToolError("qemu-img", `info ${path} failed: ${r.stderr.trim() || r.stdout.trim()}`);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch (e) {
    throw new ToolError("qemu-img", `info printed no JSON for ${path}`, { cause: e });
  }
  const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    format: typeof parsed.format === "string" ? parsed.format : "",
    virtualSize: num(parsed["virtual-size"]),
    actualSize: num(parsed["actual-size"]),
  };
}

/** `qemu-img check`: rc 0 clean, 2 corrupt, 3 leaked clusters only, 63 format has no checks, 1 check failed. */
export async function qemuImgCheck(path: string, format: string): Promise<QemuCheckResult> {
  const r = await capture("qemu-img", ["check", "-f", format, path], { timeoutMs: 10 * 60_000 });
  const summary = (r.stdout + r.stderr)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 5)
    .join("; ");
  const status: QemuCheckStatus =
    r.exitCode === 0 ? "clean" : r.exitCode === 2 ? "corrupt" : r.exitCode === 3 ? "leaks" : r.exitCode === 63 ? "unsupported" : "failed";
  return { status, exitCode: r.exitCode, summary };
}

/** Converts to a sparse raw file (for inspection with debugfs). */
export async function qemuImgConvertToRaw(src: string, format: string, dest: string, signal?: AbortSignal): Promise<void> {
  const r = await capture("qemu-img", ["convert", "-f", format, "-O", "raw", src, dest], { timeoutMs: 30 * 60_000, signal });
  if (r.exitCode !== 0) throw new ToolError("qemu-img", `convert ${src} to raw failed: ${r.stderr.trim()}`);
}
