import { sameValue as same } from "../common/compare";
import { assess, removalsByStore, type Assessment } from "./compliance";
import { SELECTION_INPUTS, snapshotStorePolicyInputsSchema, type Mode, type SnapshotStorePolicyInputs } from "./inputs";
import type { SnapshotStorePolicyOutputs } from "./outputs";

/**
 * What an update would do, from the old state and the new inputs, without any network call: the recorded
 * inventory is judged against the new store and mode. Inputs that change the selection itself (image types,
 * owner, ...) are named; their effect is only known once the update lists the images again.
 */

export interface PolicyPlan {
  changed: boolean;
  /** Old store, when the target store changes. */
  fromStore?: string;
  /** Old mode, when it changes. */
  fromMode?: Mode;
  /** Selection inputs that changed. */
  selectionChanged: string[];
  /** Other inputs that changed (concurrency, timeouts, pageSize): recorded, they move no data themselves. */
  recorded: string[];
  assessment: Assessment;
}


export function planUpdate(olds: SnapshotStorePolicyOutputs, news: SnapshotStorePolicyInputs): PolicyPlan {
  const changedInputs = Object.keys(snapshotStorePolicyInputsSchema().shape).filter(
    (k) => !same(olds[k as keyof SnapshotStorePolicyInputs], news[k as keyof SnapshotStorePolicyInputs]),
  );
  const selection = SELECTION_INPUTS as readonly string[];
  const selectionChanged = changedInputs.filter((k) => selection.includes(k));
  const recorded = changedInputs.filter((k) => !selection.includes(k) && k !== "store" && k !== "mode");
  const assessment = assess(olds.inventory, news.store, news.mode);
  return {
    changed: changedInputs.length > 0 || assessment.nonCompliant.length > 0,
    ...(olds.store !== news.store ? { fromStore: olds.store } : {}),
    ...(olds.mode !== news.mode ? { fromMode: olds.mode } : {}),
    selectionChanged,
    recorded,
    assessment,
  };
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The counts part: `12 images to copy, 3 to remove from "cheap", 40 compliant`. */
export function countsText(a: Assessment): string {
  const parts = [count(a.toCopy.length, "image to copy", "images to copy")];
  for (const [store, n] of Object.entries(removalsByStore(a.toRemove)).sort(([x], [y]) => x.localeCompare(y))) {
    parts.push(`${n} to remove from "${store}"`);
  }
  parts.push(`${a.compliant.length} compliant`);
  const skipped = Object.keys(a.skipped).length;
  if (skipped) parts.push(`${skipped} skipped (not active or without data)`);
  return parts.join(", ");
}

/**
 * One plain line per change, printed by diff (preview and up), update and refresh after the resource's name
 * (`SnapshotStorePolicy fast: …`): `store "cheap" → "fast": 12 images to copy, 3 to remove from "cheap", 40 compliant`.
 */
export function planLine(store: string, a: Assessment, plan?: Omit<PolicyPlan, "assessment" | "changed">, listedNow = false): string {
  const changes: string[] = [];
  if (plan?.fromStore !== undefined) changes.push(`store "${plan.fromStore}" → "${store}"`);
  if (plan?.fromMode !== undefined) changes.push(`mode ${plan.fromMode} → ${plan.fromMode === "copy" ? "move" : "copy"}`);
  const notes: string[] = [];
  if (plan?.selectionChanged.length) {
    notes.push(
      listedNow
        ? `selection changed (${plan.selectionChanged.join(", ")}): counts of the new selection, listed now`
        : `selection changed (${plan.selectionChanged.join(", ")}): images are listed again, counts are from the last refresh (Glance not reachable now)`,
    );
  }
  if (plan?.recorded.length) notes.push(`record ${plan.recorded.join(", ")}`);
  return `${changes.length ? `${changes.join(", ")}: ` : ""}${countsText(a)}${notes.length ? `; ${notes.join("; ")}` : ""}`;
}

/** What create and update print once the images are listed: what the policy does, then the counts. */
export function enforceLine(inputs: Pick<SnapshotStorePolicyInputs, "store" | "mode" | "owner">, a: Assessment): string {
  const owner = inputs.owner === undefined ? "the session's project" : inputs.owner;
  return `mode ${inputs.mode} to store "${inputs.store}", owner ${owner}: ${countsText(a)}`;
}

/** What `delete` prints: the policy goes, the data stays. */
export function deleteLine(olds: Pick<SnapshotStorePolicyOutputs, "matched">): string {
  return (
    `policy deleted; no image data is moved or removed ` +
    `(${count(olds.matched.length, "image stays", "images stay")} where ${olds.matched.length === 1 ? "it is" : "they are"})`
  );
}
