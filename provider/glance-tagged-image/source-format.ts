/**
 * What a file must be to be published as its declared `diskFormat`, judged from `qemu-img info` and `qemu-img
 * check`: the format qemu-img finds (Glance's names mapped to qemu-img's), no other file read through it (backing
 * file, external data file, vmdk extents: the class of Glance's 2024 format-inspector advisories), complete (qemu-img
 * check finds no corruption; a qcow2 reaches the last cluster it uses), and a virtual size within `minDisk`. Pure:
 * the tools are run by inspect-source.ts.
 */
import type { QemuCheckResult, QemuImageInfo } from "../builder/qemu-img";
import type { ContainerFormat, DiskFormat } from "../glance/images";

/**
 * Containers whose data is the disk itself. ovf, ova, docker and compressed wrap it in something else (a tar, a
 * gzip), which qemu-img sees as raw bytes: those sources are not inspected (Glance does not inspect them either).
 */
export function inspectedContainer(containerFormat: ContainerFormat | string): boolean {
  return ["bare", "ami", "ari", "aki"].includes(containerFormat);
}

const GIB = 1024 ** 3;

/**
 * qemu-img's name(s) for what a Glance disk format holds. qemu-img probes an ISO and the ami/ari/aki payloads
 * (a disk, a ramdisk, a kernel) as raw; Virtuozzo's ploop is qemu-img's parallels.
 */
export const QEMU_FORMATS: Readonly<Record<DiskFormat, readonly string[]>> = {
  raw: ["raw"],
  qcow2: ["qcow2"],
  vmdk: ["vmdk"],
  vhd: ["vpc"],
  vhdx: ["vhdx"],
  vdi: ["vdi"],
  iso: ["raw"],
  ami: ["raw"],
  ari: ["raw"],
  aki: ["raw"],
  ploop: ["parallels"],
};

/** The Glance disk format(s) a qemu-img format is published as, for the hint in a mismatch. */
export function glanceFormatsFor(qemuFormat: string): DiskFormat[] {
  return (Object.keys(QEMU_FORMATS) as DiskFormat[]).filter((f) => QEMU_FORMATS[f].includes(qemuFormat));
}

/** Whether qemu-img's `format` is what Glance's `diskFormat` declares. */
export function formatMatches(diskFormat: DiskFormat, qemuFormat: string): boolean {
  return QEMU_FORMATS[diskFormat].includes(qemuFormat);
}

/** The only vmdk create types that keep everything in one file (Glance's default `vmdk_allowed_types`). */
export const SINGLE_FILE_VMDK = ["monolithicSparse", "streamOptimized"] as const;

/** Whether a virtual size does not fit the declared minDisk (GiB); 0 is Glance's "no minimum". */
export function exceedsMinDisk(minDisk: number | undefined, virtualSize: number): boolean {
  return minDisk !== undefined && minDisk > 0 && minDisk * GIB < virtualSize;
}

/** One reason not to publish, and the input it concerns. */
export interface SourceProblem {
  /** `url` for what a web-download stored (the same findings as `file`). */
  field: "file" | "url" | "diskFormat" | "minDisk";
  text: string;
}

export interface Declared {
  diskFormat: DiskFormat;
  minDisk?: number | undefined;
}

function formatProblem(file: string, declared: DiskFormat, found: string): SourceProblem {
  const as = glanceFormatsFor(found);
  const hint = as.length ? `declare diskFormat "${as[0]}" or convert the file` : "Glance has no disk format for it: convert the file";
  return { field: "diskFormat", text: `${file} is ${found} according to qemu-img, not ${declared} (${hint})` };
}

/** Another file the image reads its data from: whatever that path holds on the host that boots it. */
function externalFiles(file: string, info: QemuImageInfo, realPath: string): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const flatten = "(flatten it: qemu-img convert -O <format> into a file of its own)";
  if (info.backingFile !== undefined) {
    problems.push({ field: "file", text: `${file} is a ${info.format} with a backing file (${info.backingFile}): its data is read from that file ${flatten}` });
  }
  if (info.dataFile !== undefined) {
    problems.push({ field: "file", text: `${file} is a ${info.format} with an external data file (${info.dataFile}) ${flatten}` });
  }
  if (info.format === "vmdk") {
    const type = info.vmdkCreateType ?? "unknown";
    // qemu-img lists an extent once per use (a flat vmdk's one extent appears twice): each file is named once.
    const others = [...new Set(info.vmdkExtents ?? [])].filter((extent) => extent !== realPath && extent !== file);
    if (!(SINGLE_FILE_VMDK as readonly string[]).includes(type) || others.length) {
      const reads = others.length ? `, reading extent file(s) ${others.join(", ")}` : "";
      problems.push({ field: "file", text: `${file} is a vmdk of create type ${type}${reads}: only ${SINGLE_FILE_VMDK.join(" and ")} (one file) are published` });
    }
  }
  return problems;
}

/** Problems visible in `qemu-img info` alone: format, other files read, virtual size against minDisk. */
export function infoProblems(file: string, realPath: string, info: QemuImageInfo, declared: Declared): SourceProblem[] {
  const problems: SourceProblem[] = [];
  if (!formatMatches(declared.diskFormat, info.format)) problems.push(formatProblem(file, declared.diskFormat, info.format));
  problems.push(...externalFiles(file, info, realPath));
  if (exceedsMinDisk(declared.minDisk, info.virtualSize)) {
    const needed = Math.ceil(info.virtualSize / GIB);
    problems.push({
      field: "minDisk",
      text: `${String(declared.minDisk)} GiB is below the virtual size of ${file}, ${info.virtualSize} bytes: a flavor with a root disk of minDisk could not hold it (minDisk must be at least ${needed})`,
    });
  }
  return problems;
}

/**
 * Whether the file holds the whole image: qemu-img check found no corruption, and for qcow2 the file reaches into
 * the last cluster in use. A file may legitimately end inside that cluster (qemu-img writes a small L1 table
 * last), so a file is truncated when a whole cluster it uses lies at or beyond its end, which qemu-img check
 * itself lets pass when that cluster held the L1 table (the image then reads as zeros).
 */
export function completenessProblem(file: string, format: string, check: QemuCheckResult, fileSize: number, clusterSize?: number): SourceProblem | undefined {
  if (check.status === "corrupt" || check.status === "failed") {
    return { field: "file", text: `${file} is not a complete ${format}: qemu-img check ${check.status} (rc ${check.exitCode}): ${check.summary || "no details"}` };
  }
  if (format === "qcow2" && check.imageEndOffset !== undefined && clusterSize !== undefined && fileSize <= check.imageEndOffset - clusterSize) {
    return {
      field: "file",
      text: `${file} is not a complete qcow2: it ends at byte ${fileSize}, but it uses clusters up to byte ${check.imageEndOffset} (truncated)`,
    };
  }
  return undefined;
}
