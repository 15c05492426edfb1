/**
 * Section 4: no-op `diff` of unchanged GlanceTaggedImage and AmphoraImageBuild resources, and the build key of a
 * 1,000-file element tree.
 *
 * The resources are created for real through the provider implementations (check → create, like the engine).
 * Their diffs then run in a FRESH node process (bench/noop-diff-child.ts), as in a new `pulumi up`/`preview`
 * where nothing changed: nothing is warm but what the provider itself caches during that run. The child counts
 * every HTTP request and TCP connect through Node's diagnostics channels.
 */
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import { provider as amphoraProvider } from "../provider/amphora-image-build/provider";
import { useGlanceClient } from "../provider/common/provider-context";
import type { GlanceClient } from "../provider/glance/client";
import { provider as taggedProvider } from "../provider/glance-tagged-image/provider";
import { NOT_BOOTABLE } from "../test/amphora-image-build/helpers";
import { checkoutWithElementTree, type Checkout } from "./lib/element-tree";
import { quietly } from "./lib/quiet";
import type { RequestCount } from "./lib/requests";

type Props = Record<string, unknown>;

export interface DiffSubject {
  id: string;
  /** Checked inputs, as the engine passes them to diff. */
  inputs: Props;
  /** Outputs of create: the old state. */
  state: Props;
}

export interface DiffSubjects {
  tagged: DiffSubject[];
  amphora: DiffSubject[];
  /**
   * The first pass as the engine runs a preview: Check, then Diff, resource by resource (the Check is timed
   * apart). Without it the fresh process's first Diff also pays what the engine's Check would have warmed up.
   */
  engineOrder?: boolean;
}

async function createVia(p: pulumi.dynamic.ResourceProvider, news: Props): Promise<DiffSubject> {
  const checked = await p.check!({}, news);
  if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  const inputs = checked.inputs as Props;
  const { id, outs } = await p.create(inputs);
  return { id, inputs, state: outs as Props };
}

async function inBatches<T>(count: number, width: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await make(i);
      }
    }),
  );
  return results;
}

/** `n` GlanceTaggedImage resources published from small files (PUT /file), each with its own tag. */
export async function createTaggedImages(glance: GlanceClient, n: number, dir: string, runId: string): Promise<DiffSubject[]> {
  useGlanceClient(glance);
  try {
    return await quietly(() =>
      inBatches(n, 4, async (i) => {
        const file = path.join(dir, `noop-${i}.raw`);
        await fs.writeFile(file, Buffer.alloc(4096 + i, i));
        return createVia(taggedProvider, {
          resourceKey: `bench/${runId}/noop-${i}`,
          tag: `bench-${runId}-noop-${i}`,
          file,
          diskFormat: "raw",
          importMethod: "upload",
          retention: { keep: 0, action: "delete" },
        });
      }),
    );
  } finally {
    useGlanceClient(undefined);
  }
}

/** `n` AmphoraImageBuild resources (fixture builder) sharing one Octavia checkout with a `files`-file element tree. */
export async function createAmphoraBuilds(n: number, files: number, outDir: string): Promise<{ subjects: DiffSubject[]; checkout: Checkout }> {
  const checkout = await checkoutWithElementTree(files);
  const subjects = await quietly(() =>
    inBatches(n, 2, (i) =>
      createVia(amphoraProvider, {
        frontEnd: "octavia",
        script: checkout.script,
        output: path.join(outDir, `amphora-${i}.qcow2`),
        sizeGb: 1 + (i % 3),
        progressIntervalSeconds: 60,
        validation: NOT_BOOTABLE,
      }),
    ),
  );
  return { subjects, checkout };
}

export interface DiffTimes {
  resources: number;
  /** Each resource's diff, ms, in order. */
  perResourceMs: number[];
  wallMs: number;
  /** CPU time of the process during the pass (user + system), ms: what the wall time would be on an idle core. */
  cpuMs: number;
  /** Resources whose diff said "changes". */
  changed: string[];
  /** Engine order only: each resource's Check before its Diff, ms (not in wallMs or perResourceMs). */
  checkMs?: number[];
}

export interface DiffRun {
  /** Loading the two provider modules in the fresh process, ms (the host does this once per run). */
  loadMs: number;
  tagged: { fresh: DiffTimes; warm: DiffTimes; concurrent: DiffTimes };
  amphora: { fresh: DiffTimes; warm: DiffTimes; concurrent: DiffTimes };
  /** Every HTTP request and TCP connect of the child while it loaded the providers and ran all diffs. */
  requests: RequestCount;
  parse: ParseCosts;
  /** What the providers printed (a no-op diff prints nothing). */
  printed: string[];
}

/** Median ms of parsing one resource's inputs and state, schemas built per call vs built once. */
export interface ParseCosts {
  taggedPerCallMs: number;
  taggedOnceMs: number;
  amphoraPerCallMs: number;
  amphoraOnceMs: number;
}

export interface TreeRun {
  /** Files read by the first digest. */
  filesRead: number;
  freshMs: number;
  freshCpuMs: number;
  againMs: number[];
}

export type ChildMode = "diff" | "diff-engine-order" | "build-key" | "tree";

export interface BuildKeySubject {
  inputs: Props;
  /** The resource's state (its keyParts tell the builder version already probed). */
  state: Props;
}

export interface BuildKeyRun {
  /** Files digested across all element roots. */
  files: number;
  /** Files read by the first call (every one, in a fresh process). */
  filesRead: number;
  /** computeKeyParts with the state's parts, first call of a fresh process (as a diff computes it). */
  freshMs: number;
  /** CPU time of this process during that call (the version probe runs in a child process), ms. */
  freshCpuMs: number;
  againMs: number[];
  /** One `disk-image-create --version` on its own, ms (what a key without state, or for a changed builder, adds). */
  probeMs: number;
  builder: string;
  builderVersion: string;
  /** The element trees alone after the key was computed (watched: no walk), ms. */
  treeAgainMs: number[];
  requests: RequestCount;
}

async function child<T>(mode: ChildMode, data: unknown, dir: string): Promise<T> {
  const input = path.join(dir, `${mode}-input.json`);
  const output = path.join(dir, `${mode}-output.json`);
  await fs.writeFile(input, JSON.stringify(data));
  await promisify(execFile)(process.execPath, [path.join(__dirname, "noop-diff-child.js"), mode, input, output], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(await fs.readFile(output, "utf8")) as T;
}

/** The no-op diffs of all subjects, in a fresh node process. */
export const runNoopDiffs = (subjects: DiffSubjects, dir: string): Promise<DiffRun> =>
  child(subjects.engineOrder ? "diff-engine-order" : "diff", subjects, dir);

/** The build key of an AmphoraImageBuild as its diff computes it (inputs and the state's parts), in a fresh node process. */
export const runBuildKey = (subject: BuildKeySubject, dir: string): Promise<BuildKeyRun> => child("build-key", subject, dir);

/** Digests of element roots alone, in a fresh node process. */
export const runTree = (roots: string[], dir: string): Promise<TreeRun> => child("tree", roots, dir);
