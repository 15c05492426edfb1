import { closeSync, openSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveCommand } from "../../provider/amphora-image-build/build-key";
import { aptMirrors, dibDebianEnv } from "./apt-sources";
import { REPO_ROOT } from "./helpers";

/**
 * The real amphora that boot-real.test.ts and the benchmark's boot section build: diskimage-builder's
 * `vm block-device-mbr debian-minimal` and the fixture element `amphora-debian-agent` (Debian's `octavia-agent`,
 * since Octavia's own elements install the agent from git and pip), from this machine's Debian mirror.
 */

/** `root`: the repository (the benchmark runs compiled from elsewhere and passes its own). */
export const standIns = (root = REPO_ROOT): string => path.join(root, "test", "fixtures", "no-device-mapper");

/**
 * Device-mapper works when its control node opens. The node alone proves nothing: libdevmapper creates it when a
 * tool asks (dmsetup did on these machines), and opening it then fails with ENODEV.
 */
function deviceMapperWorks(): boolean {
  try {
    closeSync(openSync("/dev/mapper/control", "r+"));
    return true;
  } catch {
    return false;
  }
}

/** Where there is no device-mapper (these machines), the stand-ins of test/fixtures/no-device-mapper go first on PATH. */
export const NEEDS_STAND_INS = !deviceMapperWorks();

/** The DIB cache the real builds share (the debootstrap tarball). */
export const DIB_CACHE = process.env.AMPHORA_DIB_CACHE ?? path.join(os.tmpdir(), "amphora-dib-cache");

/** What this machine lacks to build and boot the real amphora (empty when it can). */
export async function realAmphoraMissing(): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root");
  for (const tool of ["disk-image-create", "debootstrap", "qemu-img", "qemu-system-x86_64", "xorriso", "openssl"]) {
    if (!(await resolveCommand(tool))) missing.push(tool);
  }
  if (os.arch() !== "x64") missing.push("an amd64 host");
  if (!aptMirrors()) missing.push("a Debian mirror in /etc/apt/sources*");
  return missing;
}

/** AmphoraImageBuild inputs of the real amphora, built in `workDir` as `<workDir>/amphora.qcow2`. */
export function realAmphoraInputs(workDir: string, boot: Record<string, unknown>, root = REPO_ROOT): Record<string, unknown> {
  const mirrors = aptMirrors();
  if (!mirrors) throw new Error("no Debian mirror in /etc/apt/sources*");
  return {
    frontEnd: "dib",
    output: path.join(workDir, "amphora"),
    imageType: "qcow2",
    sizeGb: 2,
    arch: "amd64",
    elements: ["vm", "block-device-mbr", "debian-minimal", "amphora-debian-agent"],
    elementsPath: [path.join(root, "test", "fixtures", "amphora-elements")],
    release: mirrors.codename,
    distributionMirror: mirrors.main,
    // Octavia's diskimage-create.sh exports DIB_GRUB_TIMEOUT=0: GRUB's 5 s menu is no part of an amphora's boot.
    grubTimeout: 0,
    cacheDir: DIB_CACHE,
    workDir,
    progressIntervalSeconds: 15,
    timeoutSeconds: 45 * 60,
    env: dibDebianEnv(mirrors),
    validation: { requiredPackages: ["octavia-agent", "cloud-init"], boot },
  };
}
