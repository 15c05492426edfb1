/**
 * Fresh-process half of section 4 (see noop-diff.ts): `node noop-diff-child.js diff INPUT.json OUTPUT.json`.
 * Loads the two providers, then, with every HTTP request and TCP connect counted:
 *   pass 1 ("fresh"): each resource's diff once, one after the other, as the first thing this process does
 *                     (mode `diff-engine-order`: each Diff after that resource's Check, as a preview runs them;
 *                     only the Diff is in the pass's times, the Check is reported apart);
 *   pass 2 ("warm"):  the same again (what the provider caches within one run now helps);
 *   pass 3 ("concurrent"): all diffs of a type at once;
 * `node noop-diff-child.js build-key INPUT.json OUTPUT.json`: the build key of one AmphoraImageBuild as its diff
 * computes it (inputs and the state's parts) in a fresh process (first call), then again; `tree`: the element
 * trees alone.
 */
import { promises as fs } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import type { BuildKeyRun, BuildKeySubject, ChildMode, DiffRun, DiffSubject, DiffSubjects, DiffTimes, ParseCosts, TreeRun } from "./noop-diff";
import { countRequests } from "./lib/requests";
import { median, msSince } from "./lib/stats";

type Props = Record<string, unknown>;

/** CPU time (user + system) of this process since `start`, ms. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function sequential(p: pulumi.dynamic.ResourceProvider, subjects: DiffSubject[], engineOrder = false): Promise<DiffTimes> {
  const perResourceMs: number[] = [];
  const checkMs: number[] = [];
  const changed: string[] = [];
  let wallMs = 0;
  let cpuMs = 0;
  for (const s of subjects) {
    if (engineOrder) {
      const t = process.hrtime.bigint();
      await p.check!(s.inputs, s.inputs);
      checkMs.push(msSince(t));
    }
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    const r = await p.diff!(s.id, s.state, s.inputs);
    const ms = msSince(t);
    perResourceMs.push(ms);
    wallMs += ms;
    cpuMs += cpuMsSince(cpu);
    if (r.changes !== false) changed.push(s.id);
  }
  return { resources: subjects.length, perResourceMs, wallMs, cpuMs, changed, ...(engineOrder ? { checkMs } : {}) };
}

async function concurrent(p: pulumi.dynamic.ResourceProvider, subjects: DiffSubject[]): Promise<DiffTimes> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const results = await Promise.all(
    subjects.map(async (s) => {
      const t = process.hrtime.bigint();
      const r = await p.diff!(s.id, s.state, s.inputs);
      return { ms: msSince(t), changed: r.changes !== false ? s.id : undefined };
    }),
  );
  return {
    resources: subjects.length,
    perResourceMs: results.map((r) => r.ms),
    wallMs: msSince(start),
    cpuMs: cpuMsSince(cpu),
    changed: results.flatMap((r) => (r.changed ? [r.changed] : [])),
  };
}

/**
 * The build key of one AmphoraImageBuild's inputs: the first call in this process, then five more; then the
 * `disk-image-create --version` probe alone (the fresh call included one), and the element trees alone.
 */
async function buildKey({ inputs, state }: BuildKeySubject): Promise<BuildKeyRun> {
  const counter = countRequests();
  const bk = require("../provider/amphora-image-build/build-key") as typeof import("../provider/amphora-image-build/build-key");
  const { amphoraImageBuildInputsSchema } = require("../provider/amphora-image-build/inputs") as typeof import("../provider/amphora-image-build/inputs");
  const { capture, toolEnv } = require("../provider/builder/capture") as typeof import("../provider/builder/capture");
  const { digestElementRoots } = require("../provider/amphora-image-build/element-tree") as typeof import("../provider/amphora-image-build/element-tree");
  const { amphoraImageBuildOutputsSchema } = require("../provider/amphora-image-build/outputs") as typeof import("../provider/amphora-image-build/outputs");
  const { treeStats } = require("../provider/amphora-image-build/element-tree") as typeof import("../provider/amphora-image-build/element-tree");
  const { __provider: _p, ...inputFields } = inputs;
  const parsed = amphoraImageBuildInputsSchema().parse(inputFields);
  const { __provider: _q, ...stateFields } = state;
  const known = amphoraImageBuildOutputsSchema().parse(stateFields).keyParts;
  const cpu = process.cpuUsage();
  let t = process.hrtime.bigint();
  const parts = await bk.computeKeyParts(parsed, known);
  const freshMs = msSince(t);
  const freshCpuMs = cpuMsSince(cpu);
  const againMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    await bk.computeKeyParts(parsed, known);
    againMs.push(msSince(t));
  }
  const dib = await bk.dibExecutable(parsed);
  t = process.hrtime.bigint();
  if (dib) await capture(dib, ["--version"], { timeoutMs: 30_000, env: toolEnv() });
  const probeMs = dib ? msSince(t) : 0;
  const roots = await bk.elementRoots(parsed);
  const treeAgainMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    await digestElementRoots(roots);
    treeAgainMs.push(msSince(t));
  }
  const files = Object.values(parts.elements).reduce((n, e) => n + Object.keys(e.files).length, 0);
  return { files, filesRead: treeStats().filesRead, freshMs, freshCpuMs, againMs, probeMs, builder: dib ?? "not found", builderVersion: parts.builder, treeAgainMs, requests: counter.stop() };
}

/** The element trees alone, first digest of a fresh process (every file read) and again (stat only). */
async function tree(roots: string[]): Promise<TreeRun> {
  const { digestElementRoots, treeStats } = require("../provider/amphora-image-build/element-tree") as typeof import("../provider/amphora-image-build/element-tree");
  const cpu = process.cpuUsage();
  let t = process.hrtime.bigint();
  await digestElementRoots(roots);
  const freshMs = msSince(t);
  const filesRead = treeStats().filesRead;
  const freshCpuMs = cpuMsSince(cpu);
  const againMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    await digestElementRoots(roots);
    againMs.push(msSince(t));
  }
  return { filesRead, freshMs, freshCpuMs, againMs };
}

/**
 * What parsing inputs and state costs in a diff, with the schemas built on each call (as the providers do) and
 * built once: the difference is schema construction.
 */
function parseCosts(subjects: DiffSubjects): ParseCosts {
  const gti = require("../provider/glance-tagged-image/inputs") as typeof import("../provider/glance-tagged-image/inputs");
  const gto = require("../provider/glance-tagged-image/outputs") as typeof import("../provider/glance-tagged-image/outputs");
  const aii = require("../provider/amphora-image-build/inputs") as typeof import("../provider/amphora-image-build/inputs");
  const aio = require("../provider/amphora-image-build/outputs") as typeof import("../provider/amphora-image-build/outputs");
  const strip = ({ __provider: _p, ...rest }: Props): Props => rest;
  const measure = (fn: () => void): number => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = process.hrtime.bigint();
      fn();
      times.push(msSince(t));
    }
    return median(times);
  };
  const t0 = subjects.tagged[0];
  const a0 = subjects.amphora[0];
  const result: ParseCosts = { taggedPerCallMs: NaN, taggedOnceMs: NaN, amphoraPerCallMs: NaN, amphoraOnceMs: NaN };
  if (t0) {
    result.taggedPerCallMs = measure(() => {
      gti.glanceTaggedImageInputsSchema().parse(strip(t0.inputs));
      gto.glanceTaggedImageOutputsSchema().safeParse(strip(t0.state));
    });
    const inputs = gti.glanceTaggedImageInputsSchema();
    const outputs = gto.glanceTaggedImageOutputsSchema();
    result.taggedOnceMs = measure(() => {
      inputs.parse(strip(t0.inputs));
      outputs.safeParse(strip(t0.state));
    });
  }
  if (a0) {
    result.amphoraPerCallMs = measure(() => {
      aii.amphoraImageBuildInputsSchema().parse(strip(a0.inputs));
      aio.amphoraImageBuildOutputsSchema().safeParse(strip(a0.state));
    });
    const inputs = aii.amphoraImageBuildInputsSchema();
    const outputs = aio.amphoraImageBuildOutputsSchema();
    result.amphoraOnceMs = measure(() => {
      inputs.parse(strip(a0.inputs));
      outputs.safeParse(strip(a0.state));
    });
  }
  return result;
}

async function diffs(subjects: DiffSubjects): Promise<DiffRun> {
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;

  const counter = countRequests();
  const loadStart = process.hrtime.bigint();
  const tagged = (require("../provider/glance-tagged-image/provider") as { provider: pulumi.dynamic.ResourceProvider }).provider;
  const amphora = (require("../provider/amphora-image-build/provider") as { provider: pulumi.dynamic.ResourceProvider }).provider;
  const loadMs = msSince(loadStart);

  try {
    const taggedFresh = await sequential(tagged, subjects.tagged, subjects.engineOrder);
    const amphoraFresh = await sequential(amphora, subjects.amphora, subjects.engineOrder);
    const taggedWarm = await sequential(tagged, subjects.tagged);
    const amphoraWarm = await sequential(amphora, subjects.amphora);
    const taggedConcurrent = await concurrent(tagged, subjects.tagged);
    const amphoraConcurrent = await concurrent(amphora, subjects.amphora);
    return {
      loadMs,
      tagged: { fresh: taggedFresh, warm: taggedWarm, concurrent: taggedConcurrent },
      amphora: { fresh: amphoraFresh, warm: amphoraWarm, concurrent: amphoraConcurrent },
      requests: counter.stop(),
      parse: parseCosts(subjects),
      printed,
    };
  } finally {
    process.stdout.write = write;
  }
}

async function main(): Promise<void> {
  const [mode, input, output] = process.argv.slice(2) as [ChildMode, string, string];
  const data = JSON.parse(await fs.readFile(input, "utf8")) as unknown;
  const result =
    mode === "build-key" ? await buildKey(data as BuildKeySubject) : mode === "tree" ? await tree(data as string[]) : await diffs(data as DiffSubjects);
  await fs.writeFile(output, JSON.stringify(result));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
