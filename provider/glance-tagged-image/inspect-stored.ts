/**
 * The inspection of a web-download after Glance fetched it, before the tag moves (the bytes were never here to
 * inspect first). From the image record: the disk format Glance holds, the virtual size Glance's own format
 * inspector computes on upload (left unset when the data is not the declared format) against `minDisk`. From the
 * first MiB of the stored data, through `qemu-img info`: the format and any other file the image would read
 * (backing file, data file, vmdk extents), which no Glance release before the 2024 advisories refused. A head
 * qemu-img cannot open proves nothing (a vhdx or a streamOptimized vmdk keeps metadata further on) and passes.
 * When the head shows a format `qemu-img check` checks (qcow2, vmdk, vhdx, vdi), the whole stored data is read back
 * into a temporary file for the completeness check a `file` gets: a download cut short at its source (a file still
 * being copied to the web server) is active in Glance and reads as zeros where it ends.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { qemuImgInfo, type QemuImageInfo } from "../builder/qemu-img";
import { downloadImageToFile, readImageHead } from "../glance/imagedata";
import type { DiskFormat, Image } from "../glance/images";
import type { FlowContext } from "./context";
import { serviceWords } from "../common/errors";
import { GlanceTaggedImageError } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";
import { formatBytes } from "./plan-line";
import { checkComplete, qemuImgCheckFailed } from "./inspect-source";
import { exceedsMinDisk, formatMatches, infoProblems, inspectedContainer, type SourceProblem } from "./source-format";

/**
 * Disk formats whose every valid image Glance's upload-time format inspector recognises and sizes (container
 * `bare` only). Not vhd: the inspector looks for a header a fixed VHD does not have (its only footer is at the end).
 */
const GLANCE_INSPECTS: readonly DiskFormat[] = ["qcow2", "vhdx", "vmdk", "vdi"];

/** Enough for every header qemu-img reads to find the format and a qcow2's backing or data file name. */
export const HEAD_BYTES = 1024 * 1024;

/** What the image record shows: the format Glance holds and the virtual size its inspector found. */
export function recordProblems(image: Image, inputs: Pick<GlanceTaggedImageInputs, "diskFormat" | "containerFormat" | "minDisk" | "url">): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const what = `the data Glance downloaded from ${inputs.url ?? "the URL"}`;
  if (image.disk_format && image.disk_format !== inputs.diskFormat) {
    problems.push({ field: "diskFormat", text: `Glance holds ${what} as ${image.disk_format}, not ${inputs.diskFormat} (converted by an import plugin)` });
    return problems;
  }
  const virtual = image.virtual_size ?? undefined;
  if (!virtual && inputs.containerFormat === "bare" && GLANCE_INSPECTS.includes(inputs.diskFormat)) {
    problems.push({
      field: "diskFormat",
      text: `${what} is no ${inputs.diskFormat}: Glance's format inspection did not recognise it (it set no virtual_size)`,
    });
  }
  if (virtual && exceedsMinDisk(inputs.minDisk, virtual)) {
    problems.push({
      field: "minDisk",
      text: `${String(inputs.minDisk)} GiB is below the virtual size of ${what}, ${virtual} bytes (minDisk must be at least ${Math.ceil(virtual / 1024 ** 3)})`,
    });
  }
  return problems;
}

/** Reads the head of the stored data back and judges what qemu-img sees in it (nothing when it cannot open it). */
async function storedHead(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs): Promise<{ problems: SourceProblem[]; info?: QemuImageInfo }> {
  const head = await readImageHead(ctx.glance, image.id, HEAD_BYTES);
  const dir = await mkdtemp(join(tmpdir(), "amphora-head-"));
  const path = join(dir, "head");
  try {
    await writeFile(path, head, { mode: 0o600 });
    const info = await qemuImgInfo(path).catch(() => undefined);
    return info ? { problems: headProblems(info, path, inputs), info } : { problems: [] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Formats `qemu-img check` checks (others answer 63, "not supported"): only those are worth reading back. */
const CHECKED_FORMATS = new Set(["qcow2", "vmdk", "vhdx", "vdi", "qed", "parallels"]);

/**
 * Reads all of the stored data back (within `timeouts.uploadSeconds`) and runs qemu-img check on it, as on a
 * `file` (source-format.ts). Only a failed read-back throws; a qemu-img that cannot run is a problem named `url`.
 */
async function storedCompleteness(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs, head: QemuImageInfo): Promise<SourceProblem | undefined> {
  const what = `the data Glance downloaded from ${inputs.url ?? "the URL"}`;
  const dir = await mkdtemp(join(tmpdir(), "amphora-stored-"));
  const path = join(dir, "image");
  try {
    ctx.print(`reading image ${image.id} back from Glance (${image.size ? formatBytes(image.size) : "size unknown"}) to check that the ${head.format} is complete`);
    const { size } = await downloadImageToFile(ctx.glance, image.id, path, { timeoutMs: inputs.timeouts.uploadSeconds * 1000 });
    const problem = await checkComplete(ctx, what, path, head.format, size, head.clusterSize).catch((err: unknown): SourceProblem => ({ field: "url", text: qemuImgCheckFailed(what, err) }));
    return problem && { field: "url", text: problem.text };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the head of the stored data shows: another format, or other files the image would read. */
export function headProblems(found: QemuImageInfo, headPath: string, inputs: Pick<GlanceTaggedImageInputs, "diskFormat" | "url">): SourceProblem[] {
  const what = `the data Glance downloaded from ${inputs.url ?? "the URL"}`;
  const declared = inputs.diskFormat;
  // A fixed vhd has its only footer at the end: its head probes as raw.
  const mismatch = !formatMatches(declared, found.format) && !(declared === "vhd" && found.format === "raw");
  const problems = infoProblems(what, headPath, found, { diskFormat: declared }).filter((p) => p.field === "file" || mismatch);
  return problems.map((p) => ({
    field: p.field === "file" ? "url" : p.field,
    text: p.text.replace(/ according to qemu-img/, " according to qemu-img (its first MiB)"),
  }));
}

/**
 * Throws ERR_SOURCE_FORMAT (with the image id: the caller's failure path deletes the image) when what Glance
 * stored for a web-download is not the declared format, reads other files, or exceeds `minDisk`.
 */
export async function inspectStored(ctx: FlowContext, image: Image, inputs: GlanceTaggedImageInputs): Promise<void> {
  if (!inspectedContainer(inputs.containerFormat)) return;
  const problems = recordProblems(image, inputs);
  let reading = "the first MiB of";
  try {
    const head = problems.length === 0 ? await storedHead(ctx, image, inputs) : { problems: [] };
    problems.push(...head.problems);
    if (problems.length === 0 && head.info && CHECKED_FORMATS.has(head.info.format)) {
      reading = "all of";
      const incomplete = await storedCompleteness(ctx, image, inputs, head.info);
      if (incomplete) problems.push(incomplete);
    }
  } catch (err) {
    throw new GlanceTaggedImageError(
      "ERR_SOURCE_FORMAT",
      ctx.resourceKey,
      `image ${image.id}: reading ${reading} ${inputs.url ?? "the download"} back from Glance to inspect it failed: ${serviceWords(err)}`,
      image.id,
      { cause: err },
    );
  }
  if (problems.length === 0) return;
  const text = problems.map((p) => `${p.field}: ${p.text}`).join("; ");
  throw new GlanceTaggedImageError("ERR_SOURCE_FORMAT", ctx.resourceKey, `image ${image.id}: ${text}`, image.id);
}
