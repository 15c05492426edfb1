/**
 * The inspection of a `file` source before anything exists in Glance: one `qemu-img info` (qemu-img probes the
 * format, it is not told) and, when that shows nothing wrong and the format has checks, one `qemu-img check`.
 * The rules are in source-format.ts. Runs only when a publish is about to happen, never in check or diff.
 */
import type { Stats } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { qemuImgCheck, qemuImgInfo, type QemuImageInfo } from "../builder/qemu-img";
import type { FlowContext } from "./context";
import { GlanceTaggedImageError } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";
import { completenessProblem, infoProblems, inspectedContainer, type SourceProblem } from "./source-format";
import { sameVersion } from "./hashing-upload";

/**
 * `qemu-img check` on the image at `path` (`what` names it in the lines), and whether it holds the whole image
 * (source-format.ts completenessProblem); leaked clusters are only printed. Throws when qemu-img cannot run.
 */
export async function checkComplete(ctx: FlowContext, what: string, path: string, format: string, size: number, clusterSize?: number): Promise<SourceProblem | undefined> {
  const check = await qemuImgCheck(path, format);
  if (check.status === "leaks") ctx.print(`${what}: qemu-img check found leaked clusters (wasted space, no data at risk): ${check.summary}`);
  return completenessProblem(what, format, check, size, clusterSize);
}

export function qemuImgCheckFailed(what: string, err: unknown): string {
  return `${what}: qemu-img check could not run: ${err instanceof Error ? err.message : String(err)}`;
}

function refuse(ctx: FlowContext, problems: SourceProblem[], cause?: unknown): GlanceTaggedImageError {
  const text = problems.map((p) => `${p.field}: ${p.text}`).join("; ");
  return new GlanceTaggedImageError("ERR_SOURCE_FORMAT", ctx.resourceKey, `${text}; nothing was created in Glance`, undefined, cause ? { cause } : undefined);
}

/**
 * Throws ERR_SOURCE_FORMAT (naming `file`, `diskFormat` or `minDisk`) when `inputs.file` is not a complete,
 * self-contained image of `inputs.diskFormat` within `minDisk`; returns the file's stat, which the upload must
 * still find (the bytes sent are the bytes inspected).
 */
export async function inspectSource(ctx: FlowContext, inputs: GlanceTaggedImageInputs): Promise<Stats> {
  const file = inputs.file as string;
  const before = await stat(file);
  if (!inspectedContainer(inputs.containerFormat)) {
    ctx.print(`${file} is not inspected: container ${inputs.containerFormat} wraps the disk in another format`);
    return before;
  }
  let info: QemuImageInfo;
  try {
    info = await qemuImgInfo(file);
  } catch (err) {
    // qemu-img missing, or a file it cannot open as any format (a qcow2 header cut short, a truncated vhd/vhdx).
    const why = err instanceof Error ? err.message : String(err);
    throw refuse(ctx, [{ field: "file", text: `${file} cannot be inspected as ${inputs.diskFormat}: ${why}` }], err);
  }
  if (inputs.diskFormat === "vhd" && info.format === "raw") {
    // A fixed VHD has its only footer at the end, where qemu-img's probe does not look: ask for vpc explicitly.
    info = (await qemuImgInfo(file, "vpc").catch(() => undefined)) ?? info;
  }
  const declared = { diskFormat: inputs.diskFormat, minDisk: inputs.minDisk };
  const problems = infoProblems(file, await realpath(file), info, declared);
  // Checking another format than declared, or an image that reads other files, adds nothing worth its cost.
  if (problems.every((p) => p.field === "minDisk") && info.format !== "raw") {
    const incomplete = await checkComplete(ctx, file, file, info.format, before.size, info.clusterSize).catch((err: unknown) => {
      throw refuse(ctx, [{ field: "file", text: qemuImgCheckFailed(file, err) }], err);
    });
    if (incomplete) problems.unshift(incomplete);
  }
  if (problems.length) throw refuse(ctx, problems);
  const after = await stat(file);
  if (!sameVersion(before, after)) {
    throw new GlanceTaggedImageError("ERR_SOURCE", ctx.resourceKey, `file ${file} changed while it was being inspected; nothing was created in Glance`);
  }
  return before;
}
