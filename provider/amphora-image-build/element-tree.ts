import { createHash } from "node:crypto";
import { lstatSync, promises as fs, readdirSync, readFileSync, readlinkSync, type Stats } from "node:fs";
import * as path from "node:path";

/**
 * Content digests of diskimage-builder element directories: every file's bytes and executable bit (DIB only
 * runs executable hook scripts) and every symlink's target, so that any edit a build would see changes the key.
 *
 * Speed (every diff of an AmphoraImageBuild computes the key): a file's digest is remembered for the process,
 * keyed by its path and what any write changes (device, inode, size, mode, mtime and ctime), so an
 * unchanged tree costs one lstat per file instead of a read. As in git's index, a file whose mtime or ctime is
 * less than RACY_MS old when it is read is not remembered: it could still change within the same timestamp tick.
 * The walk is synchronous: lstat and small reads of a local tree are microseconds each, and a promise per file
 * costs more than the work (1,000 files: a few ms, bounded by MAX_FILES).
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
/** Files changed less than this long ago are read again on every digest (timestamp granularity, clock skew). */
const RACY_MS = 2_000;

/** Path → digest of the version described by `version` (dropped wholesale beyond REMEMBER_MAX paths). */
const REMEMBER_MAX = 200_000;
const remembered = new Map<string, { version: string; digest: string }>();

/** Times as float ms (sub-µs resolution today); bigint stats cost a third more per file. */
const versionOf = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mode}:${st.mtimeMs}:${st.ctimeMs}`;

function fileDigest(full: string): string {
  const st = lstatSync(full);
  const version = versionOf(st);
  const known = remembered.get(full);
  if (known?.version === version) return known.digest;
  const h = createHash("sha256");
  if (st.isSymbolicLink()) {
    h.update("link\0").update(readlinkSync(full));
  } else {
    h.update(st.mode & 0o111 ? "exec\0" : "file\0").update(readFileSync(full));
  }
  const digest = h.digest("hex").slice(0, 16);
  const settled = Date.now() - RACY_MS;
  if (st.mtimeMs < settled && st.ctimeMs < settled) {
    if (remembered.size >= REMEMBER_MAX) remembered.clear();
    remembered.set(full, { version, digest });
  } else {
    remembered.delete(full);
  }
  return digest;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function walk(dir: string, rel: string, files: Record<string, string>, count: { n: number }): void {
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => byName(a.name, b.name));
  for (const entry of entries) {
    if (SKIP.has(entry.name) || entry.name.endsWith(".pyc")) continue;
    const full = path.join(dir, entry.name);
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      walk(full, relPath, files, count);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      if (++count.n > MAX_FILES) throw new Error(`${dir} holds more than ${MAX_FILES} files`);
      files[relPath] = fileDigest(full);
    }
  }
}

function digestElementSync(root: string, name: string, count: { n: number }): ElementDigest {
  const files: Record<string, string> = {};
  walk(path.join(root, name), "", files, count);
  const h = createHash("sha256");
  for (const [rel, digest] of Object.entries(files)) h.update(`${rel}\0${digest}\n`);
  return { root, hash: h.digest("hex"), files };
}

export async function digestElement(root: string, name: string): Promise<ElementDigest> {
  return digestElementSync(root, name, { n: 0 });
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
      result[key] = digestElementSync(root, name, { n: 0 });
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
