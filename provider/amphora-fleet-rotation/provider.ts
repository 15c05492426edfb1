import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { splitUnknowns } from "../common/check";
import { connectFailure, serviceWords } from "../common/errors";
import { sameValue } from "../common/compare";
import { probeInCheck } from "../common/check-probe";
import { configureOpenStack, glanceClient, octaviaClient } from "../common/provider-context";
import { parseChecked, parseState } from "../common/provider-io";
import { resourcePrinter } from "../common/resource-line";
import { validateInputs } from "../common/validate";
import type { GlanceClient } from "../glance/client";
import type { ServiceClient } from "../openstack/service-client";
import { FleetRotationError, RotationStoppedError } from "./errors";
import { readFleet, type Fleet } from "./fleet";
import { amphoraFleetRotationInputsSchema, type AmphoraFleetRotationInputs } from "./inputs";
import { amphoraFleetRotationOutputsSchema, type AmphoraFleetRotationOutputs } from "./outputs";
import { planLine, planRotation, plannedIds, type RotationPlan } from "./plan";
import { preflightRefusal } from "./preflight";
import { runRotation } from "./apply";

/**
 * The AmphoraFleetRotation dynamic provider: after the amphora image tag moves, fails over the load balancers
 * whose amphorae are not on the image Octavia now boots, canary first, then in batches, each behind a health gate.
 *
 * - check: validates inputs; for a new resource, prints the plan when Octavia answers (preview of a create).
 * - diff: reads the fleet (read-only list calls) and prints exactly which load balancers an up would fail over
 *   (and what the preflight would refuse);
 *   a change when inputs changed or some load balancer is not on its target image.
 * - create/update: reads the fleet again, runs the preflight (preflight.ts: ERR_PREFLIGHT before any failover),
 *   then the plan (apply.ts, one turn per load balancer in failover.ts); a failure ends it, under the stop rules,
 *   with a FleetRotationError naming the load balancer, as a resource-initialization failure that keeps the progress.
 * - read: reports the fleet (amphorae per image, load balancers still to rotate).
 * - delete: changes nothing in Octavia.
 */

/** A fleet's paged lists take longer than the other resources' looks. */
const FLEET_READ_MS = 15_000;

const printerFor = (tag: string): ((line: string) => void) => resourcePrinter("AmphoraFleetRotation", tag);
const parseInputs = (raw: Record<string, unknown>): AmphoraFleetRotationInputs => parseChecked(amphoraFleetRotationInputsSchema(), raw);
const parseOutputs = (raw: Record<string, unknown>): AmphoraFleetRotationOutputs | undefined =>
  parseState(amphoraFleetRotationOutputsSchema(), raw);

interface Clients {
  octavia: ServiceClient;
  glance: GlanceClient;
}

async function connect(tag: string): Promise<Clients> {
  try {
    return { octavia: await octaviaClient(), glance: await glanceClient() };
  } catch (err) {
    throw new FleetRotationError(
      "ERR_CONNECT",
      tag,
      connectFailure("Octavia's and Glance's endpoints", "Octavia", err),
      undefined,
      { cause: err },
    );
  }
}

interface Survey {
  fleet: Fleet;
  plan: RotationPlan;
  /** Why an up must not start failing over (preflight.ts), if it must not. */
  refusal?: string;
}

async function survey(c: Clients, inputs: AmphoraFleetRotationInputs): Promise<Survey> {
  try {
    const fleet = await readFleet(c.octavia, c.glance, inputs);
    const refusal = await preflightRefusal(c.glance, fleet, inputs);
    return { fleet, plan: planRotation(fleet, inputs), ...(refusal !== undefined ? { refusal } : {}) };
  } catch (err) {
    throw new FleetRotationError("ERR_OCTAVIA", inputs.imageTag, `reading the fleet failed: ${serviceWords(err)}`, undefined, { cause: err });
  }
}

function outputsOf(
  inputs: AmphoraFleetRotationInputs,
  fleet: Fleet,
  plan: RotationPlan,
  rotated: string[],
  failed: Record<string, string>,
  skippedAtTurn: Record<string, string> = {},
): AmphoraFleetRotationOutputs {
  const skipped = { ...plan.skipped };
  for (const [id, why] of Object.entries(skippedAtTurn)) if (!plan.onTarget.includes(id)) skipped[id] = why;
  return {
    ...inputs,
    targetImages: fleet.targets,
    amphoraeByImage: plan.amphoraeByImage,
    onTarget: plan.onTarget,
    rotated,
    pending: [...new Set([...plannedIds(plan), ...Object.keys(plan.skipped)])],
    skipped,
    failed,
    checkedAt: new Date().toISOString(),
  };
}

async function rotate(id: string, raw: Record<string, unknown>): Promise<AmphoraFleetRotationOutputs> {
  const inputs = parseInputs(raw);
  const print = printerFor(inputs.imageTag);
  const c = await connect(inputs.imageTag);
  const { fleet, plan, refusal } = await survey(c, inputs);
  print(planLine(fleet, plan));
  if (refusal !== undefined) {
    throw new FleetRotationError("ERR_PREFLIGHT", inputs.imageTag, `refused before any failover: ${refusal}`);
  }
  const result = await runRotation(c.octavia, fleet, inputs, plan, print);
  const after = await survey(c, inputs);
  const outputs = outputsOf(inputs, after.fleet, after.plan, result.rotated, result.failed, result.skipped);
  if (result.failure) throw new RotationStoppedError(result.failure, id, { ...outputs, __provider: raw.__provider });
  return outputs;
}

/** The plan line, and what the preflight would refuse. */
const surveyLine = (s: Survey): string => `${planLine(s.fleet, s.plan)}${s.refusal !== undefined ? `; up would refuse: ${s.refusal}` : ""}`;

function inputsChanged(olds: AmphoraFleetRotationOutputs, news: AmphoraFleetRotationInputs): boolean {
  return Object.keys(amphoraFleetRotationInputsSchema().shape).some(
    (k) => !sameValue(olds[k as keyof AmphoraFleetRotationInputs], news[k as keyof AmphoraFleetRotationInputs]),
  );
}

export const provider: pulumi.dynamic.ResourceProvider = {
  async configure(req) {
    configureOpenStack(req.config);
  },

  async check(olds, news) {
    const result = validateInputs(amphoraFleetRotationInputsSchema(), news);
    if (!result.complete || result.failures.length) return { inputs: result.inputs, failures: result.failures };
    const inputs = result.inputs as AmphoraFleetRotationInputs;
    if (Object.keys(olds).length === 0) {
      // A new resource gets no diff call: its preview shows the plan from here.
      const print = printerFor(inputs.imageTag);
      const notComputed = (why: string): void => print(`plan not computed now (${why}); computed again before any failover`);
      const found = await probeInCheck("reading the fleet", async () => survey(await connect(inputs.imageTag), inputs), notComputed, FLEET_READ_MS);
      if (found) print(surveyLine(found));
    }
    return { inputs: result.inputs, failures: result.failures };
  },

  async diff(_id, oldState, newInputs) {
    if (splitUnknowns(newInputs).unknown.length) return { changes: true };
    const news = parseInputs(newInputs);
    const olds = parseOutputs(oldState);
    const changed = !olds || inputsChanged(olds, news);
    const found = await survey(await connect(news.imageTag), news);
    const work = plannedIds(found.plan).length > 0;
    if (work || changed || found.refusal !== undefined) printerFor(news.imageTag)(surveyLine(found));
    return { changes: work || changed, replaces: [], deleteBeforeReplace: false };
  },

  async create(raw) {
    const id = randomUUID();
    return { id, outs: await rotate(id, raw) };
  },

  async update(id, _oldState, newInputs) {
    return { outs: await rotate(id, newInputs) };
  },

  async read(id, props) {
    const olds = parseOutputs(props);
    if (!olds) return { id, props };
    const inputs = parseInputs(Object.fromEntries(Object.keys(amphoraFleetRotationInputsSchema().shape).map((k) => [k, olds[k as keyof AmphoraFleetRotationOutputs]]).filter(([, v]) => v !== undefined)));
    const { fleet, plan } = await survey(await connect(inputs.imageTag), inputs);
    if (plannedIds(plan).length) printerFor(inputs.imageTag)(`${planLine(fleet, plan)} (found by refresh)`);
    return { id, props: outputsOf(inputs, fleet, plan, olds.rotated, olds.failed) };
  },

  async delete(_id, props) {
    const tag = typeof props.imageTag === "string" ? props.imageTag : "?";
    printerFor(tag)("rotation deleted; no load balancer is changed");
  },
};
