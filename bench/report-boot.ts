/** Section 8 of a BENCHMARKS.md run (boot-gate.ts): the boot gate's time to the agent's answer, and its targets. */
import type { BootGateResult, BootRound } from "./boot-gate";
import { fmt, max, median, MiB, min } from "./lib/stats";
import type { Target } from "./report-fleet";

const TCG_GOAL = 90;
const KVM_GOAL = 20;

const tcgRounds = (b: BootGateResult): BootRound[] => b.rounds.filter((r) => r.requested === "tcg");
const autoRounds = (b: BootGateResult): BootRound[] => b.rounds.filter((r) => r.requested === "auto");

/** The gate's share of a whole build: one boot against the create without it plus that boot. */
const share = (b: BootGateResult, boot: number): number => boot / (b.createSeconds + boot);

export function renderBoot(b: BootGateResult, load: string): string[] {
  const lines = [`### 8. Boot gate${load}`, ""];
  if (b.skipped !== undefined) return [...lines, `Not measured: ${b.skipped}.`, ""];
  lines.push(
    `The real-boot test's amphora (diskimage-builder, Debian's octavia-agent, haproxy ${b.agent.haproxy_version ?? "?"}; ` +
      `${fmt(b.imageBytes / MiB, 0)} MiB qcow2), built through AmphoraImageBuild with the boot check off in ${fmt(b.createSeconds, 0)} s ` +
      `(builder ${fmt(b.builderSeconds, 0)} s), then booted by the gate's own code one boot at a time (1 vCPU, 1024 MiB, Octavia-shaped config drive) ` +
      `until the agent answered \`GET /1.0/info\` over mutual TLS. QEMU's CPU time is sampled from /proc. The gate's KVM probe: ${b.kvm.reason}.`,
    "",
    "| asked | answered under | QEMU start → agent's answer, s | the whole gate, s | QEMU CPU, s | load average |",
    "|---|---|---|---|---|---|",
  );
  for (const r of b.rounds) {
    lines.push(
      `| ${r.requested} | ${r.accelerator} | ${fmt(r.seconds, 1)} | ${fmt(r.gateSeconds, 1)} | ${fmt(r.qemuCpuSeconds, 1)} | ${fmt(r.load.start, 2)} → ${fmt(r.load.end, 2)} |`,
    );
  }
  lines.push("");
  return lines;
}

function kvmTarget(b: BootGateResult): Target {
  const auto = autoRounds(b);
  const kvm = auto.filter((r) => r.accelerator === "kvm");
  const target = `boot gate under KVM: QEMU start → agent's answer ≤ ${KVM_GOAL} s (median)`;
  if (kvm.length) {
    const m = median(kvm.map((r) => r.seconds));
    return { target, measured: `${fmt(m, 1)} s (${kvm.length} boots)`, reached: m <= KVM_GOAL, cause: m <= KVM_GOAL ? "" : "KVM boots slower than the goal on this host" };
  }
  const fellBack = auto[0];
  const cause = fellBack
    ? `the gate's probe passed, but under KVM the kernel printed nothing and the default \`auto\` booted again under TCG: ` +
      `the agent answered ${fmt(fellBack.seconds, 1)} s after that boot's start, ${fmt(fellBack.gateSeconds, 1)} s after the gate's`
    : `the gate's probe on this machine: ${b.kvm.reason}`;
  return { target, measured: "not measured", reached: undefined, cause };
}

export function bootTargets(b: BootGateResult | undefined): Target[] {
  if (!b) return [];
  if (b.skipped !== undefined) {
    return [{ target: `boot gate under TCG ≤ ${TCG_GOAL} s (median)`, measured: "not measured", reached: undefined, cause: b.skipped }];
  }
  const rounds = tcgRounds(b);
  const s = rounds.map((r) => r.seconds);
  const m = median(s);
  const cpu = median(rounds.map((r) => r.qemuCpuSeconds));
  const tcg: Target = {
    target: `boot gate under TCG: QEMU start → agent's answer ≤ ${TCG_GOAL} s (median of ${rounds.length})`,
    measured:
      `${fmt(m, 1)} s (${fmt(min(s), 1)}–${fmt(max(s), 1)}), QEMU CPU ${fmt(cpu, 1)} s; ` +
      `the gate is ${fmt(share(b, m) * 100, 0)} % of build + gate (create without it ${fmt(b.createSeconds, 0)} s)`,
    reached: rounds.length ? m <= TCG_GOAL : undefined,
    cause:
      m <= TCG_GOAL
        ? ""
        : `the guest is CPU-bound on one emulated vCPU (QEMU's CPU time is ${fmt((cpu / m) * 100, 0)} % of the wall time); ` +
          `with less than a core free (load ${fmt(rounds[0]?.load.start ?? NaN, 1)}–${fmt(rounds[rounds.length - 1]?.load.end ?? NaN, 1)}) it grows with the load`,
  };
  return [tcg, kvmTarget(b)];
}
