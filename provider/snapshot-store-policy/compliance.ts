import type { Mode } from "./inputs";

/**
 * Compliance, decided from what Glance said about each image (no network): in `copy` mode an image complies
 * when the target store holds it; in `move` mode when the target store is the only one holding it. Images that
 * are not `active` (a snapshot still uploading, a deactivated image) or that hold no data in any store (a
 * volume-backed instance snapshot) cannot be copied and are skipped, not counted as drift.
 */

/** What the policy records per selected image. */
export interface ImageFacts {
  status: string;
  /** Stores holding the image's data (Glance's `stores`). */
  stores: string[];
}

/** Selected images: id → facts. */
export type Inventory = Record<string, ImageFacts>;

export type Verdict =
  | { kind: "compliant" }
  /** copy-image to the target, then (move mode) remove these stores' copies. */
  | { kind: "copy"; remove: string[] }
  /** Already in the target; remove these stores' copies (move mode). */
  | { kind: "remove"; remove: string[] }
  | { kind: "skipped"; reason: string };

export function verdictFor(facts: ImageFacts, store: string, mode: Mode): Verdict {
  if (facts.status !== "active") return { kind: "skipped", reason: `status ${facts.status}` };
  if (facts.stores.length === 0) return { kind: "skipped", reason: "no image data in any store" };
  const others = facts.stores.filter((s) => s !== store).sort();
  const remove = mode === "move" ? others : [];
  if (!facts.stores.includes(store)) return { kind: "copy", remove };
  return remove.length ? { kind: "remove", remove } : { kind: "compliant" };
}

export interface Assessment {
  compliant: string[];
  /** Ids needing copy-image to the target. */
  toCopy: string[];
  /** Id → stores whose copy is to be removed (move mode; includes images still to be copied). */
  toRemove: Record<string, string[]>;
  /** Id → why it was left alone. */
  skipped: Record<string, string>;
  /** Ids needing any change (toCopy ∪ keys of toRemove), sorted. */
  nonCompliant: string[];
}

export function assess(inventory: Inventory, store: string, mode: Mode): Assessment {
  const result: Assessment = { compliant: [], toCopy: [], toRemove: {}, skipped: {}, nonCompliant: [] };
  for (const id of Object.keys(inventory).sort()) {
    const verdict = verdictFor(inventory[id] as ImageFacts, store, mode);
    switch (verdict.kind) {
      case "compliant":
        result.compliant.push(id);
        break;
      case "skipped":
        result.skipped[id] = verdict.reason;
        break;
      case "copy":
        result.toCopy.push(id);
        if (verdict.remove.length) result.toRemove[id] = verdict.remove;
        result.nonCompliant.push(id);
        break;
      case "remove":
        result.toRemove[id] = verdict.remove;
        result.nonCompliant.push(id);
        break;
    }
  }
  return result;
}

/** Store → number of copies to remove from it, for the plan line. */
export function removalsByStore(toRemove: Record<string, string[]>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const stores of Object.values(toRemove)) for (const s of stores) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}
