/** Facts about the machine and the cloud a run measured, for BENCHMARKS.md. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface MachineFacts {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  os: string;
  node: string;
  packages: Record<string, string>;
  /** glance-api.conf `workers` of the cloud measured. */
  glanceWorkers: string;
  /** The cloud's work directory and the filesystem its stores live on. */
  cloudDir: string;
  storeFs: string;
  /** True when the only network interface is a loopback: an isolated cloud in its own network namespace. */
  isolatedNetwork: boolean;
  loadAverage: number[];
}

const PACKAGES = ["glance-api", "python3-glance", "python3-glance-store", "keystone", "python3-keystone", "python3-octavia", "python3-openstackclient", "curl", "time"];

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pkg of PACKAGES) out[pkg] = run("dpkg-query", ["-W", "-f", "${Version}", pkg]) || "not installed";
  return out;
}

function osName(): string {
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

export function machineFacts(cloudDir: string): MachineFacts {
  const conf = path.join(cloudDir, "etc", "glance-api.conf");
  const workers = existsSync(conf) ? (/^workers\s*=\s*(\S+)/m.exec(readFileSync(conf, "utf8"))?.[1] ?? "default") : "unknown";
  // `unshare -n` leaves a namespace with nothing but its own loopback.
  const isolated = Object.keys(os.networkInterfaces()).every((name) => name === "lo");
  const dfLine = run("df", ["-T", path.join(cloudDir, "data")]).split("\n")[1] ?? "";
  return {
    date: new Date().toISOString(),
    nproc: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: os.release(),
    os: osName(),
    node: process.version,
    packages: packageVersions(),
    glanceWorkers: workers,
    cloudDir,
    storeFs: dfLine.split(/\s+/)[1] ?? "unknown",
    isolatedNetwork: isolated,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
