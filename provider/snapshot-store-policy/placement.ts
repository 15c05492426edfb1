import {
  deleteImageFromStore,
  getImage,
  imageStores,
  importImage,
  isStatus,
  waitForImport,
  type GlanceClient,
  type Image,
} from "../glance";
import type { ImageFacts } from "./compliance";
import { CopyForbiddenError, RemoveForbiddenError, StorePolicyError } from "./errors";

/**
 * The three Glance operations a policy needs, behind a small port so that the enforcement logic can be tested
 * without Glance. `glancePlacement` is the real implementation: copy-image plus the import wait, per-store delete.
 */
export interface PlacementOps {
  /** copy-image into `store`, waiting until it is done; resolves with the stores holding the image afterwards. */
  copy(id: string, store: string): Promise<string[]>;
  /** Current facts, fresh from Glance. */
  facts(id: string): Promise<ImageFacts>;
  /** Removes the image's data from one store (already absent counts as done). */
  remove(id: string, store: string): Promise<void>;
}

/** The image was deleted while the policy worked on it: nothing to place any more. */
export class ImageGoneError extends StorePolicyError {
  override name = "ImageGoneError";
  constructor(imageId: string) {
    super("ERR_PLACEMENT", `image ${imageId} was deleted meanwhile`, { imageId });
  }
}

export interface GlancePlacementOptions {
  copyTimeoutMs: number;
  pollIntervalMs: number;
}

const hasLock = (image: Image): boolean => (image.os_glance_import_task ?? "") !== "";

export function glancePlacement(c: GlanceClient, o: GlancePlacementOptions): PlacementOps {
  const gone = (id: string) => (err: unknown): never => {
    throw isStatus(err, 404) ? new ImageGoneError(id) : err;
  };
  const fetch = (id: string): Promise<Image> => getImage(c, id).catch(gone(id));
  const wait = (id: string, allowFailedStores: boolean): Promise<Image> =>
    waitForImport(c, id, { timeoutMs: o.copyTimeoutMs, intervalMs: o.pollIntervalMs, allowFailedStores }).catch(gone(id));

  const copy = async (id: string, store: string, retried = false): Promise<string[]> => {
    try {
      await importImage(c, id, { method: "copy-image", stores: [store], allStoresMustSucceed: false });
    } catch (err) {
      if (isStatus(err, 403)) throw new CopyForbiddenError(id, store, err.serviceMessage);
      if (isStatus(err, 404)) throw new ImageGoneError(id);
      // Someone else copied it meanwhile: "Image is already present at store 'x'".
      if (isStatus(err, 400) && /already present/i.test(err.serviceMessage)) return imageStores(await fetch(id));
      // Another import holds the image's lock: let it finish, then look again (once).
      if (isStatus(err, 409) && !retried) {
        const image = await fetch(id);
        const settled = hasLock(image) ? await wait(id, true) : image;
        if (imageStores(settled).includes(store)) return imageStores(settled);
        if (hasLock(image)) return copy(id, store, true);
      }
      throw err;
    }
    const stores = imageStores(await wait(id, false));
    if (!stores.includes(store)) {
      throw new StorePolicyError("ERR_PLACEMENT", `copy-image of image ${id} finished, but store "${store}" does not hold it (stores: ${stores.join(", ") || "none"})`);
    }
    return stores;
  };

  return {
    copy: (id, store) => copy(id, store),
    facts: async (id) => {
      const image = await fetch(id);
      return { status: hasLock(image) ? "importing" : image.status, stores: imageStores(image) };
    },
    remove: async (id, store) => {
      try {
        await deleteImageFromStore(c, store, id);
      } catch (err) {
        if (isStatus(err, 403)) throw new RemoveForbiddenError(id, store, err.serviceMessage);
        if (!isStatus(err, 404)) throw err;
        await fetch(id); // 404 for the store copy is fine; 404 for the image means it is gone
      }
    },
  };
}
