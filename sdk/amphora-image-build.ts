import * as pulumi from "@pulumi/pulumi";
import type { AmphoraImageBuildArgsInput } from "../provider/amphora-image-build/inputs";
import type { AmphoraImageBuildOutputs } from "../provider/amphora-image-build/outputs";
import { packageProvider } from "./internal/provider-shim";

const provider = packageProvider("amphora-image-build/provider");

// generated:declarations (from the zod schemas by docs/tools/generate.ts: run `npm run docs`, do not edit)
/** The arguments of AmphoraImageBuild, each an `Input` of exactly what `check` accepts (closed sets stay closed). */
export interface AmphoraImageBuildArgs {
  /**
   * Which builder runs: `octavia` = Octavia's `diskimage-create.sh` (`script`), `dib` = diskimage-builder's
   * `disk-image-create` (`command`). Inputs of the other front end are refused. One of `octavia`, `dib`.
   */
  frontEnd: pulumi.Input<AmphoraImageBuildArgsInput["frontEnd"]>;
  /**
   * `-o`: the artifact path; a trailing `.<imageType>` is optional (the builders append it). Relative paths resolve
   * against the Pulumi project directory; the directory must exist. A change that moves the artifact replaces the
   * resource.
   */
  output: pulumi.Input<AmphoraImageBuildArgsInput["output"]>;
  /**
   * `-t`: image type. Decides the Glance formats (`tar` → raw/docker). A change replaces the resource. One of `qcow2`,
   * `tar`, `vhd`, `raw`.
   *
   * @defaultValue `"qcow2"`
   */
  imageType?: pulumi.Input<AmphoraImageBuildArgsInput["imageType"]>;
  /**
   * `-s` / `--image-size`: image size in GB. `baseOs` rhel and fedora need at least 3. Ignored by dib for tar. Range 1
   * to 4096.
   *
   * @defaultValue `2`
   */
  sizeGb?: pulumi.Input<AmphoraImageBuildArgsInput["sizeGb"]>;
  /**
   * `-a`: target architecture. octavia: amd64, armhf, arm64, aarch64, ppc64le; dib: amd64, x86_64, i386, armhf, arm64,
   * aarch64, ppc64le, ppc64el, s390x. Default: the builder's own (the build machine's architecture).
   */
  arch?: pulumi.Input<AmphoraImageBuildArgsInput["arch"]>;
  /**
   * `-d` / `DIB_RELEASE`: distribution release. octavia default per `baseOs`: noble (ubuntu-minimal), 10-stream
   * (centos-minimal), 10 (rhel, rocky), 28 (fedora).
   */
  release?: pulumi.Input<AmphoraImageBuildArgsInput["release"]>;
  /**
   * octavia: `DIB_ELEMENTS`, replaces the script's element list entirely; dib: the elements to build (required, at
   * least a distribution element such as `debian-minimal`).
   */
  elements?: pulumi.Input<AmphoraImageBuildArgsInput["elements"]>;
  /**
   * Further environment variables for the builder (e.g. `DIB_*`); part of the build key. Variables that have an input
   * of their own (`DIB_RELEASE`, `DIB_ELEMENTS`, `ELEMENTS_PATH`, `DIB_PASSWORD`, ...) are refused.
   *
   * @defaultValue `{}`
   */
  env?: pulumi.Input<AmphoraImageBuildArgsInput["env"]>;
  /** `-c` / `--image-cache`: diskimage-builder's image cache. Runtime setting: not part of the build key. */
  cacheDir?: pulumi.Input<AmphoraImageBuildArgsInput["cacheDir"]>;
  /** octavia `-w` (working directory); dib: `TMPDIR`. Runtime setting: not part of the build key. */
  workDir?: pulumi.Input<AmphoraImageBuildArgsInput["workDir"]>;
  /**
   * `-l` / `--logfile`: a log file the builder writes itself; the provider always writes its own log to `logPath`.
   * Runtime setting: not part of the build key.
   */
  logFile?: pulumi.Input<AmphoraImageBuildArgsInput["logFile"]>;
  /** `-f` / `--no-tmpfs`: build without a tmpfs. Runtime setting: not part of the build key. */
  noTmpfs?: pulumi.Input<AmphoraImageBuildArgsInput["noTmpfs"]>;
  /** `-x`: trace the builder's shell scripts. Runtime setting: not part of the build key. */
  trace?: pulumi.Input<AmphoraImageBuildArgsInput["trace"]>;
  /** `DIB_DISTRIBUTION_MIRROR`: the package mirror. */
  distributionMirror?: pulumi.Input<AmphoraImageBuildArgsInput["distributionMirror"]>;
  /**
   * `DIB_LOCAL_IMAGE`: a local base cloud image (required for `baseOs` rhel). The build key counts it by size and
   * modification time.
   */
  localImage?: pulumi.Input<AmphoraImageBuildArgsInput["localImage"]>;
  /** `DIB_GRUB_TIMEOUT` in seconds (octavia default 0). Range ≥ 0. */
  grubTimeout?: pulumi.Input<AmphoraImageBuildArgsInput["grubTimeout"]>;
  /**
   * Path of Octavia's `diskimage-create.sh` (required for octavia). Its bytes are part of the build key, its path is
   * not. Octavia's elements are read from `<repo>/elements`, the repository being two directories up or
   * `octaviaRepoPath`.
   */
  script?: pulumi.Input<AmphoraImageBuildArgsInput["script"]>;
  /** `-b`: the load-balancing backend (default haproxy). Only `haproxy`. */
  backend?: pulumi.Input<AmphoraImageBuildArgsInput["backend"]>;
  /**
   * `-i`: base OS (default ubuntu-minimal; `ubuntu` and `centos` are the -minimal variants). One of `ubuntu-minimal`,
   * `ubuntu`, `fedora`, `centos-minimal`, `centos`, `rocky`, `rhel`.
   */
  baseOs?: pulumi.Input<AmphoraImageBuildArgsInput["baseOs"]>;
  /** `-k`: kernel package, ubuntu-minimal only (default linux-image-virtual). */
  kernelPackage?: pulumi.Input<AmphoraImageBuildArgsInput["kernelPackage"]>;
  /** `-g`: git branch of the amphora agent and of upper-constraints. */
  agentBranch?: pulumi.Input<AmphoraImageBuildArgsInput["agentBranch"]>;
  /** `-e`: enforcing SELinux/AppArmor profile. */
  enforcingMac?: pulumi.Input<AmphoraImageBuildArgsInput["enforcingMac"]>;
  /** `-m`: add the CPU pinning element. */
  cpuPinning?: pulumi.Input<AmphoraImageBuildArgsInput["cpuPinning"]>;
  /** `-n`: no sshd in the image (then `useSsh` defaults to false). */
  noSshd?: pulumi.Input<AmphoraImageBuildArgsInput["noSshd"]>;
  /** `-p`: install the amphora agent from distribution packages. */
  agentFromPackages?: pulumi.Input<AmphoraImageBuildArgsInput["agentFromPackages"]>;
  /** `-y`: add the FIPS element. */
  fips?: pulumi.Input<AmphoraImageBuildArgsInput["fips"]>;
  /**
   * `-r`: root password, for debugging images only. The SDK sends it as a secret: the engine keeps it in the state's
   * inputs, encrypted like every secret; the provider's outputs hold only `rootPasswordSet` and `rootPasswordDigest`.
   * Redacted from logs, messages and the saved manifests. Visible in the build machine's process list while the build
   * runs. To keep it out of the state altogether, use `rootPasswordFrom`. At most 256 characters.
   */
  rootPassword?: pulumi.Input<AmphoraImageBuildArgsInput["rootPassword"]>;
  /**
   * `-r` like `rootPassword`, read at build time from `{ env: "NAME" }` or `{ file: "/path" }`: only the reference is
   * kept in state, never the password (its digest, `rootPasswordDigest`, notices a change). Not together with
   * `rootPassword`.
   */
  rootPasswordFrom?: pulumi.Input<AmphoraImageBuildArgsInput["rootPasswordFrom"]>;
  /** `DIB_LOCAL_ELEMENTS`: extra elements to add (needs `localElementsPath`). */
  localElements?: pulumi.Input<AmphoraImageBuildArgsInput["localElements"]>;
  /**
   * `DIB_LOCAL_ELEMENTS_PATH`: directories of local elements. Their files are part of the build key, their paths are
   * not. At least 1 entry.
   */
  localElementsPath?: pulumi.Input<AmphoraImageBuildArgsInput["localElementsPath"]>;
  /**
   * `DIB_REPO_PATH`: diskimage-builder checkout, used when `disk-image-create` is not on PATH. Runtime setting: not
   * part of the build key.
   */
  dibRepoPath?: pulumi.Input<AmphoraImageBuildArgsInput["dibRepoPath"]>;
  /** `OCTAVIA_REPO_PATH`: Octavia checkout whose `elements/` are used. Runtime setting: not part of the build key. */
  octaviaRepoPath?: pulumi.Input<AmphoraImageBuildArgsInput["octaviaRepoPath"]>;
  /** `CLOUD_INIT_DATASOURCES` (default ConfigDrive). At least 1 entry. */
  cloudInitDatasources?: pulumi.Input<AmphoraImageBuildArgsInput["cloudInitDatasources"]>;
  /** `DIB_REPOREF_amphora_agent`: git reference of the amphora agent. */
  agentRepoRef?: pulumi.Input<AmphoraImageBuildArgsInput["agentRepoRef"]>;
  /** `DIB_REPOLOCATION_upper_constraints`: where upper-constraints come from. */
  upperConstraints?: pulumi.Input<AmphoraImageBuildArgsInput["upperConstraints"]>;
  /** `DIB_OCTAVIA_AMP_USE_NFTABLES` (default true). */
  useNftables?: pulumi.Input<AmphoraImageBuildArgsInput["useNftables"]>;
  /** `DIB_OCTAVIA_AMP_USE_SSH` (default true unless `noSshd`). */
  useSsh?: pulumi.Input<AmphoraImageBuildArgsInput["useSsh"]>;
  /** The `disk-image-create` to run (default: the one on PATH). Its bytes are part of the build key. */
  command?: pulumi.Input<AmphoraImageBuildArgsInput["command"]>;
  /** `-p`: extra packages to install. */
  packages?: pulumi.Input<AmphoraImageBuildArgsInput["packages"]>;
  /**
   * `ELEMENTS_PATH`: directories of elements. Their files are part of the build key, their paths are not. At least 1
   * entry.
   */
  elementsPath?: pulumi.Input<AmphoraImageBuildArgsInput["elementsPath"]>;
  /**
   * Checks run on the artifact before it is moved into place (a failed check fails the build and keeps the previous
   * artifact). A switched-off check is reported as `disabled`. Changing only these settings validates the existing
   * artifact again without building.
   *
   * - `integrity`: qcow2: `qemu-img check` finds no errors; vhd and raw: qemu-img can read the image (raw has no
   *   metadata to check: truncation shows in `virtualSize`); tar: the archive is complete. Default `true`.
   * - `virtualSize`: The virtual size equals `sizeGb` GiB (disk images; not applicable to tar). Default `true`.
   * - `kernel`: A kernel (`vmlinuz-*`) under `/boot` in the image. Default `true`.
   * - `packages`: `haproxy` and `requiredPackages` are installed according to the image's `/var/lib/dpkg/status`
   *   (Debian/Ubuntu images; switch it off for RPM-based ones). Default `true`.
   * - `requiredPackages`: Packages the `packages` check requires besides `haproxy`; their versions appear in
   *   `packageVersions`. Default `[]`.
   * - `boot`: The boot check: QEMU boots the artifact read-only (`-snapshot`) with a config drive shaped like the one
   *   Nova gives an amphora (`config-2`: network on DHCP, the agent's configuration, certificate and client CA,
   *   generated per boot and never kept), and polls the agent through a forwarded port.
   * - `boot.enabled`: Boot the artifact before it is moved into place (qcow2, raw and vhd images) and require the
   *   amphora agent to answer Octavia's `GET /<api_version>/info` over mutual TLS. Needs `qemu-system-*` of the image's
   *   architecture, `xorriso` and `openssl`. `auto`: on for qcow2 and raw images of the `octavia` front end where the
   *   host has those tools; off (`disabled`, with why) for other builds, and `skipped` (naming what is missing) where
   *   the host lacks a tool. `false` switches it off, `true` requires it. Default `"auto"`.
   * - `boot.timeoutSeconds`: How long the agent has to answer, from QEMU's start (Octavia itself waits 120 × 5 s by
   *   default). Range 10 to 3600. Default `600`.
   * - `boot.memoryMb`: Guest memory in MiB (Octavia's default amphora flavor: 1024). Range 256 to 65536. Default
   *   `1024`.
   * - `boot.cpus`: Guest virtual CPUs (Octavia's default amphora flavor: 1). Range 1 to 64. Default `1`.
   * - `boot.accelerator`: `auto`: KVM when the image's architecture is the host's and a bounded probe guest runs under
   *   KVM, else software emulation (TCG); `kvm` or `tcg` to force one. One of `auto`, `kvm`, `tcg`. Default `"auto"`.
   */
  validation?: pulumi.Input<AmphoraImageBuildArgsInput["validation"]>;
  /**
   * Bound of one build; the builder's whole process group is killed after it. Runtime setting: not part of the build
   * key. Range 1 to 604800.
   *
   * @defaultValue `7200`
   */
  timeoutSeconds?: pulumi.Input<AmphoraImageBuildArgsInput["timeoutSeconds"]>;
  /**
   * How often a progress line is printed while the builder runs. Runtime setting: not part of the build key. Range 0.1
   * to 3600.
   *
   * @defaultValue `5`
   */
  progressIntervalSeconds?: pulumi.Input<AmphoraImageBuildArgsInput["progressIntervalSeconds"]>;
  /**
   * Keep the artifact, `NAME.d` and the build log when the resource is deleted. Runtime setting: not part of the build
   * key.
   *
   * @defaultValue `false`
   */
  retainOnDelete?: pulumi.Input<AmphoraImageBuildArgsInput["retainOnDelete"]>;
}

/** The output properties: registered as undefined (unless given as arguments) so that the engine fills them in. */
const OUTPUTS = [
  "frontEnd", "output", "imageType", "sizeGb", "arch", "release", "elements", "env", "cacheDir", "workDir", "logFile",
  "noTmpfs", "trace", "distributionMirror", "localImage", "grubTimeout", "script", "backend", "baseOs", "kernelPackage",
  "agentBranch", "enforcingMac", "cpuPinning", "noSshd", "agentFromPackages", "fips", "rootPasswordFrom",
  "localElements", "localElementsPath", "dibRepoPath", "octaviaRepoPath", "cloudInitDatasources", "agentRepoRef",
  "upperConstraints", "useNftables", "useSsh", "command", "packages", "elementsPath", "validation", "timeoutSeconds",
  "progressIntervalSeconds", "retainOnDelete", "path", "format", "diskFormat", "containerFormat", "virtualSize",
  "actualSize", "fileSize", "sha256", "sha512", "md5", "buildKey", "builtAt", "artifactFileId", "buildSeconds",
  "manifestDir", "logPath", "packageVersions", "haproxyVersion", "keepalivedVersion", "kernelVersion", "agentVersion",
  "checks", "boot", "dockerImportCommand", "rootPasswordSet", "artifactState",
] as const;
// /generated:declarations

/**
 * Builds an Octavia amphora image with Octavia's diskimage-create.sh (`frontEnd: "octavia"`) or diskimage-builder's
 * disk-image-create (`frontEnd: "dib"`), only when its content key (options, environment, builder bytes, element
 * directories) changed, and validates it (qemu-img check, virtual size, kernel, HAProxy and required packages)
 * before any other resource can use it.
 *
 *   const image = new AmphoraImageBuild("amphora", {
 *     frontEnd: "octavia", script: "/src/octavia/diskimage-create/diskimage-create.sh",
 *     output: "build/amphora-x64-haproxy.qcow2", baseOs: "ubuntu-minimal", sizeGb: 3,
 *   });
 *   new GlanceTaggedImage("amphora", { tag: "amphora", file: image.path, diskFormat: image.diskFormat,
 *     expectedSha512: image.sha512 });
 *
 * `rootPassword` is always sent as a secret: the engine keeps it in the state's inputs, encrypted, and the outputs hold
 * only `rootPasswordSet` and a salted scrypt digest. `rootPasswordFrom: { env: "NAME" }` (or `{ file: path }`) is read
 * at build time and keeps only the reference in the state.
 */
export class AmphoraImageBuild extends pulumi.dynamic.Resource {
  // generated:properties (from the zod schemas by docs/tools/generate.ts: run `npm run docs`, do not edit)
  /**
   * Which builder runs: `octavia` = Octavia's `diskimage-create.sh` (`script`), `dib` = diskimage-builder's
   * `disk-image-create` (`command`). Inputs of the other front end are refused. One of `octavia`, `dib`.
   */
  declare readonly frontEnd: pulumi.Output<AmphoraImageBuildOutputs["frontEnd"]>;
  /**
   * `-o`: the artifact path; a trailing `.<imageType>` is optional (the builders append it). Relative paths resolve
   * against the Pulumi project directory; the directory must exist. A change that moves the artifact replaces the
   * resource.
   */
  declare readonly output: pulumi.Output<AmphoraImageBuildOutputs["output"]>;
  /**
   * `-t`: image type. Decides the Glance formats (`tar` → raw/docker). A change replaces the resource. One of `qcow2`,
   * `tar`, `vhd`, `raw`.
   */
  declare readonly imageType: pulumi.Output<AmphoraImageBuildOutputs["imageType"]>;
  /**
   * `-s` / `--image-size`: image size in GB. `baseOs` rhel and fedora need at least 3. Ignored by dib for tar. Range 1
   * to 4096.
   */
  declare readonly sizeGb: pulumi.Output<AmphoraImageBuildOutputs["sizeGb"]>;
  /**
   * `-a`: target architecture. octavia: amd64, armhf, arm64, aarch64, ppc64le; dib: amd64, x86_64, i386, armhf, arm64,
   * aarch64, ppc64le, ppc64el, s390x. Default: the builder's own (the build machine's architecture).
   */
  declare readonly arch: pulumi.Output<AmphoraImageBuildOutputs["arch"]>;
  /**
   * `-d` / `DIB_RELEASE`: distribution release. octavia default per `baseOs`: noble (ubuntu-minimal), 10-stream
   * (centos-minimal), 10 (rhel, rocky), 28 (fedora).
   */
  declare readonly release: pulumi.Output<AmphoraImageBuildOutputs["release"]>;
  /**
   * octavia: `DIB_ELEMENTS`, replaces the script's element list entirely; dib: the elements to build (required, at
   * least a distribution element such as `debian-minimal`).
   */
  declare readonly elements: pulumi.Output<AmphoraImageBuildOutputs["elements"]>;
  /**
   * Further environment variables for the builder (e.g. `DIB_*`); part of the build key. Variables that have an input
   * of their own (`DIB_RELEASE`, `DIB_ELEMENTS`, `ELEMENTS_PATH`, `DIB_PASSWORD`, ...) are refused.
   */
  declare readonly env: pulumi.Output<AmphoraImageBuildOutputs["env"]>;
  /** `-c` / `--image-cache`: diskimage-builder's image cache. Runtime setting: not part of the build key. */
  declare readonly cacheDir: pulumi.Output<AmphoraImageBuildOutputs["cacheDir"]>;
  /** octavia `-w` (working directory); dib: `TMPDIR`. Runtime setting: not part of the build key. */
  declare readonly workDir: pulumi.Output<AmphoraImageBuildOutputs["workDir"]>;
  /**
   * `-l` / `--logfile`: a log file the builder writes itself; the provider always writes its own log to `logPath`.
   * Runtime setting: not part of the build key.
   */
  declare readonly logFile: pulumi.Output<AmphoraImageBuildOutputs["logFile"]>;
  /** `-f` / `--no-tmpfs`: build without a tmpfs. Runtime setting: not part of the build key. */
  declare readonly noTmpfs: pulumi.Output<AmphoraImageBuildOutputs["noTmpfs"]>;
  /** `-x`: trace the builder's shell scripts. Runtime setting: not part of the build key. */
  declare readonly trace: pulumi.Output<AmphoraImageBuildOutputs["trace"]>;
  /** `DIB_DISTRIBUTION_MIRROR`: the package mirror. */
  declare readonly distributionMirror: pulumi.Output<AmphoraImageBuildOutputs["distributionMirror"]>;
  /**
   * `DIB_LOCAL_IMAGE`: a local base cloud image (required for `baseOs` rhel). The build key counts it by size and
   * modification time.
   */
  declare readonly localImage: pulumi.Output<AmphoraImageBuildOutputs["localImage"]>;
  /** `DIB_GRUB_TIMEOUT` in seconds (octavia default 0). Range ≥ 0. */
  declare readonly grubTimeout: pulumi.Output<AmphoraImageBuildOutputs["grubTimeout"]>;
  /**
   * Path of Octavia's `diskimage-create.sh` (required for octavia). Its bytes are part of the build key, its path is
   * not. Octavia's elements are read from `<repo>/elements`, the repository being two directories up or
   * `octaviaRepoPath`.
   */
  declare readonly script: pulumi.Output<AmphoraImageBuildOutputs["script"]>;
  /** `-b`: the load-balancing backend (default haproxy). Only `haproxy`. */
  declare readonly backend: pulumi.Output<AmphoraImageBuildOutputs["backend"]>;
  /**
   * `-i`: base OS (default ubuntu-minimal; `ubuntu` and `centos` are the -minimal variants). One of `ubuntu-minimal`,
   * `ubuntu`, `fedora`, `centos-minimal`, `centos`, `rocky`, `rhel`.
   */
  declare readonly baseOs: pulumi.Output<AmphoraImageBuildOutputs["baseOs"]>;
  /** `-k`: kernel package, ubuntu-minimal only (default linux-image-virtual). */
  declare readonly kernelPackage: pulumi.Output<AmphoraImageBuildOutputs["kernelPackage"]>;
  /** `-g`: git branch of the amphora agent and of upper-constraints. */
  declare readonly agentBranch: pulumi.Output<AmphoraImageBuildOutputs["agentBranch"]>;
  /** `-e`: enforcing SELinux/AppArmor profile. */
  declare readonly enforcingMac: pulumi.Output<AmphoraImageBuildOutputs["enforcingMac"]>;
  /** `-m`: add the CPU pinning element. */
  declare readonly cpuPinning: pulumi.Output<AmphoraImageBuildOutputs["cpuPinning"]>;
  /** `-n`: no sshd in the image (then `useSsh` defaults to false). */
  declare readonly noSshd: pulumi.Output<AmphoraImageBuildOutputs["noSshd"]>;
  /** `-p`: install the amphora agent from distribution packages. */
  declare readonly agentFromPackages: pulumi.Output<AmphoraImageBuildOutputs["agentFromPackages"]>;
  /** `-y`: add the FIPS element. */
  declare readonly fips: pulumi.Output<AmphoraImageBuildOutputs["fips"]>;
  /**
   * `-r` like `rootPassword`, read at build time from `{ env: "NAME" }` or `{ file: "/path" }`: only the reference is
   * kept in state, never the password (its digest, `rootPasswordDigest`, notices a change). Not together with
   * `rootPassword`.
   */
  declare readonly rootPasswordFrom: pulumi.Output<AmphoraImageBuildOutputs["rootPasswordFrom"]>;
  /** `DIB_LOCAL_ELEMENTS`: extra elements to add (needs `localElementsPath`). */
  declare readonly localElements: pulumi.Output<AmphoraImageBuildOutputs["localElements"]>;
  /**
   * `DIB_LOCAL_ELEMENTS_PATH`: directories of local elements. Their files are part of the build key, their paths are
   * not. At least 1 entry.
   */
  declare readonly localElementsPath: pulumi.Output<AmphoraImageBuildOutputs["localElementsPath"]>;
  /**
   * `DIB_REPO_PATH`: diskimage-builder checkout, used when `disk-image-create` is not on PATH. Runtime setting: not
   * part of the build key.
   */
  declare readonly dibRepoPath: pulumi.Output<AmphoraImageBuildOutputs["dibRepoPath"]>;
  /** `OCTAVIA_REPO_PATH`: Octavia checkout whose `elements/` are used. Runtime setting: not part of the build key. */
  declare readonly octaviaRepoPath: pulumi.Output<AmphoraImageBuildOutputs["octaviaRepoPath"]>;
  /** `CLOUD_INIT_DATASOURCES` (default ConfigDrive). At least 1 entry. */
  declare readonly cloudInitDatasources: pulumi.Output<AmphoraImageBuildOutputs["cloudInitDatasources"]>;
  /** `DIB_REPOREF_amphora_agent`: git reference of the amphora agent. */
  declare readonly agentRepoRef: pulumi.Output<AmphoraImageBuildOutputs["agentRepoRef"]>;
  /** `DIB_REPOLOCATION_upper_constraints`: where upper-constraints come from. */
  declare readonly upperConstraints: pulumi.Output<AmphoraImageBuildOutputs["upperConstraints"]>;
  /** `DIB_OCTAVIA_AMP_USE_NFTABLES` (default true). */
  declare readonly useNftables: pulumi.Output<AmphoraImageBuildOutputs["useNftables"]>;
  /** `DIB_OCTAVIA_AMP_USE_SSH` (default true unless `noSshd`). */
  declare readonly useSsh: pulumi.Output<AmphoraImageBuildOutputs["useSsh"]>;
  /** The `disk-image-create` to run (default: the one on PATH). Its bytes are part of the build key. */
  declare readonly command: pulumi.Output<AmphoraImageBuildOutputs["command"]>;
  /** `-p`: extra packages to install. */
  declare readonly packages: pulumi.Output<AmphoraImageBuildOutputs["packages"]>;
  /**
   * `ELEMENTS_PATH`: directories of elements. Their files are part of the build key, their paths are not. At least 1
   * entry.
   */
  declare readonly elementsPath: pulumi.Output<AmphoraImageBuildOutputs["elementsPath"]>;
  /**
   * Checks run on the artifact before it is moved into place (a failed check fails the build and keeps the previous
   * artifact). A switched-off check is reported as `disabled`. Changing only these settings validates the existing
   * artifact again without building.
   *
   * - `integrity`: qcow2: `qemu-img check` finds no errors; vhd and raw: qemu-img can read the image (raw has no
   *   metadata to check: truncation shows in `virtualSize`); tar: the archive is complete.
   * - `virtualSize`: The virtual size equals `sizeGb` GiB (disk images; not applicable to tar).
   * - `kernel`: A kernel (`vmlinuz-*`) under `/boot` in the image.
   * - `packages`: `haproxy` and `requiredPackages` are installed according to the image's `/var/lib/dpkg/status`
   *   (Debian/Ubuntu images; switch it off for RPM-based ones).
   * - `requiredPackages`: Packages the `packages` check requires besides `haproxy`; their versions appear in
   *   `packageVersions`.
   * - `boot`: The boot check: QEMU boots the artifact read-only (`-snapshot`) with a config drive shaped like the one
   *   Nova gives an amphora (`config-2`: network on DHCP, the agent's configuration, certificate and client CA,
   *   generated per boot and never kept), and polls the agent through a forwarded port.
   * - `boot.enabled`: Boot the artifact before it is moved into place (qcow2, raw and vhd images) and require the
   *   amphora agent to answer Octavia's `GET /<api_version>/info` over mutual TLS. Needs `qemu-system-*` of the image's
   *   architecture, `xorriso` and `openssl`. `auto`: on for qcow2 and raw images of the `octavia` front end where the
   *   host has those tools; off (`disabled`, with why) for other builds, and `skipped` (naming what is missing) where
   *   the host lacks a tool. `false` switches it off, `true` requires it.
   * - `boot.timeoutSeconds`: How long the agent has to answer, from QEMU's start (Octavia itself waits 120 × 5 s by
   *   default). Range 10 to 3600.
   * - `boot.memoryMb`: Guest memory in MiB (Octavia's default amphora flavor: 1024). Range 256 to 65536.
   * - `boot.cpus`: Guest virtual CPUs (Octavia's default amphora flavor: 1). Range 1 to 64.
   * - `boot.accelerator`: `auto`: KVM when the image's architecture is the host's and a bounded probe guest runs under
   *   KVM, else software emulation (TCG); `kvm` or `tcg` to force one. One of `auto`, `kvm`, `tcg`.
   */
  declare readonly validation: pulumi.Output<AmphoraImageBuildOutputs["validation"]>;
  /**
   * Bound of one build; the builder's whole process group is killed after it. Runtime setting: not part of the build
   * key. Range 1 to 604800.
   */
  declare readonly timeoutSeconds: pulumi.Output<AmphoraImageBuildOutputs["timeoutSeconds"]>;
  /**
   * How often a progress line is printed while the builder runs. Runtime setting: not part of the build key. Range 0.1
   * to 3600.
   */
  declare readonly progressIntervalSeconds: pulumi.Output<AmphoraImageBuildOutputs["progressIntervalSeconds"]>;
  /**
   * Keep the artifact, `NAME.d` and the build log when the resource is deleted. Runtime setting: not part of the build
   * key.
   */
  declare readonly retainOnDelete: pulumi.Output<AmphoraImageBuildOutputs["retainOnDelete"]>;
  /** The artifact: `output` with its `.<imageType>` suffix. GlanceTaggedImage's `file`. */
  declare readonly path: pulumi.Output<AmphoraImageBuildOutputs["path"]>;
  /** Format qemu-img detected (qcow2, raw, vpc; a tar probes as raw). */
  declare readonly format: pulumi.Output<AmphoraImageBuildOutputs["format"]>;
  /**
   * Glance `disk_format` for the artifact (qcow2, raw, vhd; tar → raw). GlanceTaggedImage's `diskFormat`. One of
   * `qcow2`, `raw`, `vhd`.
   */
  declare readonly diskFormat: pulumi.Output<AmphoraImageBuildOutputs["diskFormat"]>;
  /** Glance `container_format` (bare; tar → docker). GlanceTaggedImage's `containerFormat`. One of `bare`, `docker`. */
  declare readonly containerFormat: pulumi.Output<AmphoraImageBuildOutputs["containerFormat"]>;
  /** Virtual size in bytes (qemu-img). */
  declare readonly virtualSize: pulumi.Output<AmphoraImageBuildOutputs["virtualSize"]>;
  /** Bytes allocated on disk (qemu-img). */
  declare readonly actualSize: pulumi.Output<AmphoraImageBuildOutputs["actualSize"]>;
  /** File size in bytes. */
  declare readonly fileSize: pulumi.Output<AmphoraImageBuildOutputs["fileSize"]>;
  /** sha256 of the artifact. */
  declare readonly sha256: pulumi.Output<AmphoraImageBuildOutputs["sha256"]>;
  /** sha512 of the artifact: GlanceTaggedImage's `expectedSha512` (Glance's `os_hash_value`). */
  declare readonly sha512: pulumi.Output<AmphoraImageBuildOutputs["sha512"]>;
  /** md5 of the artifact (Glance's `checksum`). */
  declare readonly md5: pulumi.Output<AmphoraImageBuildOutputs["md5"]>;
  /** sha256 over the key parts: the same key means the builder would produce the same image, so it does not run. */
  declare readonly buildKey: pulumi.Output<AmphoraImageBuildOutputs["buildKey"]>;
  /** ISO time the artifact was built. */
  declare readonly builtAt: pulumi.Output<AmphoraImageBuildOutputs["builtAt"]>;
  /**
   * Inode number of the artifact file this build (or the last validation) put in place: delete removes the artifact,
   * its `NAME.d` and its log only while the path still holds this file, not one a replacement built at the same path
   * since ("" in state of older versions until a validation: removed by path).
   */
  declare readonly artifactFileId: pulumi.Output<AmphoraImageBuildOutputs["artifactFileId"]>;
  /** Seconds from the builder's start to the validated artifact in place. */
  declare readonly buildSeconds: pulumi.Output<AmphoraImageBuildOutputs["buildSeconds"]>;
  /** `NAME.d/dib-manifests` next to the artifact, or "" when the builder wrote none. */
  declare readonly manifestDir: pulumi.Output<AmphoraImageBuildOutputs["manifestDir"]>;
  /** The provider's full log of the last build (`<output base>.build.log`, secrets redacted). */
  declare readonly logPath: pulumi.Output<AmphoraImageBuildOutputs["logPath"]>;
  /** Package → version for haproxy, keepalived, the kernel, the amphora agent and `requiredPackages` (those found). */
  declare readonly packageVersions: pulumi.Output<AmphoraImageBuildOutputs["packageVersions"]>;
  /** Version of the haproxy package, or "". */
  declare readonly haproxyVersion: pulumi.Output<AmphoraImageBuildOutputs["haproxyVersion"]>;
  /** Version of the keepalived package, or "". */
  declare readonly keepalivedVersion: pulumi.Output<AmphoraImageBuildOutputs["keepalivedVersion"]>;
  /** Kernel release (suffix of the `linux-image-<release>` package), or "". */
  declare readonly kernelVersion: pulumi.Output<AmphoraImageBuildOutputs["kernelVersion"]>;
  /** Version of the amphora agent package, or `git <ref>` from the source manifest, or "". */
  declare readonly agentVersion: pulumi.Output<AmphoraImageBuildOutputs["agentVersion"]>;
  /**
   * One report per validation check of the last build or validation.
   *
   * - `[].check`: The check's name (see `validation`). One of `integrity`, `virtualSize`, `kernel`, `packages`, `boot`.
   * - `[].status`: `passed`, `failed`, `disabled`, `not-applicable` or `skipped` (boot: not run, with why).
   * - `[].detail`: What the check found.
   */
  declare readonly checks: pulumi.Output<AmphoraImageBuildOutputs["checks"]>;
  /**
   * Facts of the boot check of the last build or validation (`validation.boot`); zeros when it did not run.
   *
   * - `seconds`: Seconds from QEMU's start to the agent's answer; 0 when the image was not booted or the agent did not
   *   answer.
   * - `accelerator`: `kvm` or `tcg`; "" when the image was not booted.
   * - `stage`: The last boot stage reached: `agent` when it answered; "" when not booted.
   * - `agent`: What the agent's `GET /<api_version>/info` reported: `api_version`, `haproxy_version`, `hostname` and,
   *   with keepalived, `keepalived_version` and `ipvsadm_version`.
   */
  declare readonly boot: pulumi.Output<AmphoraImageBuildOutputs["boot"]>;
  /** For tar outputs: the `docker import` command of the base-image spec; "" otherwise. */
  declare readonly dockerImportCommand: pulumi.Output<AmphoraImageBuildOutputs["dockerImportCommand"]>;
  /** Whether `rootPassword` or `rootPasswordFrom` was given. */
  declare readonly rootPasswordSet: pulumi.Output<AmphoraImageBuildOutputs["rootPasswordSet"]>;
  /**
   * `ok` after a build or a refresh that found the artifact intact; `modified` when a refresh found other bytes (the
   * next update rebuilds). One of `ok`, `modified`.
   */
  declare readonly artifactState: pulumi.Output<AmphoraImageBuildOutputs["artifactState"]>;
  // /generated:properties

  constructor(name: string, args: AmphoraImageBuildArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { ...args };
    if (args.rootPassword !== undefined) props.rootPassword = pulumi.secret(args.rootPassword);
    for (const key of OUTPUTS) if (!(key in props)) props[key] = undefined;
    super(
      provider,
      name,
      props,
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "rootPasswordDigest"] },
      "amphora",
      "AmphoraImageBuild",
    );
  }
}
