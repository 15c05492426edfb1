/**
 * `validation.boot.enabled: auto`, the default: the boot check runs for what Octavia boots, qcow2 and raw images of
 * Octavia's own `diskimage-create.sh` (the `octavia` front end), on a host that has what the gate needs. Anything
 * else is reported with why, so that an operator reading the checks never mistakes an unbooted image for a booted one.
 */
import { debianPackageOf } from "../../../builder/capture";
import { resolveCommand } from "../../build-key";
import type { ImageType } from "../../constants";
import { emulatorInstalled, noTargetFor, qemuTarget } from "./qemu";

export type DefaultBoot = { boot: true } | { boot: false; status: "disabled" | "skipped"; detail: string };

const BOOTED_TYPES: readonly ImageType[] = ["qcow2", "raw"];
/** What the gate runs besides QEMU: the config drive (xorriso) and the per-boot certificates (openssl). */
const GATE_TOOLS = ["xorriso", "openssl"];

export async function bootByDefault(frontEnd: string | undefined, type: ImageType, arch: string): Promise<DefaultBoot> {
  const asked = "validation.boot.enabled: true boots it";
  if (frontEnd !== "octavia") return { boot: false, status: "disabled", detail: `off by default for the ${frontEnd ?? "dib"} front end (${asked})` };
  if (!BOOTED_TYPES.includes(type)) return { boot: false, status: "disabled", detail: `off by default for ${type} images, on for qcow2 and raw (${asked})` };
  const target = qemuTarget(arch);
  if (!target) return { boot: false, status: "skipped", detail: `not booted by default: ${noTargetFor(arch)}` };
  const missing: string[] = [];
  if (!(await emulatorInstalled(target))) missing.push(`${target.binary} (Debian package ${target.debianPackage})`);
  for (const tool of GATE_TOOLS) if (!(await resolveCommand(tool))) missing.push(`${tool} (Debian package ${debianPackageOf(tool) ?? tool})`);
  if (missing.length) {
    return {
      boot: false,
      status: "skipped",
      detail: `not booted by default: this host lacks ${missing.join(", ")} (validation.boot.enabled: true requires them, false switches the check off)`,
    };
  }
  return { boot: true };
}
