import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { qemuImgCheck, qemuImgConvertToRaw, qemuImgInfo, type QemuImageInfo } from "../../builder/qemu-img";
import { GIB, type ImageType } from "../constants";
import type { ValidationOptions } from "../inputs";
import { diskContents, type ImageContents, listTar, type TarListing, tarContents } from "./contents";
import { parseDpkgStatus } from "./dpkg-status";
import { bootCheck, type BootFacts } from "./boot/boot-check";
import { bootByDefault } from "./boot/default-on";
import { hostArch } from "./boot/qemu";

/**
 * The base-image spec's tests, run on the artifact before anything can use it: integrity, virtual size, a kernel
 * under /boot, HAProxy and the required packages installed; then, when switched on, the boot gate (boot/). Each can
 * be switched off, and a switched-off check is reported as "disabled", never silently passed.
 */

export const CHECKS = ["integrity", "virtualSize", "kernel", "packages", "boot"] as const;
export type CheckName = (typeof CHECKS)[number];
export type CheckStatus = "passed" | "failed" | "disabled" | "not-applicable" | "skipped";

export interface CheckReport {
  check: CheckName;
  status: CheckStatus;
  detail: string;
}

export interface ValidationResult {
  reports: CheckReport[];
  /** qemu-img info (zeros when qemu-img could not read the file). */
  info: QemuImageInfo;
  /** Installed packages from the image's dpkg status (empty when not read). */
  installed: Record<string, string>;
  kernels: string[];
  /** What the boot check found (zeros when it did not boot). */
  boot: BootFacts;
  /** Why the boot check failed, with the guest's console (only when it failed after booting). */
  bootFailure?: BootFailure;
}

export interface BootFailure {
  stage: string;
  consoleTail: string[];
  /** The whole serial console, for the build log. */
  console: string;
}

/** Where validation runs: the image's architecture for the boot check, and where its progress lines go. */
export interface ValidationContext {
  /** The build's front end: `validation.boot.enabled: auto` boots only the `octavia` front end's images. */
  frontEnd?: string;
  arch?: string;
  print?: (line: string) => void;
  signal?: AbortSignal;
}

export const NO_BOOT: BootFacts = { seconds: 0, accelerator: "", stage: "", agent: {} };

/** qemu-img's name for each image type (a tar is probed as raw bytes). */
export const QEMU_FORMAT: Record<ImageType, string> = { qcow2: "qcow2", raw: "raw", vhd: "vpc", tar: "raw" };

/** Largest difference accepted between requested and actual virtual size of a VHD (CHS geometry rounding). */
const VPC_TOLERANCE = 16 * 1024 * 1024;

async function integrity(artifact: string, type: ImageType, info: QemuImageInfo | Error, tar?: TarListing): Promise<CheckReport> {
  const report = (ok: boolean, detail: string): CheckReport => ({ check: "integrity", status: ok ? "passed" : "failed", detail });
  if (type === "tar") {
    return tar?.complete ? report(true, `complete archive, ${tar.members.length} members`) : report(false, `tar: ${tar?.error ?? "not read"}`);
  }
  if (info instanceof Error) return report(false, info.message);
  if (type === "qcow2") {
    const r = await qemuImgCheck(artifact, "qcow2");
    return report(r.status === "clean", r.status === "clean" ? "qemu-img check: no errors" : `qemu-img check ${r.status} (rc ${r.exitCode}): ${r.summary}`);
  }
  if (type === "vhd") return report(true, "vpc header and footer readable (qemu-img has no check for vpc)");
  return report(true, "raw has no metadata to check; truncation shows in virtualSize");
}

function virtualSize(type: ImageType, sizeGb: number, info: QemuImageInfo | Error): CheckReport {
  if (type === "tar") return { check: "virtualSize", status: "not-applicable", detail: "a tar archive has no virtual size" };
  const expected = sizeGb * GIB;
  if (info instanceof Error) return { check: "virtualSize", status: "failed", detail: `qemu-img cannot read the image: ${info.message}` };
  const diff = Math.abs(info.virtualSize - expected);
  const ok = diff === 0 || (type === "vhd" && diff <= VPC_TOLERANCE);
  return {
    check: "virtualSize",
    status: ok ? "passed" : "failed",
    detail: ok ? `${info.virtualSize} bytes (${sizeGb} GiB)` : `${info.virtualSize} bytes, expected ${expected} (sizeGb ${sizeGb})`,
  };
}

async function withContents<T>(artifact: string, type: ImageType, tar: TarListing | undefined, use: (c: ImageContents) => Promise<T>): Promise<T> {
  if (type === "tar") return use(tarContents(artifact, tar ?? (await listTar(artifact))));
  if (type === "raw") return use(await diskContents(artifact));
  const raw = path.join(path.dirname(artifact), `.${path.basename(artifact)}.inspect-${randomBytes(4).toString("hex")}.raw`);
  try {
    await qemuImgConvertToRaw(artifact, QEMU_FORMAT[type], raw);
    return await use(await diskContents(raw));
  } finally {
    await fs.rm(raw, { force: true });
  }
}

async function boot(
  artifact: string,
  type: ImageType,
  options: ValidationOptions,
  earlier: CheckReport[],
  ctx: ValidationContext,
): Promise<Pick<ValidationResult, "boot" | "bootFailure"> & { report: CheckReport }> {
  const report = (status: CheckStatus, detail: string): CheckReport => ({ check: "boot", status, detail });
  if (options.boot.enabled === false) return { report: report("disabled", "switched off by validation.boot.enabled"), boot: { ...NO_BOOT } };
  if (type === "tar") return { report: report("not-applicable", "a tar archive is not a bootable disk"), boot: { ...NO_BOOT } };
  if (options.boot.enabled === "auto") {
    const byDefault = await bootByDefault(ctx.frontEnd, type, ctx.arch ?? hostArch());
    if (!byDefault.boot) return { report: report(byDefault.status, byDefault.detail), boot: { ...NO_BOOT } };
  }
  const failed = earlier.filter((r) => r.status === "failed").map((r) => r.check);
  if (failed.length) return { report: report("skipped", `not booted: ${failed.join(", ")} failed`), boot: { ...NO_BOOT } };
  const outcome = await bootCheck({
    artifact,
    format: QEMU_FORMAT[type],
    arch: ctx.arch ?? hostArch(),
    settings: options.boot,
    print: ctx.print ?? (() => undefined),
    signal: ctx.signal,
  });
  if (outcome.status === "skipped") return { report: report("skipped", outcome.detail), boot: { ...NO_BOOT } };
  if (outcome.status === "passed") return { report: report("passed", outcome.detail), boot: outcome.facts };
  return {
    report: report("failed", outcome.detail),
    boot: outcome.facts,
    bootFailure: { stage: outcome.facts.stage, consoleTail: outcome.consoleTail, console: outcome.console },
  };
}

export async function validateArtifact(
  artifact: string,
  type: ImageType,
  sizeGb: number,
  options: ValidationOptions,
  ctx: ValidationContext = {},
): Promise<ValidationResult> {
  const disabled = (check: CheckName): CheckReport => ({ check, status: "disabled", detail: `switched off by validation.${check}` });
  const info: QemuImageInfo | Error = await qemuImgInfo(artifact, QEMU_FORMAT[type]).catch((e: Error) => e);
  const tar = type === "tar" && (options.integrity || options.kernel || options.packages) ? await listTar(artifact) : undefined;
  const reports: CheckReport[] = [
    options.integrity ? await integrity(artifact, type, info, tar) : disabled("integrity"),
    options.virtualSize ? virtualSize(type, sizeGb, info) : disabled("virtualSize"),
  ];
  let installed: Record<string, string> = {};
  let kernels: string[] = [];
  if (options.kernel || options.packages) {
    const required = ["haproxy", ...options.requiredPackages.filter((p) => p !== "haproxy")];
    try {
      await withContents(artifact, type, tar, async (contents) => {
        kernels = await contents.kernels();
        const status = await contents.dpkgStatus();
        if (status !== undefined) installed = parseDpkgStatus(status);
        if (options.kernel) {
          reports.push(
            kernels.length
              ? { check: "kernel", status: "passed", detail: kernels.join(", ") }
              : { check: "kernel", status: "failed", detail: `no /boot/vmlinuz-* in the ${contents.describe()}` },
          );
        }
        if (options.packages) {
          const missing = required.filter((p) => installed[p] === undefined);
          reports.push(
            status === undefined
              ? { check: "packages", status: "failed", detail: "no /var/lib/dpkg/status in the image (package check reads dpkg only)" }
              : missing.length
                ? { check: "packages", status: "failed", detail: `not installed: ${missing.join(", ")}` }
                : { check: "packages", status: "passed", detail: required.map((p) => `${p} ${installed[p]}`).join(", ") },
          );
        }
      });
    } catch (e) {
      const detail = `cannot read the image: ${(e as Error).message}`;
      if (options.kernel) reports.push({ check: "kernel", status: "failed", detail });
      if (options.packages) reports.push({ check: "packages", status: "failed", detail });
    }
  }
  if (!options.kernel) reports.push(disabled("kernel"));
  if (!options.packages) reports.push(disabled("packages"));
  const order = (r: CheckReport): number => CHECKS.indexOf(r.check);
  reports.sort((a, b) => order(a) - order(b));
  const booted = await boot(artifact, type, options, reports, ctx);
  reports.push(booted.report);
  const zero: QemuImageInfo = { format: "", virtualSize: 0, actualSize: 0 };
  const result: ValidationResult = { reports, info: info instanceof Error ? zero : info, installed, kernels, boot: booted.boot };
  if (booted.bootFailure) result.bootFailure = booted.bootFailure;
  return result;
}
