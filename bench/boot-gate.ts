/**
 * Section 8: the boot gate (issue 14) on a real amphora. The fixture amphora of the real-boot test
 * (test/amphora-image-build/real-amphora.ts: diskimage-builder, Debian's octavia-agent) is built once through
 * AmphoraImageBuild with the gate off, which is the baseline: the whole create without the boot. The artifact is
 * then booted `rounds` times, one at a time, by the gate's own code (bootCheck, TCG), each until the agent answers
 * Octavia's /info over mutual TLS, with QEMU's CPU time sampled from /proc. When the gate's KVM probe passes, the
 * artifact is booted as the default `accelerator: auto` boots it: under KVM, falling back to TCG when the kernel
 * prints nothing under KVM within the gate's grace period; the accelerator that answered is recorded.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { provider } from "../provider/amphora-image-build/provider";
import { bootCheck } from "../provider/amphora-image-build/validate/boot/boot-check";
import { chooseAccelerator, qemuTarget, type Accelerator } from "../provider/amphora-image-build/validate/boot/qemu";
import { DIB_CACHE, NEEDS_STAND_INS, realAmphoraInputs, realAmphoraMissing, standIns } from "../test/amphora-image-build/real-amphora";
import { repoRoot } from "./lib/paths";
import { sampleCpu } from "./lib/proc-cpu";
import { quietly } from "./lib/quiet";

export interface BootRound {
  /** What the gate was asked for. */
  requested: "tcg" | "auto";
  /** What the agent answered under (auto: kvm, or tcg after the fallback). */
  accelerator: Accelerator;
  /** QEMU's start to the agent's answer, as the gate reports it (after a fallback: the TCG boot's QEMU). */
  seconds: number;
  /** The whole gate: certificates, config drive, KVM probe and a KVM attempt (auto), the boot that answered. */
  gateSeconds: number;
  qemuCpuSeconds: number;
  load: { start: number; end: number };
}

export interface BootGateResult {
  /** Why nothing was measured (a prerequisite missing). */
  skipped?: string;
  /** AmphoraImageBuild's create with the boot check off: build, the other checks, the artifact moved into place. */
  createSeconds: number;
  builderSeconds: number;
  imageBytes: number;
  rounds: BootRound[];
  /** The gate's probe: `kvm` only when a KVM guest boots here. */
  kvm: { usable: boolean; reason: string };
  agent: Record<string, string>;
}

const BOOT_TIMEOUT_SECONDS = 600;

async function bootOnce(artifact: string, requested: "tcg" | "auto", agent: Record<string, string>): Promise<BootRound> {
  const start = os.loadavg()[0] ?? NaN;
  const cpu = sampleCpu(artifact);
  const started = Date.now();
  const outcome = await bootCheck({
    artifact,
    format: "qcow2",
    arch: "amd64",
    settings: { timeoutSeconds: BOOT_TIMEOUT_SECONDS, memoryMb: 1024, cpus: 1, accelerator: requested },
    print: () => undefined,
  });
  const gateSeconds = (Date.now() - started) / 1000;
  const qemuCpuSeconds = await cpu.stop();
  if (outcome.status !== "passed") throw new Error(`boot (${requested}): ${outcome.status}: ${outcome.detail}`);
  Object.assign(agent, outcome.facts.agent);
  const accelerator = outcome.facts.accelerator === "kvm" ? "kvm" : "tcg";
  return { requested, accelerator, seconds: outcome.facts.seconds, gateSeconds, qemuCpuSeconds, load: { start, end: os.loadavg()[0] ?? NaN } };
}

export async function bootGateCost(opts: { rounds: number; log: (line: string) => void }): Promise<BootGateResult> {
  const empty = { createSeconds: NaN, builderSeconds: NaN, imageBytes: NaN, rounds: [], kvm: { usable: false, reason: "" }, agent: {} };
  const missing = await realAmphoraMissing();
  if (missing.length) return { ...empty, skipped: `this machine lacks ${missing.join(", ")}` };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pulumi-amphora-bench-boot-"));
  const savedPath = process.env.PATH;
  try {
    await fs.mkdir(DIB_CACHE, { recursive: true });
    if (NEEDS_STAND_INS) process.env.PATH = `${standIns(repoRoot())}:${savedPath ?? ""}`;
    const checked = await provider.check!({}, realAmphoraInputs(dir, { enabled: false }, repoRoot()));
    if (checked.failures?.length) throw new Error(`AmphoraImageBuild check: ${JSON.stringify(checked.failures)}`);
    opts.log("   building the fixture amphora (diskimage-builder, boot check off)");
    const started = Date.now();
    const created = await quietly(() => provider.create!(checked.inputs));
    const createSeconds = (Date.now() - started) / 1000;
    process.env.PATH = savedPath;
    const artifact = String(created.outs.path);
    const probe = await chooseAccelerator("auto", "amd64", qemuTarget("amd64")!, dir);
    const kvm = { usable: probe.accelerator === "kvm", reason: probe.reason };
    const agent: Record<string, string> = {};
    const rounds: BootRound[] = [];
    const boot = async (requested: "tcg" | "auto", i: number): Promise<BootRound> => {
      const r = await bootOnce(artifact, requested, agent);
      rounds.push(r);
      opts.log(`   ${requested} boot ${i + 1}: agent answered after ${r.seconds} s under ${r.accelerator}`);
      return r;
    };
    for (let i = 0; i < opts.rounds; i++) await boot("tcg", i);
    // One boot shows whether KVM works past the probe; more only when it does.
    if (kvm.usable && (await boot("auto", 0)).accelerator === "kvm") for (let i = 1; i < opts.rounds; i++) await boot("auto", i);
    await provider.delete!(String(created.id), created.outs);
    return { createSeconds, builderSeconds: Number(created.outs.buildSeconds), imageBytes: Number(created.outs.fileSize), rounds, kvm, agent };
  } finally {
    process.env.PATH = savedPath;
    await fs.rm(dir, { recursive: true, force: true });
  }
}
