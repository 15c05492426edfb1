import { parseChecked, parseState } from "../common/provider-io";
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { splitUnknowns } from "../common/check";
import { probeInCheck } from "../common/check-probe";
import { configureOpenStack, glanceClient } from "../common/provider-context";
import { resourcePrinter } from "../common/resource-line";
import { validateInputs } from "../common/validate";
import type { GlanceClient } from "../glance/client";
import { applyPolicy, inspectPolicy, previewPolicy } from "./apply";
import { assess, type Assessment } from "./compliance";
import { ConnectError, EnforcementError, policySubject, StorePolicyError } from "./errors";
import { snapshotStorePolicyInputsSchema, type SnapshotStorePolicyInputs } from "./inputs";
import { inputsOf, snapshotStorePolicyOutputsSchema, type SnapshotStorePolicyOutputs } from "./outputs";
import { deleteLine, enforceLine, planLine, planUpdate } from "./plan";
import { preconditionFailures } from "./preconditions";

/**
 * The SnapshotStorePolicy dynamic provider, loaded in the provider host by the SDK's shim
 * (`pulumi-amphora/provider/snapshot-store-policy/provider`). Keeps instance snapshots, backups, their base
 * images and chosen extra images in one Glance store, with copy-image and per-store delete.
 *
 * - check: validates inputs; when Glance answers within a few seconds, also the store and the owner.
 * - check: for a create, also the plan: the images the policy finds now (read-only listing).
 * - diff: a change when inputs changed or the last refresh found non-compliant images (plan line); when the
 *   selection changed, the new selection is listed (read-only) for the counts.
 * - create/update: enforce (see apply.ts); failures of single images → the error lists them all, the outputs
 *   keep the successes (resource-initialization failure).
 * - read: recomputes compliance, so new snapshots show up as drift.
 * - delete: moves no data.
 */

/**
 * Prints lines of the policy of `store`, each starting with `SnapshotStorePolicy <store>`: dynamic providers are not
 * given the resource's name, and the target store is what tells one policy from another; no input is added for a
 * name, so states of earlier versions diff exactly as before.
 */
const printerFor = (store: string): ((line: string) => void) => resourcePrinter("SnapshotStorePolicy", store);
const parseInputs = (raw: Record<string, unknown>): SnapshotStorePolicyInputs => parseChecked(snapshotStorePolicyInputsSchema(), raw);
const parseOutputs = (raw: Record<string, unknown>): SnapshotStorePolicyOutputs | undefined => parseState(snapshotStorePolicyOutputsSchema(), raw);

/** The Glance client; a failure to authenticate or to find Glance names the policy's store. */
async function connect(store: string): Promise<GlanceClient> {
  try {
    return await glanceClient();
  } catch (err) {
    throw new ConnectError(store, err);
  }
}

/** The new selection's assessment, listed read-only within the check deadline; undefined when Glance does not answer. */
async function listedWithin(inputs: SnapshotStorePolicyInputs): Promise<Assessment | undefined> {
  return probeInCheck("listing the images", async () => previewPolicy(await glanceClient(), inputs));
}

/** Runs the policy; single-image failures become an EnforcementError carrying the outputs (with `__provider`). */
async function enforceOrThrow(id: string, raw: Record<string, unknown>): Promise<SnapshotStorePolicyOutputs> {
  const inputs = parseInputs(raw);
  const { outputs, failure } = await applyPolicy(await connect(inputs.store), inputs, printerFor(inputs.store));
  if (!failure) return outputs;
  if (failure.nothingChanged) throw new StorePolicyError(failure.code, failure.message, { subject: policySubject(inputs.store) });
  throw new EnforcementError(failure.code, inputs.store, failure.message, id, { ...outputs, __provider: raw.__provider }, failure.reasons);
}

export const provider: pulumi.dynamic.ResourceProvider = {
  async configure(req) {
    configureOpenStack(req.config);
  },

  async check(olds, news) {
    const result = validateInputs(snapshotStorePolicyInputsSchema(), news);
    if (!result.complete || result.failures.length) return { inputs: result.inputs, failures: result.failures };
    const inputs = result.inputs as SnapshotStorePolicyInputs;
    const notChecked = (why: string): void => printerFor(inputs.store)(`not checked against Glance now (${why}); checked again before any change`);
    const c = await probeInCheck("connecting to Glance", () => glanceClient(), notChecked);
    const failures = c && (await probeInCheck("listing Glance's stores", () => preconditionFailures(c, inputs), notChecked));
    result.failures.push(...(failures ?? []));
    // A create's plan (the engine calls no diff for a create): what the policy finds now, listed read-only.
    if (c && failures && Object.keys(olds).length === 0 && result.failures.length === 0) {
      const found = await probeInCheck("listing the images", () => previewPolicy(c, inputs), notChecked);
      if (found) printerFor(inputs.store)(`create: ${enforceLine(inputs, found)}`);
    }
    return { inputs: result.inputs, failures: result.failures };
  },

  async diff(_id, oldState, newInputs) {
    if (splitUnknowns(newInputs).unknown.length) return { changes: true };
    const news = parseInputs(newInputs);
    const olds = parseOutputs(oldState);
    if (!olds) {
      printerFor(news.store)(`state written by an incompatible provider version; the update checks every image again`);
      return { changes: true };
    }
    let plan = planUpdate(olds, news);
    // The recorded inventory is the old selection's: a new selection is listed now (read-only) for its counts.
    const listed = plan.selectionChanged.length ? await listedWithin(news) : undefined;
    if (listed) plan = { ...plan, assessment: listed, changed: true };
    if (plan.changed) printerFor(news.store)(planLine(news.store, plan.assessment, plan, listed !== undefined));
    return { changes: plan.changed, replaces: [], deleteBeforeReplace: false };
  },

  async create(raw) {
    const id = randomUUID();
    return { id, outs: await enforceOrThrow(id, raw) };
  },

  async update(id, _oldState, newInputs) {
    return { outs: await enforceOrThrow(id, newInputs) };
  },

  async read(id, props) {
    const olds = parseOutputs(props);
    if (!olds) return { id, props };
    const outs = await inspectPolicy(await connect(olds.store), olds, inputsOf(olds));
    if (outs.nonCompliant.length) printerFor(outs.store)(`${planLine(outs.store, assess(outs.inventory, outs.store, outs.mode))} (drift found by refresh)`);
    return { id, props: outs };
  },

  async delete(_id, props) {
    const olds = parseOutputs(props);
    printerFor(olds?.store ?? (typeof props.store === "string" ? props.store : "?"))(deleteLine(olds ?? { matched: [] }));
  },
};
