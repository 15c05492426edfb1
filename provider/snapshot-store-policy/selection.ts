import { runPool } from "../common/pool";
import { findImage, imageStores, listImages, type GlanceClient, type Image } from "../glance";
import type { Inventory } from "./compliance";
import { ALL_OWNERS, isImageId, type SnapshotStorePolicyInputs } from "./inputs";

/**
 * Which images a policy covers, read from Glance: every page of `GET /v2/images?image_type=<t>&owner=<p>` per
 * image type (plus `propertyFilters`), the images named by their `base_image_ref`, and `extraImages` (ids, or
 * tags listed across pages). Base and extra images are looked up whoever owns them (a base image is usually a
 * public image of another project); only the image-type lists are filtered by owner.
 */

export interface Selection {
  inventory: Inventory;
  /** Base image refs, extra ids and extra tags that name no image Glance shows this session. */
  missing: string[];
}

export type SelectionOptions = Pick<
  SnapshotStorePolicyInputs,
  "imageTypes" | "includeBaseImages" | "extraImages" | "propertyFilters" | "pageSize"
> & {
  /** A project id, or "all". */
  ownerProject: string;
};

/** Base images looked up at the same time. */
const LOOKUP_CONCURRENCY = 4;

const facts = (image: Image) => ({ status: image.status, stores: imageStores(image) });

/** All pages of one image list, into `found`. Returns how many images the list had. */
async function collect(c: GlanceClient, found: Map<string, Image>, query: Parameters<typeof listImages>[1]): Promise<number> {
  let n = 0;
  for await (const image of listImages(c, { visibility: "all", ...query })) {
    found.set(image.id, image);
    n++;
  }
  return n;
}

export async function selectImages(c: GlanceClient, o: SelectionOptions): Promise<Selection> {
  const found = new Map<string, Image>();
  const missing: string[] = [];
  const owner = o.ownerProject === ALL_OWNERS ? {} : { owner: o.ownerProject };

  for (const type of o.imageTypes) {
    await collect(c, found, { ...owner, limit: o.pageSize, filters: { ...o.propertyFilters, image_type: type } });
  }

  if (o.includeBaseImages) {
    const refs = new Set<string>();
    for (const image of found.values()) {
      const ref = image.base_image_ref;
      if (typeof ref === "string" && ref !== "" && !found.has(ref)) refs.add(ref);
    }
    const sorted = [...refs].sort();
    const bases = await runPool(sorted, LOOKUP_CONCURRENCY, (ref) => findImage(c, ref));
    bases.forEach((r, i) => {
      if (r.status === "rejected") throw r.reason;
      if (r.status === "fulfilled" && r.value) found.set(r.value.id, r.value);
      else missing.push(sorted[i] as string);
    });
  }

  for (const entry of o.extraImages) {
    if (isImageId(entry)) {
      const image = found.get(entry) ?? (await findImage(c, entry));
      if (image) found.set(image.id, image);
      else missing.push(entry);
    } else if ((await collect(c, found, { tag: entry, limit: o.pageSize })) === 0) {
      missing.push(`tag:${entry}`);
    }
  }

  const inventory: Inventory = {};
  for (const id of [...found.keys()].sort()) inventory[id] = facts(found.get(id) as Image);
  return { inventory, missing };
}
