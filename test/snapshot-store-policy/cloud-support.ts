/**
 * Helpers for the `@cloud` SnapshotStorePolicy tests: Glance clients per local cloud, snapshot-like images
 * uploaded into a store, a way to make one store fail for one image, and cleanup of everything created.
 *
 * Isolation: every image carries `ssp_run=<runId>-<scenario>` and each policy filters on it
 * (`propertyFilters`), so parallel runs and other suites' images are never selected.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  createImage,
  deleteImage,
  downloadImageData,
  getImage,
  GlanceClient,
  imageStores,
  isStatus,
  uploadImageData,
} from "../../provider/glance";
import { storeDataDir } from "../glance/support/cloud-glance";
import { glanceFor } from "../support/cloud";

export { glanceFor, storeDataDir };

export const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

export interface MadeImage {
  id: string;
  /** sha512 of the uploaded bytes (Glance's os_hash_value). */
  sha512: string;
}

/** Creates and deletes test images; makes a store fail for an image by occupying its file in that store. */
export class TestImages {
  private readonly ids = new Set<string>();
  private readonly blockers = new Set<string>();

  /** A small raw image with `properties`, uploaded into `store` (PUT /file with X-Image-Meta-Store). */
  async make(c: GlanceClient, name: string, properties: Record<string, string>, store = "cheap"): Promise<MadeImage> {
    const data = randomBytes(4096);
    const image = await createImage(c, { name: `ssp-test-${runId}-${name}`, diskFormat: "raw", containerFormat: "bare", properties });
    this.ids.add(image.id);
    await uploadImageData(c, image.id, Readable.from([data]), { store, size: data.length });
    return { id: image.id, sha512: createHash("sha512").update(data).digest("hex") };
  }

  /** Makes copy-image of `id` into the file store `store` fail (Glance refuses to overwrite an existing file). */
  blockStore(store: string, id: string): void {
    const path = join(storeDataDir(store), id);
    writeFileSync(path, "occupied by a test");
    this.blockers.add(path);
  }

  async cleanup(): Promise<void> {
    for (const path of this.blockers) rmSync(path, { force: true });
    this.blockers.clear();
    const admin = await glanceFor("local-admin");
    for (const id of this.ids) {
      try {
        await deleteImage(admin, id);
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    }
    this.ids.clear();
  }
}

/** Stores holding the image, sorted. */
export async function storesOf(c: GlanceClient, id: string): Promise<string[]> {
  return imageStores(await getImage(c, id)).sort();
}

/** Downloads the image and returns the sha512 of the bytes received. */
export async function downloadedSha512(c: GlanceClient, id: string): Promise<string> {
  const download = await downloadImageData(c, id);
  const hash = createHash("sha512");
  for await (const chunk of download.stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Throws unless dist/ has this provider built no earlier than its sources (the provider host loads dist/). */
export function assertProviderBuilt(repoRoot: string): void {
  const src = join(repoRoot, "provider", "snapshot-store-policy");
  const built = join(repoRoot, "dist", "provider", "snapshot-store-policy");
  const hint = "run `npm run build && node scripts/link-self.js` first (the provider host loads dist/)";
  if (!existsSync(join(repoRoot, "node_modules", "pulumi-amphora"))) throw new Error(`pulumi-amphora is not self-linked; ${hint}`);
  for (const file of readdirSync(src).filter((f) => f.endsWith(".ts"))) {
    const js = join(built, file.replace(/\.ts$/, ".js"));
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(src, file)).mtimeMs) {
      throw new Error(`dist/provider/snapshot-store-policy/${file.replace(/\.ts$/, ".js")} is missing or older than its source; ${hint}`);
    }
  }
}
