/**
 * What the display knows of a step (the engine's StepEventMetadata, reduced to what the runner's displays use):
 * old state (from the state file) and new state (checked inputs; outputs once the step ran). Top-level secret keys
 * are wrapped as secrets, so the displays print them as `[secret]`.
 */
import { secret, type PropertyValue } from "../host/marshal";
import { displayDiff } from "../host/display-diff";
import type { DisplayMap } from "./property-diff";

export interface StepDetail {
  urn: string;
  type: string;
  /** Custom resource (false: a component). */
  custom?: boolean;
  parent?: string;
  /** The keys the provider's Diff said force a replacement. */
  replaces?: string[];
  /** The id of the old resource (absent for a create). */
  id?: string;
  oldInputs?: DisplayMap;
  oldOutputs?: DisplayMap;
  newInputs?: DisplayMap;
  /** Only when the step ran (not in preview: the dynamic-provider host does not preview Create/Update). */
  newOutputs?: DisplayMap;
}

/** A property map for the display: secret keys wrapped as secrets. */
export function displayMap(values: Record<string, PropertyValue> | undefined, secretKeys: readonly string[] = []): DisplayMap | undefined {
  if (!values) return undefined;
  const out: DisplayMap = {};
  for (const [k, v] of Object.entries(values)) out[k] = secretKeys.includes(k) ? secret(v) : v;
  return out;
}

/** The row's `[diff: …]` (rows.go getDiffInfo): old inputs vs new inputs, for a step that changes a resource. */
export function rowDiff(d: StepDetail | undefined): string {
  if (!d?.oldInputs || !d.newInputs) return "";
  const summary = displayDiff(d.oldInputs, d.newInputs);
  return summary ? `[diff: ${summary}]` : "";
}
