import type { GlanceClient } from "../glance";
import { assess } from "./compliance";
import { enforce } from "./enforce";
import type { SnapshotStorePolicyInputs } from "./inputs";
import type { StorePolicyErrorCode } from "./errors";
import { buildOutputs, type SnapshotStorePolicyOutputs } from "./outputs";
import { glancePlacement } from "./placement";
import { enforceLine } from "./plan";
import { requireTargetStore, resolveOwner } from "./preconditions";
import { selectImages } from "./selection";

/**
 * Create/update, top to bottom: preconditions (store, owner) → select the images (all pages) → print the plan
 * line → enforce → outputs. Refresh is `inspectPolicy`: the same selection and verdict, no change.
 */

export interface ApplyResult {
  outputs: SnapshotStorePolicyOutputs;
  /** Set when some image could not be placed: the error text and one reason per image. */
  failure?: { code: StorePolicyErrorCode; message: string; reasons: string[]; nothingChanged: boolean };
}

type Print = (line: string) => void;

export async function applyPolicy(c: GlanceClient, inputs: SnapshotStorePolicyInputs, print: Print): Promise<ApplyResult> {
  await requireTargetStore(c, inputs.store);
  const ownerProject = resolveOwner(c, inputs.owner);
  const selection = await selectImages(c, { ...inputs, ownerProject });
  print(enforceLine(inputs, assess(selection.inventory, inputs.store, inputs.mode)));
  if (selection.missing.length) print(`not found (skipped): ${selection.missing.join(", ")}`);

  const ops = glancePlacement(c, { copyTimeoutMs: inputs.timeouts.copySeconds * 1000, pollIntervalMs: inputs.timeouts.pollSeconds * 1000 });
  const run = await enforce(selection.inventory, { store: inputs.store, mode: inputs.mode, concurrency: inputs.concurrency, ops, print });
  const outputs = buildOutputs(inputs, {
    ownerProject,
    inventory: run.inventory,
    missing: selection.missing,
    relocated: run.relocated,
    failed: run.failed,
  });

  const failedIds = Object.keys(run.failed).sort();
  if (failedIds.length === 0) return { outputs };
  const reasons = failedIds.map((id) => `${id}: ${run.failed[id]}`);
  const nothingChanged = run.relocated.length === 0;
  const message = run.forbidden
    ? `${run.forbidden.message}. ${nothingChanged ? "Nothing was changed: no image was copied and no store copy was removed" : `${run.relocated.length} image(s) were placed before the refusal; no store copy was removed after it`}`
    : `${failedIds.length} of ${failedIds.length + run.relocated.length} image(s) could not be placed ` +
      `(${run.relocated.length} placed, kept in the outputs):\n${reasons.map((r) => `  ${r}`).join("\n")}`;
  return { outputs, failure: { code: run.forbidden ? run.forbidden.code : "ERR_PLACEMENT", message, reasons, nothingChanged } };
}

/** Refresh: the selection and verdict as Glance has them now, keeping what the last update recorded. */
export async function inspectPolicy(c: GlanceClient, olds: SnapshotStorePolicyOutputs, inputs: SnapshotStorePolicyInputs): Promise<SnapshotStorePolicyOutputs> {
  const selection = await selectImages(c, { ...inputs, ownerProject: olds.ownerProject });
  return buildOutputs(inputs, {
    ownerProject: olds.ownerProject,
    inventory: selection.inventory,
    missing: selection.missing,
    relocated: olds.relocated,
    failed: olds.failed,
  });
}
