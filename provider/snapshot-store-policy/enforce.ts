import { runPool } from "../common/pool";
import { assess, type Inventory } from "./compliance";
import { serviceWords } from "../common/errors";
import { CopyForbiddenError } from "./errors";
import type { Mode } from "./inputs";
import { ImageGoneError, type PlacementOps } from "./placement";

/**
 * Brings the selected images into the target store, in two phases with bounded concurrency:
 *
 * 1. copy-image of every image the store lacks (waiting for each copy to finish);
 * 2. move mode only: for each image now in the store, check it again (fresh from Glance, still active, no
 *    import running, target store present) and remove its other store copies.
 *
 * One image's failure never stops the others; it lands in `failed`. A copy-image refused by policy (403) is
 * the exception: it would repeat for every image, so no further copy starts and phase 2 is skipped altogether,
 * which leaves nothing changed when the first copy is refused. Images deleted meanwhile are dropped.
 */

export interface EnforceOptions {
  store: string;
  mode: Mode;
  concurrency: number;
  ops: PlacementOps;
  /** Progress lines (the provider host forwards stdout to the CLI). */
  print?: (line: string) => void;
}

export interface EnforceResult {
  /** The inventory as it is after the run (gone images removed, stores updated). */
  inventory: Inventory;
  /** Images copied and/or cleared from other stores by this run. */
  relocated: string[];
  /** Id → why it could not be placed. */
  failed: Record<string, string>;
  /** Images deleted while the run worked on them. */
  gone: string[];
  /** Set when copy-image was refused by policy. */
  forbidden?: CopyForbiddenError;
}

const short = (id: string): string => (id.length > 8 ? `${id.slice(0, 8)}…` : id);

export async function enforce(before: Inventory, o: EnforceOptions): Promise<EnforceResult> {
  const inventory: Inventory = structuredClone(before);
  const relocated = new Set<string>();
  const failed: Record<string, string> = {};
  const gone: string[] = [];
  let forbidden: CopyForbiddenError | undefined;
  const print = o.print ?? ((): void => undefined);
  const plan = assess(before, o.store, o.mode);

  const fail = (id: string, err: unknown, what: string): void => {
    if (err instanceof ImageGoneError) {
      gone.push(id);
      delete inventory[id];
      print(`image ${short(id)}: deleted meanwhile, skipped`);
      return;
    }
    failed[id] = `${what}: ${serviceWords(err)}`;
    print(`image ${short(id)}: ${what} failed: ${serviceWords(err)}`);
  };

  let done = 0;
  const copies = await runPool(
    plan.toCopy,
    o.concurrency,
    async (id) => {
      const stores = await o.ops.copy(id, o.store).catch((err: unknown) => {
        if (err instanceof CopyForbiddenError) forbidden ??= err; // seen by `stop` before the next copy starts
        throw err;
      });
      inventory[id] = { status: "active", stores };
      relocated.add(id);
      print(`image ${short(id)}: copied to "${o.store}" (${++done}/${plan.toCopy.length})`);
    },
    { stop: () => forbidden !== undefined },
  );
  copies.forEach((r, i) => {
    const id = plan.toCopy[i] as string;
    if (r.status === "rejected") fail(id, r.reason, `copy to "${o.store}"`);
    else if (r.status === "skipped") failed[id] = `copy to "${o.store}": not attempted, copy-image was refused for another image`;
  });

  if (o.mode === "move" && !forbidden) {
    const candidates = Object.keys(plan.toRemove).filter((id) => inventory[id] && failed[id] === undefined);
    const removals = await runPool(candidates, o.concurrency, async (id) => {
      const fresh = await o.ops.facts(id);
      if (fresh.status !== "active" || !fresh.stores.includes(o.store)) {
        inventory[id] = fresh;
        throw new Error(`store "${o.store}" does not hold a usable copy now (status ${fresh.status}, stores ${fresh.stores.join(",") || "none"}); other copies kept`);
      }
      const others = fresh.stores.filter((s) => s !== o.store);
      let held = fresh.stores;
      for (const s of others) {
        await o.ops.remove(id, s);
        held = held.filter((h) => h !== s);
        inventory[id] = { status: "active", stores: held };
      }
      relocated.add(id);
      print(`image ${short(id)}: removed from ${others.map((s) => `"${s}"`).join(", ")}`);
    });
    removals.forEach((r, i) => {
      if (r.status === "rejected") fail(candidates[i] as string, r.reason, "remove other store copies");
    });
  }

  return { inventory, relocated: [...relocated].sort(), failed, gone: gone.sort(), ...(forbidden ? { forbidden } : {}) };
}
