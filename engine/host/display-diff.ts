/**
 * The `[diff: …]` summary `pulumi preview` prints on an update step. The dynamic-provider host's Diff gives no
 * detailed diff, so the display (pkg/backend/display/rows.go, writeShortDiff) compares the step's OLD INPUTS from
 * state with the inputs Check RETURNED, key by key (resource.PropertyMap.Diff, sdk/go/common/resource/
 * properties_diff.go), internal keys (`__provider`) left out:
 *   - a key only in the new inputs, or null before: added (`+`);
 *   - a key only in the old inputs, or null now: removed (`-`);
 *   - a key in both with different values: changed (`~`); an unknown value is never equal to a known one.
 * Each group is sorted, and printed in that order: `+a,b-c~d,e`.
 */
import { UNKNOWN, wireEqual, type PropertyMap } from "./marshal";

export interface InputDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export function inputDiff(oldInputs: PropertyMap, newInputs: PropertyMap): InputDiff {
  const diff: InputDiff = { added: [], removed: [], changed: [] };
  const hasValue = (v: unknown) => v !== undefined && v !== null;
  for (const key of new Set([...Object.keys(oldInputs), ...Object.keys(newInputs)])) {
    if (key.startsWith("__")) continue;
    const [before, after] = [oldInputs[key], newInputs[key]];
    if (hasValue(before) && hasValue(after)) {
      if (containsUnknown(after) || !wireEqual(before, after)) diff.changed.push(key);
    } else if (hasValue(after)) diff.added.push(key);
    else if (hasValue(before)) diff.removed.push(key);
  }
  for (const keys of Object.values(diff)) keys.sort();
  return diff;
}

function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  return typeof v === "object" && v !== null && Object.values(v).some(containsUnknown);
}

/** The summary as the CLI prints it between `[diff: ` and `]`; "" when nothing differs. */
export function displayDiff(oldInputs: PropertyMap, newInputs: PropertyMap): string {
  const { added, removed, changed } = inputDiff(oldInputs, newInputs);
  const groups: Array<[string, string[]]> = [["+", added], ["-", removed], ["~", changed]];
  return groups
    .filter(([, keys]) => keys.length > 0)
    .map(([prefix, keys]) => prefix + keys.join(","))
    .join("");
}
