/** Section 7 of a BENCHMARKS.md run (fleet-rotation.ts): tables and targets, in report.ts's style. */
import type { FleetResult, PreviewRun, RotationRun } from "./fleet-rotation";
import { fmt, max, median } from "./lib/stats";

export interface Target {
  target: string;
  measured: string;
  reached: boolean | undefined;
  cause: string;
}

const pct = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio >= 0 ? "+" : ""}${fmt(ratio * 100, 1)} %` : "–");
const s = (ms: number, digits = 1): string => fmt(ms / 1000, digits);

/** Octavia requests that name one load balancer (`/loadbalancers/{id}`, `?loadbalancer_id=`). */
const perLoadBalancer = (paths: Record<string, number>): number =>
  Object.entries(paths)
    .filter(([p]) => /\/loadbalancers\/[^/?]+/.test(p))
    .reduce((n, [, c]) => n + c, 0);

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const only = (counts: Record<string, number>, pattern: RegExp): number => sum(Object.fromEntries(Object.entries(counts).filter(([k]) => pattern.test(k))));
const keystone = (r: PreviewRun): number => only(r.others, /:5000\/|\/v3\//);
/** The local cloud's other service here is Glance (the tag's image). */
const glance = (r: PreviewRun): number => sum(r.others) - keystone(r);

const specLabel = (r: RotationRun): string =>
  r.spec.batchSize === 1 && r.spec.concurrency === 1
    ? `serial (canary 1, batches of 1), poll ${r.spec.pollSeconds} s`
    : `canary 1, batches of ${r.spec.batchSize} (${r.spec.concurrency} at once), poll ${r.spec.pollSeconds} s`;

const describePaths = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `\`${k}\` ${n}`)
    .join(", ");

export function renderFleet(f: FleetResult, load: string): string[] {
  const p = f.preview;
  const lines = [`### 7. Fleet rotation${load}`, ""];
  lines.push(
    `**Preview of ${p.loadBalancers.toLocaleString("en")} load balancers** (${p.amphorae.toLocaleString("en")} amphorae, ${p.flavors} flavors): ` +
      `the provider's check and diff with session \`local-admin\`, its \`load-balancer\` endpoint overridden to a local stand-in that pages as Octavia does ` +
      `(\`limit\` at most 1,000, \`marker\`, a \`next\` link while pages are full); Keystone and Glance real. Requests counted by the stand-in per path and, ` +
      `for every other service, through Node's diagnostics channels (no Keystone request: this process already holds the token of these credentials; ` +
      `a fresh provider process adds one \`POST /v3/auth/tokens\`).${p.error ? ` **Failed: ${p.error}**` : ""}`,
    "",
    "| preview | Octavia requests | naming one load balancer | other requests | all | wall ms |",
    "|---|---|---|---|---|---|",
  );
  for (const r of p.runs) {
    lines.push(`| ${r.label} | ${sum(r.octavia)}: ${describePaths(r.octavia)} | ${perLoadBalancer(r.octavia)} | ${describePaths(r.others)} | ${r.total} | ${fmt(r.wallMs, 0)} |`);
  }
  const plan = p.runs.find((r) => r.planHead)?.planHead;
  if (plan) lines.push("", `The plan it printed (first 160 of ${p.runs.find((r) => r.planHead)?.planChars} characters): \`${plan}…\``);
  lines.push("");

  if (f.rotationSkipped !== undefined) {
    lines.push(`**Rotation overhead: not measured**: ${f.rotationSkipped}`, "");
    return lines;
  }
  const rot = f.rotation;
  if (!rot) return lines;
  lines.push(
    `**Rotation of ${rot.loadBalancers} ${rot.topology} load balancers** on the local Octavia (real API and controller-worker flows; compute: the test driver, network and amphora drivers no-op), ` +
      `each rotation onto a newly published image, driven check → diff → update through the provider. ` +
      `Octavia's failover time of a load balancer: from its API's \`Sending failover request for load balancer <id>\` (octavia-wsgi.log, logged once it has set PENDING_UPDATE) ` +
      `to its worker's \`Mark ACTIVE in DB for load balancer id: <id>\` (octavia-worker.log, the failover flow's last task), both millisecond timestamps of this machine's clock. ` +
      `Σ: the sum over load balancers; critical path: the sum over steps (each canary, each batch) of the slowest failover in the step, the least the batch structure allows. ` +
      `Rotation: the update call (fleet read, preflight, failovers, gates, fleet read again).${rot.error ? ` **Failed: ${rot.error}**` : ""}`,
    "",
    "| rotation | steps | rotated | rotation s | diff s | Octavia Σ s | Octavia critical path s | over Σ | over critical path | up (diff + rotation) over critical path |",
    "|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of rot.runs) {
    const o = r.overhead;
    const upOver = o ? (r.diffMs + r.updateMs) / o.octaviaCriticalMs - 1 : NaN;
    lines.push(
      `| ${specLabel(r)}${r.error ? ` ⚠ ${r.error}` : ""} | ${r.steps.length} | ${r.rotated}${r.onNewImage ? "" : " ⚠ not all on the new image"} | ${s(r.updateMs, 2)} | ${s(r.diffMs, 2)} | ` +
        `${o ? s(o.octaviaSumMs, 2) : "–"} | ${o ? s(o.octaviaCriticalMs, 2) : "–"} | ${o ? pct(o.overSum) : "–"} | ${o ? pct(o.overCritical) : "–"} | ${pct(upOver)} |`,
    );
  }
  lines.push(
    "",
    "Where rotation − critical path goes (s): before the first failover (fleet read + preflight), the steps' excess over their slowest failover, between steps, after the last gate (fleet read for the outputs); " +
      "and per load balancer (median / max, ms): Octavia's failover, request sent → Octavia's API logs it (submit), Octavia's ACTIVE → the poll that saw it (detect), seen → gate's amphora list answered (gate).",
    "",
    "| rotation | rotation − critical path | before | steps' excess | between | after | Octavia failover | submit | detect | gate |",
    "|---|---|---|---|---|---|---|---|---|---|",
  );
  const mm = (v: number[]): string => `${fmt(median(v), 0)} / ${fmt(max(v), 0)}`;
  for (const r of rot.runs) {
    const o = r.overhead;
    if (!o) continue;
    lines.push(
      `| ${specLabel(r)} | ${s(o.wallMs - o.octaviaCriticalMs, 2)} | ${s(o.parts.beforeMs, 2)} | ${s(o.parts.stepsExcessMs, 2)} | ${s(o.parts.betweenMs, 2)} | ${s(o.parts.afterMs, 2)} | ` +
        `${mm(o.perTurn.octaviaMs)} | ${mm(o.perTurn.submitMs)} | ${mm(o.perTurn.detectMs)} | ${mm(o.perTurn.gateMs)} |`,
    );
  }
  const answers = rot.runs.filter((r) => r.answerMs).map((r) => `${specLabel(r)}: ${fmt(r.answerMs?.poll ?? NaN, 0)} / ${fmt(r.answerMs?.list ?? NaN, 0)} ms`);
  if (answers.length) lines.push("", `Octavia's answer (median) to a poll (\`GET …/loadbalancers/{id}\`) / to one load balancer's amphora list: ${answers.join("; ")}.`);
  const first = rot.runs[0];
  if (first) lines.push("", `Requests of the first rotation's update: ${describePaths(first.requests)}.`);
  lines.push("");
  return lines;
}

export function fleetTargets(f: FleetResult | undefined): Target[] {
  if (!f) return [];
  const out: Target[] = [];
  // The default page size; the run at 100 shows the cost grows by pages, not by load balancers.
  for (const r of f.preview.runs.filter((x) => x.pageSize === 1000)) {
    const octavia = sum(r.octavia);
    const each = perLoadBalancer(r.octavia);
    const reached = each === 0 && octavia <= 10;
    out.push({
      target: `preview of ${f.preview.loadBalancers.toLocaleString("en")} load balancers: a handful of paged list calls (${r.label})`,
      measured: `${octavia} Octavia requests (${each} naming a load balancer), ${glance(r)} Glance, ${keystone(r)} Keystone; ${fmt(r.wallMs, 0)} ms`,
      reached,
      cause: reached ? "" : `Octavia requests: ${describePaths(r.octavia)}`,
    });
  }
  if (f.preview.error) out.push({ target: "preview of a large fleet", measured: f.preview.error, reached: false, cause: "the section failed" });
  if (f.rotationSkipped !== undefined) {
    out.push({ target: "fleet rotation: overhead ≤ 5 % over Octavia's failover times", measured: "not measured", reached: undefined, cause: f.rotationSkipped });
    return out;
  }
  for (const r of f.rotation?.runs ?? []) {
    const o = r.overhead;
    if (!o) {
      out.push({ target: `fleet rotation ≤ 5 % over Octavia (${specLabel(r)})`, measured: "–", reached: false, cause: r.error ?? "no overhead computed" });
      continue;
    }
    const serial = r.steps.every((step) => step.length === 1);
    const reached = o.overCritical <= 0.05 && r.rotated === r.steps.flat().length && r.onNewImage;
    const steps = r.steps.length;
    const perStep = (o.wallMs - o.octaviaCriticalMs) / steps;
    out.push({
      target: `fleet rotation ≤ 5 % over Octavia's failover times, ${f.rotation?.loadBalancers} load balancers, ${specLabel(r)}`,
      measured:
        (serial
          ? `${pct(o.overSum)} over Σ of failovers (${s(o.wallMs)} s vs ${s(o.octaviaSumMs)} s)`
          : `${pct(o.overCritical)} over the batches' critical path (${s(o.wallMs)} s vs ${s(o.octaviaCriticalMs)} s); ${pct(o.overSum)} vs Σ of failovers (${s(o.octaviaSumMs)} s)`) +
        `; with the up's diff ${pct((r.diffMs + r.updateMs) / o.octaviaCriticalMs - 1)}`,
      reached,
      cause: reached
        ? ""
        : `${s(perStep, 2)} s per step (${steps} steps) on failovers of ${s(median(o.perTurn.octaviaMs), 2)} s (median; the test compute driver boots nothing): ` +
          `detecting Octavia's ACTIVE ${fmt(median(o.perTurn.detectMs), 0)} ms (median; timeouts.pollSeconds ${r.spec.pollSeconds}, down to 0.05 s near the expected end), submitting the failover ${fmt(median(o.perTurn.submitMs), 0)} ms (Octavia's API until it logs the request), ` +
          `the gate's amphora list ${fmt(median(o.perTurn.gateMs), 0)} ms; fleet reads before and after ${s(o.parts.beforeMs, 2)} + ${s(o.parts.afterMs, 2)} s` +
          (serial
            ? ""
            : `; in a batch the step waits for its slowest turn (steps' excess ${s(o.parts.stepsExcessMs, 2)} s), and Octavia's failovers run ` +
              `${fmt(median(o.perTurn.octaviaMs.slice(1)) / median(o.perTurn.octaviaMs.slice(0, 1)), 1)}× as long as the canary's alone (concurrent flows of one worker on this machine's cores)`),
    });
  }
  return out;
}
