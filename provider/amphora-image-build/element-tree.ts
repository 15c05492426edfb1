import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

/**
 * Content digests of diskimage-builder element directories: every file's bytes and executable bit (DIB only
 * runs executable hook scripts) and every symlink's target, so that any edit a build would see changes the key.
 */

export interface ElementDigest {
  /** The elements directory the element was found in. */
  root: string;
  hash: string;
  /** Relative path → first 16 hex digits of the file's digest: enough to say how many files changed. */
  files: Record<string, string>;
}

const SKIP = new Set([".git", "__pycache__", ".tox", ".pytest_cache"]);
const MAX_FILES = 20_000;

async function fileDigest(full: string): Promise<string> {
  const st = await fs.lstat(full);
  const h = createHash("sha256");
  if (st.isSymbolicLink()) {
    h.update("link\0").update(await fs.readlink(full));
  } else {
    h.update(st.mode & 0o111 ? "exec\0" : "file\0").update(await fs.readFile(full));
  }
  return h.digest("hex").slice(0, 16);
}

async function walk(dir: string, rel: string, files: Record<string, string>): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (SKIP.has(entry.name) || entry.name.endsWith(".pyc")) continue;
    const full = path.join(dir, entry.name);
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      await walk(full, relPath, files);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      if (Object.keys(files).length >= MAX_FILES) throw new Error(`${dir} holds more than ${MAX_FILES} files`);
      files[relPath] = await fileDigest(full);
    }
  }
}

export async function digestElement(root: string, name: string): Promise<ElementDigest> {
  const files: Record<string, string> = {};
  await walk(path.join(root, name), "", files);
  const h = createHash("sha256");
  for (const [rel, digest] of Object.entries(files)) h.update(`${rel}\0${digest}\n`);
  return { root, hash: h.digest("hex"), files };
}

/**
 * Every element (sub-directory) of every root, in ELEMENTS_PATH order. When two roots hold the same element
 * name, DIB uses the first; the others get a "name@root" key so that their edits still count.
 */
export async function digestElementRoots(roots: readonly string[]): Promise<Record<string, ElementDigest>> {
  const result: Record<string, ElementDigest> = {};
  for (const root of roots) {
    let entries;
    try {
      entries = await fs.readdir(root, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw e;
    }
    const names = entries.filter((e) => e.isDirectory() && !SKIP.has(e.name)).map((e) => e.name).sort();
    for (const name of names) {
      const key = result[name] ? `${name}@${root}` : name;
      result[key] = await digestElement(root, name);
    }
  }
  return result;
}

/** How two digests of one element differ: files added, removed or modified. */
export function changedFiles(before: ElementDigest | undefined, after: ElementDigest | undefined): number {
  const a = before?.files ?? {};
  const b = after?.files ?? {};
  let n = 0;
  for (const rel of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[rel] !== b[rel]) n++;
  return n;
}
