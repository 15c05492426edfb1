/**
 * BENCHMARKS.md's boot gate targets (bench section 8): the TCG goal is judged on the median of the TCG boots, the
 * gate's share of a whole build is one boot over the create without it plus that boot, and KVM counts only for boots
 * that answered under KVM: a probe that passed while the kernel then printed nothing under KVM (the default `auto`
 * fell back to TCG) is "not measured", with the fallback's times, never reached.
 */
import * as assert from "node:assert";
import type { BootGateResult, BootRound } from "../../bench/boot-gate";
import { bootTargets, renderBoot } from "../../bench/report-boot";

const round = (seconds: number, requested: "tcg" | "auto" = "tcg", accelerator: "tcg" | "kvm" = "tcg", gateSeconds = seconds + 1): BootRound => ({
  requested,
  accelerator,
  seconds,
  gateSeconds,
  qemuCpuSeconds: seconds - 1,
  load: { start: 1, end: 1.2 },
});

const PROBE_REFUSED = { usable: false, reason: "TCG: a KVM guest printed nothing within 15 s" };

function result(rounds: BootRound[], kvm = PROBE_REFUSED): BootGateResult {
  return { createSeconds: 150, builderSeconds: 140, imageBytes: 370 * 1024 * 1024, rounds, kvm, agent: { haproxy_version: "2.6.12", api_version: "1.0" } };
}

describe("bench: boot gate report", () => {
  it("judges the TCG goal on the median of the TCG boots and gives the gate's share of build + gate", () => {
    const [tcg, kvm] = bootTargets(result([round(50), round(200), round(51)]));
    assert.strictEqual(tcg?.reached, true);
    assert.match(tcg.measured, /^51\.0 s \(50\.0–200\.0\), QEMU CPU 50\.0 s; the gate is 25 % of build \+ gate \(create without it 150 s\)$/);
    assert.deepStrictEqual([kvm?.reached, kvm?.measured], [undefined, "not measured"]);
    assert.match(kvm!.cause, /the gate's probe on this machine: TCG: a KVM guest printed nothing within 15 s/);
  });

  it("a median over the goal is missed, with the CPU share and the load", () => {
    const [tcg] = bootTargets(result([round(95), round(107), round(120)]));
    assert.strictEqual(tcg?.reached, false);
    assert.match(tcg.cause, /CPU-bound .* 99 % of the wall time/);
  });

  it("a probe that passed and a boot that fell back to TCG: KVM not measured, with the fallback's times", () => {
    const probed = { usable: true, reason: "KVM probe passed" };
    const targets = bootTargets(result([round(50), round(52), round(51), round(49, "auto", "tcg", 112)], probed));
    assert.strictEqual(targets[0]?.measured.startsWith("51.0 s (50.0–52.0)"), true, "the auto boot is not a TCG round");
    assert.deepStrictEqual([targets[1]?.reached, targets[1]?.measured], [undefined, "not measured"]);
    assert.match(targets[1]!.cause, /kernel printed nothing .* 49\.0 s after that boot's start, 112\.0 s after the gate's/);
  });

  it("boots that answered under KVM are judged against 20 s; a skipped section measures nothing", () => {
    const probed = { usable: true, reason: "KVM probe passed" };
    const targets = bootTargets(result([round(50), round(18, "auto", "kvm"), round(25, "auto", "kvm"), round(19, "auto", "kvm")], probed));
    assert.deepStrictEqual(targets.map((t) => t.reached), [true, true]);
    assert.strictEqual(targets[1]?.measured, "19.0 s (3 boots)");
    const skipped = { ...result([]), skipped: "this machine lacks root" };
    assert.deepStrictEqual(bootTargets(skipped).map((t) => [t.reached, t.cause]), [[undefined, "this machine lacks root"]]);
    assert.match(renderBoot(skipped, "").join("\n"), /Not measured: this machine lacks root\./);
  });

  it("the table shows what was asked and what answered", () => {
    const table = renderBoot(result([round(50), round(49, "auto", "tcg", 112)], { usable: true, reason: "KVM probe passed" }), " (load 1 → 1)").join("\n");
    assert.match(table, /\| tcg \| tcg \| 50\.0 \| 51\.0 \| 49\.0 \| 1\.00 → 1\.20 \|/);
    assert.match(table, /\| auto \| tcg \| 49\.0 \| 112\.0 \|/);
  });
});
