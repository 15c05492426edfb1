import * as path from "node:path";
import type { ImageType } from "./constants";
import type { AmphoraImageBuildInputs } from "./inputs";

/**
 * Effective build options: the builders' own defaults applied, aliases folded, so that writing a default out
 * explicitly (sizeGb: 2, baseOs: "ubuntu") is not a change. Also the artifact naming rules shared by
 * diskimage-create.sh and disk-image-create.
 */

/** Inputs that change how the provider runs or checks a build, never what is built. */
export const RUNTIME_FIELDS = [
  "cacheDir", "workDir", "logFile", "noTmpfs", "trace", "timeoutSeconds", "progressIntervalSeconds",
  "retainOnDelete", "script", "command", "dibRepoPath", "octaviaRepoPath", "localElementsPath", "elementsPath",
] as const;

/** `-o NAME` minus a trailing ".<type>" (DIB strips it and appends the type itself). */
export function outputBase(output: string, imageType: ImageType): string {
  return output.endsWith(`.${imageType}`) ? output.slice(0, -(imageType.length + 1)) : output;
}

export interface ArtifactPaths {
  artifact: string;
  /** NAME.d: DIB's per-image directory (dib-manifests/ inside). */
  dotD: string;
  manifestDir: string;
  /** The provider's own full log of the last build. */
  buildLog: string;
}

export function artifactPaths(output: string, imageType: ImageType): ArtifactPaths {
  const base = outputBase(output, imageType);
  return {
    artifact: `${base}.${imageType}`,
    dotD: `${base}.d`,
    manifestDir: path.join(`${base}.d`, "dib-manifests"),
    buildLog: `${base}.build.log`,
  };
}

/** Debian name of this machine's architecture: what diskimage-create.sh builds when -a is not given. */
export function hostArch(): string {
  const map: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "armhf", ppc64: "ppc64le", ia32: "i386", s390x: "s390x" };
  return map[process.arch] ?? process.arch;
}

export function effectiveBaseOs(inputs: AmphoraImageBuildInputs): string {
  const os = inputs.baseOs ?? "ubuntu-minimal";
  return os === "ubuntu" ? "ubuntu-minimal" : os === "centos" ? "centos-minimal" : os;
}

/** diskimage-create.sh's DIB_RELEASE default per base OS. */
export function defaultRelease(baseOs: string): string {
  return { "ubuntu-minimal": "noble", rhel: "10", "centos-minimal": "10-stream", fedora: "28", rocky: "10" }[baseOs] ?? "";
}

/** The options that decide what is built, with defaults applied: the "options" part of the build key. */
export function contentOptions(inputs: AmphoraImageBuildInputs): Record<string, unknown> {
  const common = {
    frontEnd: inputs.frontEnd,
    imageType: inputs.imageType,
    elements: inputs.elements ?? [],
    distributionMirror: inputs.distributionMirror ?? "",
    grubTimeout: inputs.grubTimeout ?? (inputs.frontEnd === "octavia" ? 0 : ""),
  };
  if (inputs.frontEnd === "dib") {
    return {
      ...common,
      sizeGb: inputs.imageType === "tar" ? 0 : inputs.sizeGb,
      arch: inputs.arch ?? "amd64",
      release: inputs.release ?? "",
      packages: inputs.packages ?? [],
    };
  }
  const baseOs = effectiveBaseOs(inputs);
  const noSshd = inputs.noSshd ?? false;
  return {
    ...common,
    sizeGb: inputs.sizeGb,
    arch: inputs.arch ?? hostArch(),
    backend: inputs.backend ?? "haproxy",
    baseOs,
    release: inputs.release ?? defaultRelease(baseOs),
    kernelPackage: baseOs === "ubuntu-minimal" ? (inputs.kernelPackage ?? "linux-image-virtual") : "",
    agentBranch: inputs.agentBranch ?? "",
    enforcingMac: inputs.enforcingMac ?? false,
    cpuPinning: inputs.cpuPinning ?? false,
    noSshd,
    agentFromPackages: inputs.agentFromPackages ?? false,
    fips: inputs.fips ?? false,
    rootPasswordSet: inputs.rootPassword !== undefined,
    localElements: inputs.localElements ?? [],
    cloudInitDatasources: inputs.cloudInitDatasources ?? ["ConfigDrive"],
    agentRepoRef: inputs.agentRepoRef ?? "",
    upperConstraints: inputs.upperConstraints ?? "",
    useNftables: inputs.useNftables ?? true,
    useSsh: inputs.useSsh ?? !noSshd,
  };
}
