/**
 * Section 7: AmphoraFleetRotation (issue 16), through the provider implementation as the engine drives it
 * (check → diff → update), session `local-admin` (failover and the amphora API are admin-only).
 *
 * Preview cost: Octavia is a local stand-in (fake-octavia.ts: 1,000 ACTIVE_STANDBY load balancers, 2,000
 * amphorae, two flavors, paged as Octavia pages), given to the provider as the session's endpoint override for
 * `load-balancer`; Keystone and Glance are the local cloud's (one image carries the tag). The fake counts its
 * requests per path; every request of this process (Keystone and Glance too) is counted through Node's
 * diagnostics channels.
 *
 * Rotation overhead: 20 ACTIVE_STANDBY load balancers on the local Octavia (test compute driver, no-op network
 * and amphora drivers) with a flavor of their own tag (test/amphora-fleet-rotation/octavia-support.ts TestFleet),
 * rotated onto a new image once per configuration (batch size × concurrency @ poll seconds). Octavia's failover
 * time per load balancer comes from Octavia's own logs (lib/octavia-log.ts), the rotation's from its update call;
 * lib/rotation-overhead.ts compares them and splits the difference with the request trace (lib/http-trace.ts).
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type * as pulumi from "@pulumi/pulumi";
import { readFleet } from "../provider/amphora-fleet-rotation/fleet";
import { amphoraFleetRotationInputsSchema } from "../provider/amphora-fleet-rotation/inputs";
import { planRotation } from "../provider/amphora-fleet-rotation/plan";
import { provider } from "../provider/amphora-fleet-rotation/provider";
import { useGlanceClient } from "../provider/common/provider-context";
import { createImage, deleteImage, isStatus, uploadImageData, type GlanceClient } from "../provider/glance";
import { octaviaFor, TestFleet } from "../test/amphora-fleet-rotation/octavia-support";
import { cloudsFile, glanceFor, localCloudDir, sessionFor } from "../test/support/cloud";
import { startFakeOctavia } from "./fake-octavia";
import { epochMs, traceRequests, type TracedRequest } from "./lib/http-trace";
import { failoverSpans, logMark, octaviaLogFiles } from "./lib/octavia-log";
import { quietly } from "./lib/quiet";
import { countRequests } from "./lib/requests";
import { rotationOverhead, turnsFromTrace, type RotationOverhead } from "./lib/rotation-overhead";
import { median, msSince, sleep } from "./lib/stats";

type Props = Record<string, unknown>;

export interface PreviewRun {
  label: string;
  pageSize: number;
  wallMs: number;
  /** The fake Octavia's count, `METHOD /path` → requests. */
  octavia: Record<string, number>;
  /** Every other request of this process, `METHOD host/path` → requests (Keystone, Glance). */
  others: Record<string, number>;
  total: number;
  /** The start of the plan line the preview printed, and its length. */
  planHead: string;
  planChars: number;
}

export interface RotationSpec {
  batchSize: number;
  concurrency: number;
  pollSeconds: number;
}

export interface RotationRun {
  spec: RotationSpec;
  /** Load balancer ids per step: each canary, then each batch. */
  steps: string[][];
  checkMs: number;
  diffMs: number;
  updateMs: number;
  rotated: number;
  failed: number;
  /** Every amphora of the fleet is on the image published for this rotation. */
  onNewImage: boolean;
  overhead?: RotationOverhead;
  /** Requests of the update call per `METHOD path pattern` (ids as {id}, query values left out). */
  requests: Record<string, number>;
  /** Median time Octavia took to answer, ms: a load balancer read (a poll), one load balancer's amphora list. */
  answerMs?: { poll: number; list: number };
  error?: string;
}

export interface FleetResult {
  preview: { loadBalancers: number; amphorae: number; flavors: number; runs: PreviewRun[]; error?: string };
  rotation?: { loadBalancers: number; topology: string; runs: RotationRun[]; error?: string };
  /** Why the rotation was not measured (no Octavia in the cloud). */
  rotationSkipped?: string;
}

/** `1x1@0.5,5x5@5`: batch size × concurrency @ poll seconds, canary 1 each. */
export function parseRotationSpecs(text: string): RotationSpec[] {
  return text.split(",").map((item) => {
    const m = /^(\d+)x(\d+)@([\d.]+)$/.exec(item.trim());
    if (!m) throw new Error(`BENCH_FLEET_ROTATIONS: "${item}" is not <batchSize>x<concurrency>@<pollSeconds>`);
    return { batchSize: Number(m[1]), concurrency: Number(m[2]), pollSeconds: Number(m[3]) };
  });
}

const UUID_IN_PATH = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** `GET /v2/octavia/amphorae?loadbalancer_id&limit` */
function pattern(r: TracedRequest): string {
  const [pathname, query] = r.path.split("?");
  const keys = query ? [...new URLSearchParams(query).keys()].join("&") : "";
  return `${r.method} ${(pathname ?? "").replace(UUID_IN_PATH, "{id}")}${keys ? `?${keys}` : ""}`;
}

function tally(keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** The provider's process-wide OpenStack config, as the dynamic-provider host would pass stack config. */
async function configure(values: Record<string, string>): Promise<void> {
  process.env.OS_CLIENT_CONFIG_FILE = cloudsFile();
  useGlanceClient(undefined);
  await provider.configure!({ config: { get: (key: string) => values[key] } } as unknown as pulumi.dynamic.ConfigureRequest);
}

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const result = await provider.check!(olds, news);
  if (result.failures?.length) throw new Error(`check failed: ${JSON.stringify(result.failures)}`);
  return result.inputs as Props;
}

async function tinyImage(glance: GlanceClient, name: string, tag: string): Promise<string> {
  const image = await createImage(glance, { name, diskFormat: "raw", containerFormat: "bare", tags: [tag] });
  const data = randomBytes(1024);
  await uploadImageData(glance, image.id, Readable.from([data]), { size: data.length });
  return image.id;
}

/** A state as the provider would have left it after an earlier rotation (all on the previous image). */
function earlierState(inputs: Props, tag: string, oldImage: string): Props {
  return { ...inputs, targetImages: { [tag]: oldImage }, amphoraeByImage: {}, onTarget: [], rotated: [], pending: [], skipped: {}, failed: {}, checkedAt: new Date().toISOString() };
}

async function measurePreview(
  label: string,
  pageSize: number,
  fake: { reset(): void; byPath(): Record<string, number>; origin: string },
  run: () => Promise<void>,
): Promise<PreviewRun> {
  fake.reset();
  const lines: string[] = [];
  const counter = countRequests();
  const t = process.hrtime.bigint();
  let wallMs = NaN;
  let count;
  try {
    await quietly(run, lines);
  } finally {
    wallMs = msSince(t);
    count = counter.stop();
  }
  const host = new URL(fake.origin).host;
  const others = Object.fromEntries(Object.entries(count.byTarget).filter(([k]) => !k.includes(host)));
  const plan = lines.join("").split("\n").find((l) => l.startsWith("AmphoraFleetRotation ")) ?? "";
  // A check that cannot read the fleet says so and succeeds: only a plan line shows that the fleet was read.
  if (!/^AmphoraFleetRotation \S+: \d+ load balancers? to fail over/.test(plan)) throw new Error(`${label}: no plan printed (${plan.slice(0, 300) || "no line"})`);
  return { label, pageSize, wallMs, octavia: fake.byPath(), others, total: count.http, planHead: plan.slice(0, 160), planChars: plan.length };
}

/** What a preview of `loadBalancers` load balancers costs in requests. */
export async function previewCost(opts: { loadBalancers: number; runId: string; log: (line: string) => void }): Promise<FleetResult["preview"]> {
  const glance = await glanceFor("local-admin");
  const tag = `pulumi-amphora-bench-${opts.runId}-preview`;
  const image = await tinyImage(glance, `${tag}-new`, tag);
  const flavors = [
    { id: "bench-flavor-own-tag", flavorData: { loadbalancer_topology: "ACTIVE_STANDBY", amp_image_tag: tag } },
    { id: "bench-flavor-default-tag", flavorData: { loadbalancer_topology: "ACTIVE_STANDBY" } },
  ];
  const oldImage = "0ld0ld00-0000-4000-8000-000000000000";
  const projectId = (await sessionFor("local-admin")).projectId;
  const fake = await startFakeOctavia({ loadBalancers: opts.loadBalancers, projectId, flavors, imageOf: () => oldImage });
  const result: FleetResult["preview"] = { loadBalancers: opts.loadBalancers, amphorae: opts.loadBalancers * 2, flavors: flavors.length, runs: [] };
  try {
    await configure({ "openstack:cloud": "local-admin", "openstack:endpointOverrides": JSON.stringify({ "load-balancer": fake.origin }) });
    const inputs = (pageSize?: number): Props => ({
      imageTag: tag,
      imageId: image,
      canary: 1,
      batchSize: 10,
      concurrency: 5,
      ...(pageSize !== undefined ? { pageSize } : {}),
    });
    opts.log(`   preview of a new rotation (check), ${opts.loadBalancers} load balancers behind the fake Octavia ${fake.origin}`);
    result.runs.push(await measurePreview("new rotation: check", 1000, fake, () => checked(inputs()).then(() => undefined)));
    for (const pageSize of [1000, 100]) {
      opts.log(`   preview of an existing rotation after a tag move (check + diff), pageSize ${pageSize}`);
      // The state an earlier rotation left (inputs as check normalises them), made here without reading the fleet.
      const state = earlierState(amphoraFleetRotationInputsSchema().parse(inputs(pageSize)), tag, oldImage);
      result.runs.push(
        await measurePreview(`existing rotation after a tag move: check + diff, pageSize ${pageSize}`, pageSize, fake, async () => {
          const again = await checked(inputs(pageSize), state);
          const diff = await provider.diff!("bench-preview", state, again);
          if (diff.changes !== true) throw new Error("the preview saw nothing to rotate");
        }),
      );
    }
    if (!result.runs.every((r) => Object.keys(r.octavia).length > 0)) throw new Error("the provider did not use the fake Octavia (endpoint override)");
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    opts.log(`   preview failed: ${result.error}`);
  } finally {
    await fake.close();
    await deleteImage(glance, image).catch((err: unknown) => {
      if (!isStatus(err, 404)) opts.log(`   could not delete ${image}: ${String(err)}`);
    });
  }
  return result;
}

async function octaviaAvailable(): Promise<string | undefined> {
  try {
    await octaviaFor("local-admin");
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** One rotation of the whole fleet onto a freshly published image, measured. */
async function measureRotation(
  ctx: { fleet: TestFleet; ids: string[]; id: string; state: Props; inputs: (s: RotationSpec) => Props; version: number },
  spec: RotationSpec,
): Promise<{ run: RotationRun; state: Props }> {
  const image = await ctx.fleet.publishImage(`v${ctx.version}`);
  const news = ctx.inputs(spec);
  let t = process.hrtime.bigint();
  const inputs = await quietly(() => checked(news, ctx.state));
  const checkMs = msSince(t);
  t = process.hrtime.bigint();
  const diff = await quietly(() => provider.diff!(ctx.id, ctx.state, inputs));
  const diffMs = msSince(t);
  if (diff.changes !== true) throw new Error("a new image did not show as a change");

  // The plan the update will run (read here, outside the timed call, from the same fleet).
  const parsed = amphoraFleetRotationInputsSchema().parse(inputs);
  const plan = planRotation(await readFleet(await octaviaFor("local-admin"), await glanceFor("local-admin"), parsed), parsed);
  const steps = [...plan.canary.map((id) => [id]), ...plan.batches];

  const mark = await logMark(octaviaLogFiles(localCloudDir));
  const trace = traceRequests();
  const startMs = epochMs();
  let outs: Props | undefined;
  let error: string | undefined;
  try {
    outs = (await quietly(() => provider.update!(ctx.id, ctx.state, inputs))).outs as Props;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const endMs = epochMs();
  const requests = trace.stop();
  await sleep(500); // Octavia's processes write their logs on their own schedule.
  const logs = await mark.since();
  const run: RotationRun = {
    spec,
    steps,
    checkMs,
    diffMs,
    updateMs: endMs - startMs,
    rotated: Array.isArray(outs?.rotated) ? outs.rotated.length : 0,
    failed: outs && typeof outs.failed === "object" && outs.failed ? Object.keys(outs.failed).length : 0,
    onNewImage: JSON.stringify(outs?.amphoraeByImage ?? {}) === JSON.stringify({ [image]: ctx.ids.length * 2 }),
    requests: tally(requests.map(pattern)),
    answerMs: {
      poll: median(requests.filter((r) => pattern(r) === "GET /v2/lbaas/loadbalancers/{id}").map((r) => r.endMs - r.startMs)),
      list: median(requests.filter((r) => pattern(r) === "GET /v2/octavia/amphorae?loadbalancer_id&limit").map((r) => r.endMs - r.startMs)),
    },
    ...(error !== undefined ? { error } : {}),
  };
  try {
    run.overhead = rotationOverhead({ startMs, endMs, steps, spans: failoverSpans(logs.api, logs.worker), turns: turnsFromTrace(requests, ctx.ids) });
  } catch (err) {
    run.error = [run.error, err instanceof Error ? err.message : String(err)].filter(Boolean).join("; ");
  }
  return { run, state: outs ?? ctx.state };
}

/** The rotation's own overhead over Octavia's failover times, once per spec, on a fleet of `loadBalancers`. */
export async function rotationCost(opts: {
  loadBalancers: number;
  specs: RotationSpec[];
  runId: string;
  log: (line: string) => void;
}): Promise<Pick<FleetResult, "rotation" | "rotationSkipped">> {
  const missing = await octaviaAvailable();
  if (missing !== undefined) return { rotationSkipped: missing };
  const fleet = new TestFleet(`pulumi-amphora-bench-${opts.runId}-fleet`);
  const result: NonNullable<FleetResult["rotation"]> = { loadBalancers: opts.loadBalancers, topology: "ACTIVE_STANDBY", runs: [] };
  try {
    await fleet.connect();
    await fleet.publishImage("v0");
    const flavor = await fleet.flavor("ACTIVE_STANDBY");
    opts.log(`   creating ${opts.loadBalancers} ACTIVE_STANDBY load balancers (flavor with amp_image_tag ${fleet.tag})`);
    const names = Array.from({ length: opts.loadBalancers }, (_, i) => `lb-${String(i).padStart(2, "0")}`);
    const ids = await fleet.loadBalancers(names, flavor);
    await configure({ "openstack:cloud": "local-admin" });
    const inputs = (spec: RotationSpec): Props => ({
      imageTag: fleet.tag,
      loadBalancers: ids,
      canary: 1,
      batchSize: spec.batchSize,
      concurrency: spec.concurrency,
      // The local Octavia runs no health manager: operating status stays OFFLINE.
      healthGate: { operatingStatuses: ["ONLINE", "OFFLINE"] },
      timeouts: { failoverSeconds: 300, pollSeconds: spec.pollSeconds },
    });
    const first = opts.specs[0] as RotationSpec;
    const created = await quietly(async () => provider.create(await checked(inputs(first))));
    let state = created.outs as Props;
    for (const [k, spec] of opts.specs.entries()) {
      opts.log(`   rotation ${k + 1}/${opts.specs.length}: canary 1, batches of ${spec.batchSize}, ${spec.concurrency} at once, poll ${spec.pollSeconds} s`);
      const measured = await measureRotation({ fleet, ids, id: created.id, state, inputs, version: k + 1 }, spec);
      state = measured.state;
      result.runs.push(measured.run);
      const o = measured.run.overhead;
      opts.log(
        `   ${measured.run.rotated} rotated in ${(measured.run.updateMs / 1000).toFixed(1)} s` +
          (o ? `; Octavia: Σ ${(o.octaviaSumMs / 1000).toFixed(1)} s, batch critical path ${(o.octaviaCriticalMs / 1000).toFixed(1)} s` : "") +
          (measured.run.error ? `; ${measured.run.error}` : ""),
      );
    }
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    opts.log(`   rotation failed: ${result.error}`);
  } finally {
    opts.log("   deleting the fleet");
    await fleet.cleanup().catch((err: unknown) => opts.log(`   cleanup failed: ${String(err)}`));
  }
  return { rotation: result };
}
