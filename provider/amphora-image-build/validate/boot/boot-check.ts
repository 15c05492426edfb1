import { randomBytes, randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { toolEnv } from "../../../builder/capture";
import { sleep } from "../../../common/sleep";
import { runProcess, type RunResult } from "../../../builder/run-process";
import { askAgent, type AgentAnswer } from "./agent-client";
import { makeBootCertificates } from "./certificates";
import { makeConfigDrive } from "./config-drive";
import { AGENT_CONF, AGENT_PORT, AGENT_SERVER_CA, AGENT_SERVER_CERT, agentConfig, RSYSLOG_CONF, userData } from "./octavia-files";
import { type Accelerator, chooseAccelerator, emulatorInstalled, hostArch, noTargetFor, type QemuTarget, qemuTarget, sameArch } from "./qemu";
import { type BootStage, consoleProblems, consoleStage, deadEnd, plainConsole, stageReached } from "./stages";

/**
 * The boot gate: boots the artifact as Nova would boot an amphora (read-only, with a config drive carrying what
 * Octavia's controller writes) and waits for the amphora agent to answer Octavia's first question over mutual TLS.
 */

export interface BootSettings {
  timeoutSeconds: number;
  memoryMb: number;
  cpus: number;
  accelerator: "auto" | Accelerator;
}

export interface BootFacts {
  /** Seconds from QEMU's start to the agent's answer (0 when it did not answer). */
  seconds: number;
  accelerator: string;
  /** The last stage reached (`agent` when it answered). */
  stage: BootStage | "";
  /** What the agent's `GET /<api_version>/info` reported (api_version, haproxy_version, hostname, ...). */
  agent: Record<string, string>;
}

export type BootOutcome =
  | { status: "passed"; detail: string; facts: BootFacts }
  | { status: "skipped"; detail: string }
  | { status: "failed"; detail: string; facts: BootFacts; consoleTail: string[]; console: string };

export interface BootRun {
  artifact: string;
  /** qemu's format name (qcow2, raw, vpc). */
  format: string;
  /** The image's architecture (the build's `arch`, else the host's). */
  arch: string;
  settings: BootSettings;
  print: (line: string) => void;
  signal?: AbortSignal;
  /** How often the agent is asked (Octavia's driver retries every 5 s). */
  pollMs?: number;
  progressMs?: number;
}

export const CONSOLE_TAIL_LINES = 50;
/** Under KVM a kernel prints within seconds; where nested KVM hangs after the firmware, it never does. */
const KVM_KERNEL_GRACE_MS = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A MAC in the range Neutron gives ports (fa:16:3e). */
function neutronMac(): string {
  return ["fa", "16", "3e", ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

function cdromArgs(target: QemuTarget, iso: string): string[] {
  if (target.binary.includes("x86") || target.binary.endsWith("i386")) return ["-drive", `file=${iso},format=raw,if=ide,media=cdrom,readonly=on`];
  return ["-device", "virtio-scsi-pci,id=scsi0", "-drive", `file=${iso},format=raw,if=none,id=cd0,media=cdrom,readonly=on`, "-device", "scsi-cd,drive=cd0"];
}

export function qemuArgs(opts: {
  target: QemuTarget;
  accelerator: Accelerator;
  settings: BootSettings;
  artifact: string;
  format: string;
  iso: string;
  consoleFile: string;
  mac: string;
  hostPort: number;
}): string[] {
  return [
    ...opts.target.machineArgs,
    "-accel", opts.accelerator,
    "-m", String(opts.settings.memoryMb),
    "-smp", String(opts.settings.cpus),
    "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-monitor", "none",
    // -snapshot: the guest's writes go to a temporary overlay; the artifact is never modified.
    "-snapshot",
    "-drive", `file=${opts.artifact},format=${opts.format},if=virtio`,
    ...cdromArgs(opts.target, opts.iso),
    // restrict=on: the guest reaches nothing outside; the agent's port is forwarded to the host's loopback only.
    "-nic", `user,model=virtio-net-pci,mac=${opts.mac},restrict=on,hostfwd=tcp:127.0.0.1:${opts.hostPort}-:${AGENT_PORT}`,
    "-chardev", `file,id=serial0,path=${opts.consoleFile}`, "-serial", "chardev:serial0",
  ];
}

export async function bootCheck(run: BootRun): Promise<BootOutcome> {
  const target = qemuTarget(run.arch);
  if (!target) return { status: "skipped", detail: noTargetFor(run.arch) };
  if (!(await emulatorInstalled(target))) {
    const why = `${target.binary} not found on PATH (Debian package ${target.debianPackage})`;
    if (!sameArch(run.arch)) return { status: "skipped", detail: `${why}: cannot boot ${run.arch} images on this ${hostArch()} host` };
    return { status: "failed", detail: why, facts: { seconds: 0, accelerator: "", stage: "", agent: {} }, consoleTail: [], console: "" };
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "amphora-boot-"));
  await fs.chmod(dir, 0o700);
  try {
    const amphoraId = randomUUID();
    const mac = neutronMac();
    const certs = await makeBootCertificates(dir, amphoraId);
    const iso = await makeConfigDrive(dir, {
      instanceUuid: randomUUID(),
      hostname: `amphora-${amphoraId}`,
      mac,
      userData: userData(),
      files: {
        [AGENT_CONF]: agentConfig(amphoraId, randomBytes(16).toString("hex")),
        "/etc/rsyslog.d/10-rsyslog.conf": RSYSLOG_CONF,
        [AGENT_SERVER_CERT]: certs.serverPem,
        [AGENT_SERVER_CA]: certs.clientCa,
      },
    });
    const choice = await chooseAccelerator(run.settings.accelerator, run.arch, target, dir);
    const tls = { serverCa: certs.serverCa, clientCert: certs.clientCert, clientKey: certs.clientKey, amphoraId };
    const fallback = run.settings.accelerator === "auto" && choice.accelerator === "kvm";
    const started = Date.now();
    const first = await bootWith(run, target, dir, iso, choice.accelerator, choice.reason, mac, tls, fallback ? KVM_KERNEL_GRACE_MS : undefined);
    if (first !== "kvm-stalled") return first;
    const left = run.settings.timeoutSeconds - Math.round((Date.now() - started) / 1000);
    const reason = `TCG: under KVM the kernel printed nothing within ${KVM_KERNEL_GRACE_MS / 1000} s`;
    const second = await bootWith(run, target, dir, iso, "tcg", reason, mac, tls, undefined, Math.max(left, 10));
    if (second === "kvm-stalled") throw new Error("a TCG boot has no KVM grace period");
    return second;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function bootWith(
  run: BootRun,
  target: QemuTarget,
  dir: string,
  iso: string,
  accelerator: Accelerator,
  reason: string,
  mac: string,
  tls: Parameters<typeof askAgent>[2],
  kvmGraceMs?: number,
  timeoutSeconds = run.settings.timeoutSeconds,
): Promise<BootOutcome | "kvm-stalled"> {
  const consoleFile = path.join(dir, `console-${accelerator}.log`);
  const hostPort = await freePort();
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  run.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const timeoutMs = timeoutSeconds * 1000;
  const started = Date.now();
  const stderr: string[] = [];
  let exited: RunResult | Error | undefined;
  const qemu = runProcess({
    command: target.binary,
    args: qemuArgs({ target, accelerator, settings: run.settings, artifact: run.artifact, format: run.format, iso, consoleFile, mac, hostPort }),
    env: toolEnv({ TMPDIR: dir }),
    timeoutMs: timeoutMs + 30_000,
    signal: stop.signal,
    killGraceMs: 2000,
    onStderr: (c) => stderr.push(c.toString("utf8")),
  }).then(
    (r) => (exited = r),
    (e: Error) => (exited = e),
  );
  run.print(`boot check: ${target.binary}, ${accelerator} (${reason}), ${run.settings.memoryMb} MiB, ${run.settings.cpus} CPU(s), agent on 127.0.0.1:${hostPort}`);
  const readConsole = (): Promise<string> => fs.readFile(consoleFile, "utf8").catch(() => "");
  let handshake = false;
  let last: AgentAnswer | undefined;
  let lastProgress = started;
  let hopeless: string | undefined;
  try {
    while (Date.now() - started < timeoutMs && !exited && !run.signal?.aborted) {
      // Bounded by what is left: until the guest's network is up, slirp accepts the connection and waits.
      last = await askAgent("127.0.0.1", hostPort, tls, Math.max(1000, Math.min(10_000, timeoutMs - (Date.now() - started))));
      if (last.ok) {
        const seconds = Math.round((Date.now() - started) / 100) / 10;
        const facts: BootFacts = { seconds, accelerator, stage: "agent", agent: last.info };
        const versions = Object.entries(last.info).filter(([k]) => k !== "hostname").map(([k, v]) => `${k} ${v}`).join(", ");
        return { status: "passed", detail: `amphora agent answered after ${seconds} s (${accelerator}): ${versions}`, facts };
      }
      if (last.reached !== "nothing") handshake = true;
      // Read once per poll: the dead-end test, the KVM grace and the progress line look at the same console.
      const seen = await readConsole();
      hopeless = deadEnd(plainConsole(seen));
      if (hopeless) break;
      if (kvmGraceMs !== undefined && Date.now() - started > kvmGraceMs && consoleStage(seen) === "firmware") {
        run.print(`boot check: no kernel output under KVM after ${kvmGraceMs / 1000} s; booting again under TCG`);
        return "kvm-stalled";
      }
      if (Date.now() - lastProgress >= (run.progressMs ?? 15_000)) {
        lastProgress = Date.now();
        run.print(`boot check: ${Math.round((Date.now() - started) / 1000)} s, stage ${stageReached(seen, handshake)}`);
      }
      // Ends early (rejects) when the boot is stopped; the loop condition then ends the wait.
      await sleep(run.pollMs ?? 2000, stop.signal).catch(() => undefined);
    }
  } finally {
    stop.abort();
    await qemu;
    run.signal?.removeEventListener("abort", onOuterAbort);
  }
  const console = plainConsole(await readConsole());
  const stage = stageReached(console, handshake);
  const elapsed = Math.round((Date.now() - started) / 1000);
  const ended = exited as RunResult | Error | undefined;
  const how = run.signal?.aborted
    ? "cancelled"
    : hopeless
      ? `${hopeless} (after ${elapsed} s)`
      : ended instanceof Error
      ? `${target.binary} could not start: ${ended.message}`
      : ended && !ended.cancelled && !ended.timedOut && Date.now() - started < timeoutMs
        ? `${target.binary} exited (${ended.exitCode ?? ended.signal}) after ${elapsed} s${stderr.length ? `: ${stderr.join("").trim().slice(0, 300)}` : ""}`
        : `the amphora agent did not answer within ${timeoutSeconds} s`;
  const problems = consoleProblems(console);
  const agentSaid = last && !last.ok && last.reached !== "nothing" ? `; the agent's port: ${last.detail}` : "";
  const detail = `${how}; boot stopped at stage ${stage} (${accelerator})${agentSaid}${problems.length ? `; console: ${problems.join(" | ")}` : ""}`;
  const lines = console.split("\n").filter((l) => l.trim() !== "");
  return {
    status: "failed",
    detail,
    facts: { seconds: 0, accelerator, stage, agent: {} },
    consoleTail: lines.slice(-CONSOLE_TAIL_LINES),
    console,
  };
}
