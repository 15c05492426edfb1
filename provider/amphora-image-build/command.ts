import * as path from "node:path";
import type { AmphoraImageBuildInputs } from "./inputs";

/**
 * The exact program, argument array and environment of a build. Never a shell string: values reach the builder
 * as separate argv entries, so nothing in them is interpreted.
 */
export interface BuilderCommand {
  /** Label for messages: "diskimage-create.sh" or "disk-image-create". */
  builder: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Values that must never appear in logs or messages (the root password). */
  secrets: string[];
}

/** Variables taken from the provider's environment; everything else is explicit. */
const INHERITED = [
  "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR",
  "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
];

export function baseEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  return env;
}

function defined(entries: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));
}

const pyBool = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : b ? "True" : "False");

/** Octavia's diskimage-create.sh: every typed input becomes its flag or environment variable. */
export function octaviaCommand(inputs: AmphoraImageBuildInputs, stagedOutput: string, cwd: string, env = baseEnv()): BuilderCommand {
  const args: string[] = [];
  const opt = (flag: string, value: string | undefined): void => {
    if (value !== undefined) args.push(flag, value);
  };
  const sw = (flag: string, on: boolean | undefined): void => {
    if (on) args.push(flag);
  };
  opt("-a", inputs.arch);
  opt("-b", inputs.backend);
  opt("-c", inputs.cacheDir);
  opt("-d", inputs.release);
  sw("-e", inputs.enforcingMac);
  sw("-f", inputs.noTmpfs);
  opt("-g", inputs.agentBranch);
  opt("-i", inputs.baseOs);
  opt("-k", inputs.kernelPackage);
  opt("-l", inputs.logFile);
  sw("-m", inputs.cpuPinning);
  sw("-n", inputs.noSshd);
  opt("-o", stagedOutput);
  sw("-p", inputs.agentFromPackages);
  opt("-r", inputs.rootPassword);
  opt("-s", String(inputs.sizeGb));
  opt("-t", inputs.imageType);
  opt("-w", inputs.workDir);
  sw("-x", inputs.trace);
  sw("-y", inputs.fips);
  const typed = defined({
    OCTAVIA_REPO_PATH: inputs.octaviaRepoPath,
    DIB_REPO_PATH: inputs.dibRepoPath,
    DIB_ELEMENTS: inputs.elements?.join(" "),
    DIB_LOCAL_ELEMENTS: inputs.localElements?.join(" "),
    DIB_LOCAL_ELEMENTS_PATH: inputs.localElementsPath?.join(":"),
    DIB_DISTRIBUTION_MIRROR: inputs.distributionMirror,
    CLOUD_INIT_DATASOURCES: inputs.cloudInitDatasources?.join(","),
    DIB_REPOREF_amphora_agent: inputs.agentRepoRef,
    DIB_REPOLOCATION_upper_constraints: inputs.upperConstraints,
    DIB_OCTAVIA_AMP_USE_NFTABLES: pyBool(inputs.useNftables),
    DIB_OCTAVIA_AMP_USE_SSH: pyBool(inputs.useSsh),
    DIB_LOCAL_IMAGE: inputs.localImage,
    DIB_GRUB_TIMEOUT: inputs.grubTimeout === undefined ? undefined : String(inputs.grubTimeout),
  });
  return {
    builder: path.basename(inputs.script ?? "diskimage-create.sh"),
    command: inputs.script ?? "diskimage-create.sh",
    args,
    env: { ...env, ...typed, ...inputs.env },
    cwd,
    secrets: inputs.rootPassword === undefined ? [] : [inputs.rootPassword],
  };
}

/** diskimage-builder's disk-image-create, run directly. */
export function dibCommand(inputs: AmphoraImageBuildInputs, stagedOutput: string, cwd: string, env = baseEnv()): BuilderCommand {
  const args: string[] = [];
  if (inputs.trace) args.push("-x");
  if (inputs.arch !== undefined) args.push("-a", inputs.arch);
  args.push("-o", stagedOutput, "-t", inputs.imageType);
  if (inputs.imageType !== "tar") args.push("--image-size", String(inputs.sizeGb));
  if (inputs.cacheDir !== undefined) args.push("--image-cache", inputs.cacheDir);
  if (inputs.noTmpfs) args.push("--no-tmpfs");
  if (inputs.logFile !== undefined) args.push(`--logfile=${inputs.logFile}`);
  if (inputs.packages && inputs.packages.length > 0) args.push("-p", inputs.packages.join(","));
  args.push(...(inputs.elements ?? []));
  const typed = defined({
    ELEMENTS_PATH: inputs.elementsPath?.join(":"),
    TMPDIR: inputs.workDir,
    DIB_RELEASE: inputs.release,
    DIB_DISTRIBUTION_MIRROR: inputs.distributionMirror,
    DIB_LOCAL_IMAGE: inputs.localImage,
    DIB_GRUB_TIMEOUT: inputs.grubTimeout === undefined ? undefined : String(inputs.grubTimeout),
  });
  const command = inputs.command ?? "disk-image-create";
  return { builder: path.basename(command), command, args, env: { ...env, ...typed, ...inputs.env }, cwd, secrets: [] };
}

export function builderCommand(inputs: AmphoraImageBuildInputs, stagedOutput: string, cwd: string, env = baseEnv()): BuilderCommand {
  return inputs.frontEnd === "octavia" ? octaviaCommand(inputs, stagedOutput, cwd, env) : dibCommand(inputs, stagedOutput, cwd, env);
}
