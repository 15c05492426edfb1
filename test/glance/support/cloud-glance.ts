/**
 * Helpers for the `@cloud` Glance tests: clients per local cloud, unique names, random image data, an image
 * tracker that deletes everything a test created (as admin, ignoring 404), and a file server on 127.0.0.1 for
 * web-download.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deleteImage, getImage, replaceAttribute, updateImage } from "../../../provider/glance/images";
import { isStatus } from "../../../provider/openstack/errors";
import { glanceFor, localCloudDir } from "../../support/cloud";

export { glanceFor };

/** Unique per test run: goes into names and tags so parallel runs never see each other's images. */
export const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

let counter = 0;
/** `glance-test-<runId>-<label>-<n>` */
export const uniqueName = (label: string): string => `glance-test-${runId}-${label}-${++counter}`;

export const md5 = (data: Buffer): string => createHash("md5").update(data).digest("hex");
export const sha512 = (data: Buffer): string => createHash("sha512").update(data).digest("hex");

/** Polling interval used by the tests' waits (Glance on loopback is fast). */
export const FAST_POLL = { intervalMs: 150, timeoutMs: 30_000 };

/** Remembers images (and files) a suite created and removes them in `after`. */
export class Cleanup {
  private readonly images = new Set<string>();
  private readonly paths = new Set<string>();

  image<T extends { id: string }>(image: T): T {
    this.images.add(image.id);
    return image;
  }

  path(path: string): string {
    this.paths.add(path);
    return path;
  }

  async run(): Promise<void> {
    const admin = await glanceFor("local-admin");
    for (const id of this.images) {
      try {
        const image = await getImage(admin, id);
        if (image.protected) await updateImage(admin, id, [replaceAttribute("protected", false)]);
        await deleteImage(admin, id);
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    }
    this.images.clear();
    for (const path of this.paths) await rm(path, { recursive: true, force: true });
    this.paths.clear();
  }
}

/** Writes `data` to a fresh temp file (registered with `cleanup`). */
export async function tempFile(cleanup: Cleanup, data: Buffer): Promise<string> {
  const dir = cleanup.path(await mkdtemp(join(tmpdir(), "glance-test-")));
  const path = join(dir, "image.raw");
  await writeFile(path, data);
  return path;
}

/** Serves `files` (path → bytes) on 127.0.0.1, anything else 404; for web-download. */
export async function startFileServer(files: Record<string, Buffer>): Promise<{ url(path: string): string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    const data = files[req.url ?? ""];
    if (!data) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(data.length) }).end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `filesystem_store_datadir` of a store, read from the local Glance's config. */
export function storeDataDir(store: string): string {
  const conf = readFileSync(join(localCloudDir, "etc", "glance-api.conf"), "utf8");
  const section = new RegExp(`^\\[${store}\\]\\s*$([\\s\\S]*?)(?=^\\[|$(?![\\s\\S]))`, "m").exec(conf)?.[1] ?? "";
  const dir = /^\s*filesystem_store_datadir\s*=\s*(.+?)\s*$/m.exec(section)?.[1];
  if (!dir) throw new Error(`no filesystem_store_datadir for store ${store} in glance-api.conf`);
  return dir;
}
