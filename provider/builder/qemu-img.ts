import { capture } from "./capture";
import { ToolError } from "./errors";

/** Thin wrappers around `qemu-img info/check/convert` (qemu-utils). */

export interface QemuImageInfo {
  /** What qemu-img detected (qcow2, raw, vpc, ...). A tar probes as raw. */
  format: string;
  virtualSize: number;
  actualSize: number;
  /** The other image it reads unwritten clusters from (`backing-filename`), when it has one. */
  backingFile?: string;
  /** A qcow2's external data file (`format-specific.data.data-file`), when it has one. */
  dataFile?: string;
  /** qcow2's cluster size in bytes. */
  clusterSize?: number;
  /** A vmdk's create type (monolithicSparse, streamOptimized, monolithicFlat, ...). */
  vmdkCreateType?: string;
  /** The files a vmdk reads its extents from (the image itself for the single-file types). */
  vmdkExtents?: string[];
}

export type QemuCheckStatus = "clean" | "corrupt" | "leaks" | "unsupported" | "failed";

export interface QemuCheckResult {
  status: QemuCheckStatus;
  exitCode: number | null;
  /** First lines of qemu-img's own report, for messages. */
  summary: string;
  /** End of the last cluster in use (qcow2): a complete file reaches into that cluster. */
  imageEndOffset?: number;
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
  return parseQemuImgInfo(parsed);
}

const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const count = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The fields of `qemu-img info --output=json` this package reads. */
export function parseQemuImgInfo(parsed: Record<string, unknown>): QemuImageInfo {
  const specific = record(record(parsed["format-specific"]).data);
  const extents = Array.isArray(specific.extents) ? specific.extents.map((e) => text(record(e).filename) ?? "") : undefined;
  const backingFile = text(parsed["full-backing-filename"]) ?? text(parsed["backing-filename"]);
  const dataFile = text(specific["data-file"]);
  const clusterSize = count(parsed["cluster-size"]);
  const createType = text(specific["create-type"]);
  return {
    format: text(parsed.format) ?? "",
    virtualSize: count(parsed["virtual-size"]) ?? 0,
    actualSize: count(parsed["actual-size"]) ?? 0,
    ...(backingFile !== undefined ? { backingFile } : {}),
    ...(dataFile !== undefined ? { dataFile } : {}),
    ...(clusterSize !== undefined ? { clusterSize } : {}),
    ...(createType !== undefined ? { vmdkCreateType: createType } : {}),
    ...(extents !== undefined ? { vmdkExtents: extents } : {}),
  };
}

/** `qemu-img check`: rc 0 clean, 2 corrupt, 3 leaked clusters only, 63 format has no checks, 1 check failed. */
export async function qemuImgCheck(path: string, format: string): Promise<QemuCheckResult> {
  const r = await capture("qemu-img", ["check", "--output=json", "-f", format, path], { timeoutMs: 10 * 60_000 });
  let report: Record<string, unknown> = {};
  try {
    report = record(JSON.parse(r.stdout));
  } catch {
    // no JSON when qemu-img could not open the image: stderr says why
  }
  const counts = (["corruptions", "leaks", "check-errors"] as const)
    .map((k) => [k, count(report[k]) ?? 0] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  const summary = [...counts, ...r.stderr.split("\n")]
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 5)
    .join("; ");
  const status: QemuCheckStatus =
    r.exitCode === 0 ? "clean" : r.exitCode === 2 ? "corrupt" : r.exitCode === 3 ? "leaks" : r.exitCode === 63 ? "unsupported" : "failed";
  const imageEndOffset = count(report["image-end-offset"]);
  return { status, exitCode: r.exitCode, summary, ...(imageEndOffset !== undefined ? { imageEndOffset } : {}) };
}

/** Converts to a sparse raw file (for inspection with debugfs). */
export async function qemuImgConvertToRaw(src: string, format: string, dest: string, signal?: AbortSignal): Promise<void> {
  const r = await capture("qemu-img", ["convert", "-f", format, "-O", "raw", src, dest], { timeoutMs: 30 * 60_000, signal });
  if (r.exitCode !== 0) throw new ToolError("qemu-img", `convert ${src} to raw failed: ${r.stderr.trim()}`);
}
