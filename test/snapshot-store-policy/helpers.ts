import * as assert from "node:assert";
import { snapshotStorePolicyInputsSchema, type SnapshotStorePolicyArgsInput } from "../../provider/snapshot-store-policy/inputs";
import { buildOutputs, type SnapshotStorePolicyOutputs } from "../../provider/snapshot-store-policy/outputs";
import type { Inventory } from "../../provider/snapshot-store-policy/compliance";

/** Normalised inputs (defaults applied). */
export const inputs = (args: SnapshotStorePolicyArgsInput) => snapshotStorePolicyInputsSchema().parse(args);

/** A state as create/refresh would record it for `inventory`. */
export function stateFor(args: SnapshotStorePolicyArgsInput, inventory: Inventory, extra: Partial<SnapshotStorePolicyOutputs> = {}): SnapshotStorePolicyOutputs {
  return { ...buildOutputs(inputs(args), { ownerProject: "p1", inventory, missing: [], relocated: [], failed: {} }), ...extra };
}

export { withStdout } from "../support/stdout";

/** Fails on `undefined` anywhere (the host cannot marshal it). */
export function assertNoUndefined(value: unknown, at = "outputs"): void {
  assert.notStrictEqual(value, undefined, `${at} is undefined`);
  if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) assertNoUndefined(v, `${at}.${k}`);
}
