/**
 * Stores: validation of the requested set against `/v2/info/stores`, and in-place convergence of an active
 * image's stores (copy-image to added stores, per-store delete from removed ones).
 */
import type { GlanceClient } from "../glance/client";
import { isStatus } from "../glance/errors";
import { getImage, imageStores, type Image } from "../glance/images";
import { importImage, waitForImport } from "../glance/imageimport";
import { getStores } from "../glance/info";
import { deleteImageFromStore } from "../glance/stores";
import type { FlowContext } from "./context";
import { serviceWords } from "../common/errors";
import { GlanceTaggedImageError } from "./errors";

/** Why `requested` cannot be used on this Glance, or undefined when every store exists. */
export async function storeProblem(glance: GlanceClient, requested: readonly string[]): Promise<string | undefined> {
  const info = await getStores(glance);
  if (!info.multiStore) {
    return `this Glance has a single store (no /v2/info/stores): remove "stores" to use it`;
  }
  const known = info.stores.map((s) => s.id).filter((id) => !id.startsWith("os_glance_"));
  const unknown = requested.filter((s) => !known.includes(s));
  if (unknown.length === 0) return undefined;
  return `unknown store${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => `"${s}"`).join(", ")}; this Glance has ${known.join(", ")}`;
}

/** The check done before anything is created: throws ERR_STORES naming the existing stores. */
export async function assertStores(ctx: FlowContext, requested: readonly string[] | undefined): Promise<void> {
  if (!requested) return;
  const problem = await storeProblem(ctx.glance, requested);
  if (problem) throw new GlanceTaggedImageError("ERR_STORES", ctx.resourceKey, `stores: ${problem}`);
}

export interface StoreChange {
  added: string[];
  removed: string[];
}

/**
 * Makes the image's data live in exactly `wanted`: copies first, deletes afterwards, so the data is never in
 * fewer stores than both sets share. copy-image is admin-only in Glance's default policy; a 403 says so.
 */
export async function convergeStores(
  ctx: FlowContext,
  image: Image,
  wanted: readonly string[],
  opts: { allStoresMustSucceed: boolean; timeoutMs: number; during?: string },
): Promise<{ image: Image; change: StoreChange }> {
  const have = imageStores(image);
  const added = wanted.filter((s) => !have.includes(s)).sort();
  const removed = have.filter((s) => !wanted.includes(s)).sort();
  let current = image;
  if (added.length) {
    try {
      await importImage(ctx.glance, image.id, {
        method: "copy-image",
        stores: added,
        allStoresMustSucceed: opts.allStoresMustSucceed,
      });
      current = await waitForImport(ctx.glance, image.id, {
        timeoutMs: opts.timeoutMs,
        intervalMs: ctx.pollMs,
        allowFailedStores: !opts.allStoresMustSucceed,
      });
    } catch (err) {
      const hint = isStatus(err, 403) ? " (copy-image is admin-only in Glance's default policy)" : "";
      throw new GlanceTaggedImageError(
        "ERR_PUBLISH",
        ctx.resourceKey,
        `${opts.during ? `${opts.during}, but ` : ""}copying image ${image.id} to store(s) ${added.join(", ")} failed${hint}: ${serviceWords(err)}`,
        image.id,
        { cause: err },
      );
    }
  }
  for (const store of removed) {
    try {
      await deleteImageFromStore(ctx.glance, store, image.id);
    } catch (err) {
      if (isStatus(err, 404)) continue; // already gone from that store
      throw new GlanceTaggedImageError(
        "ERR_PUBLISH",
        ctx.resourceKey,
        `removing image ${image.id} from store ${store} failed: ${serviceWords(err)}`,
        image.id,
        { cause: err },
      );
    }
  }
  if (removed.length) current = await getImage(ctx.glance, image.id);
  return { image: current, change: { added, removed } };
}
