import { constants as fsc, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProcess } from "../../../builder/run-process";
import { toolEnv } from "../../../builder/capture";
import { resolveCommand } from "../../build-key";

/**
 * Which QEMU boots an image of a given architecture, and with which accelerator. KVM only when the host has the
 * same architecture and a bounded probe shows that a KVM guest really runs: on some machines `/dev/kvm` exists but
 * guests hang (nested virtualisation without support), so the probe boots a one-sector guest that reports on the
 * serial port and powers off through the ISA debug-exit device; anything else within the bound means TCG.
 */

export type Accelerator = "kvm" | "tcg";

export interface QemuTarget {
  binary: string;
  /** Debian package providing `binary`. */
  debianPackage: string;
  machineArgs: string[];
  /** The probe guest only runs on x86 (real-mode boot sector through SeaBIOS). */
  probe: boolean;
}

/** Why an image of `arch` cannot be booted: no QEMU target for it (qemuTarget is undefined). */
export function noTargetFor(arch: string): string {
  return `no way to boot ${arch} images here (amd64, i386 and arm64 can be booted)`;
}

/** Architecture names of both builders (Debian and kernel spellings) → QEMU. */
export function qemuTarget(arch: string): QemuTarget | undefined {
  switch (arch) {
    case "amd64":
    case "x86_64":
      return { binary: "qemu-system-x86_64", debianPackage: "qemu-system-x86", machineArgs: ["-machine", "pc"], probe: true };
    case "i386":
      return { binary: "qemu-system-i386", debianPackage: "qemu-system-x86", machineArgs: ["-machine", "pc"], probe: true };
    case "arm64":
    case "aarch64":
      return {
        binary: "qemu-system-aarch64",
        debianPackage: "qemu-system-arm qemu-efi-aarch64",
        machineArgs: ["-machine", "virt", "-cpu", "max", "-bios", "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd"],
        probe: false,
      };
    default:
      return undefined;
  }
}

/** The host's architecture in the builders' spelling (the default target of a build without `arch`). */
export function hostArch(): string {
  const a = os.arch();
  return a === "x64" ? "amd64" : a === "arm64" ? "arm64" : a === "ia32" ? "i386" : a;
}

export function sameArch(arch: string): boolean {
  const norm = (a: string): string => ({ x86_64: "amd64", aarch64: "arm64" })[a] ?? a;
  return norm(arch) === norm(hostArch());
}

/** Real mode: write "K" to COM1, then 0x10 to the debug-exit port (QEMU exits with status 0x21), then halt. */
function probeSector(): Buffer {
  const code = [0xba, 0xf8, 0x03, 0xb0, 0x4b, 0xee, 0xba, 0xf4, 0x00, 0xb0, 0x10, 0xee, 0xf4, 0xeb, 0xfd];
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

const PROBE_EXIT = (0x10 << 1) | 1;

export interface AcceleratorChoice {
  accelerator: Accelerator;
  /** Why, for the check's detail (e.g. "kvm: /dev/kvm missing"). */
  reason: string;
}

/** Runs the probe guest under KVM within `timeoutMs`; resolves to why KVM is unusable, or "" when it works. */
export async function probeKvm(target: QemuTarget, dir: string, timeoutMs = 15_000): Promise<string> {
  try {
    await fs.access("/dev/kvm", fsc.R_OK | fsc.W_OK);
  } catch (e) {
    return `/dev/kvm ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "not usable"}`;
  }
  if (!target.probe) return `no probe guest for ${target.binary}`;
  const disk = path.join(dir, "kvm-probe.img");
  const serial = path.join(dir, "kvm-probe.serial");
  await fs.writeFile(disk, probeSector());
  const r = await runProcess({
    command: target.binary,
    args: [...target.machineArgs, "-accel", "kvm", "-m", "16", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
      "-drive", `file=${disk},format=raw,if=ide`, "-serial", `file:${serial}`, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
    env: toolEnv(),
    timeoutMs,
    killGraceMs: 1000,
  }).catch((e: Error) => e);
  if (r instanceof Error) return `cannot run ${target.binary}: ${r.message}`;
  const said = await fs.readFile(serial, "utf8").catch(() => "");
  if (r.timedOut) return `a KVM guest did not finish a one-sector probe within ${timeoutMs / 1000} s`;
  if (r.exitCode !== PROBE_EXIT || !said.includes("K")) return `the KVM probe guest failed (exit ${r.exitCode ?? r.signal})`;
  return "";
}

export async function chooseAccelerator(wanted: "auto" | Accelerator, arch: string, target: QemuTarget, dir: string): Promise<AcceleratorChoice> {
  if (wanted === "tcg") return { accelerator: "tcg", reason: "accelerator tcg" };
  if (!sameArch(arch)) {
    return { accelerator: "tcg", reason: `${arch} on a ${hostArch()} host: software emulation` };
  }
  const why = await probeKvm(target, dir);
  if (why === "") return { accelerator: "kvm", reason: "KVM probe passed" };
  return { accelerator: wanted === "kvm" ? "kvm" : "tcg", reason: wanted === "kvm" ? `accelerator kvm although ${why}` : `TCG: ${why}` };
}

export async function emulatorInstalled(target: QemuTarget): Promise<boolean> {
  return (await resolveCommand(target.binary)) !== undefined;
}
