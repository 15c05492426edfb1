import { createHash } from "node:crypto";
import { lstatSync, promises as fs, readdirSync, readFileSync, readlinkSync, type Stats } from "node:fs";
import * as path from "node:path";
import { deliverPendingEvents, TreeWatch } from "./tree-watch";

/**
 * Content digests of diskimage-builder element directories: every file's bytes and executable bit (DIB only
 * runs executable hook scripts) and every symlink's target, so that any edit a build would see changes the key.
 *
 * Speed (every diff of an AmphoraImageBuild computes the key): a file's digest is remembered for the process,
 * keyed by its path and what any write changes (device, inode, size, mode, mtime and ctime), so an
 * unchanged tree costs one lstat per file instead of a read. As in git's index, a file whose mtime or ctime is
 * less than RACY_MS old when it is read is not remembered: it could still change within the same timestamp tick.
 * Directory listings are remembered the same way. The walk is synchronous: lstat and small reads of a local tree
 * are microseconds each, and a promise per file costs more than the work (1,000 files: ~3 ms, bounded by
 * MAX_FILES). On a local filesystem the tree is also watched (tree-watch.ts): while no change was notified, the
 * last walk's result is returned without a walk.
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

/** What any write changes. Times as float ms (sub-µs resolution today); bigint stats cost a third more per file. */
interface Version {
  dev: number;
  ino: number;
  size: number;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
}

const versionOf = (st: Stats): Version => ({ dev: st.dev, ino: st.ino, size: st.size, mode: st.mode, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
const sameVersion = (v: Version, st: Stats): boolean =>
  v.mtimeMs === st.mtimeMs && v.ctimeMs === st.ctimeMs && v.ino === st.ino && v.size === st.size && v.dev === st.dev && v.mode === st.mode;

/** Path → digest of the version it was read at (dropped wholesale beyond REMEMBER_MAX paths). */
const REMEMBER_MAX = 200_000;
const remembered = new Map<string, { version: Version; digest: string }>();
const counts = { walks: 0, filesRead: 0 };

/** Full walks made and files read by this process (tests and the benchmark tell cache hits by them). */
export function treeStats(): { walks: number; filesRead: number } {
  return { ...counts };
}

/** One walk of one element: how many files, whether everything in it was as remembered, the tree's watch. */
interface WalkState {
  n: number;
  allKnown: boolean;
  watch: TreeWatch | undefined;
}

function fileDigest(full: string, state: WalkState): string {
  const st = lstatSync(full);
  const known = remembered.get(full);
  if (known && sameVersion(known.version, st)) return known.digest;
  state.allKnown = false;
  counts.filesRead++;
  const version = versionOf(st);
  const h = createHash("sha256");
  if (st.isSymbolicLink()) {
    h.update("link\0").update(readlinkSync(full));
  } else {
    h.update(st.mode & 0o111 ? "exec\0" : "file\0").update(readFileSync(full));
  }
  const digest = h.digest("hex").slice(0, 16);
  rememberIfSettled(remembered, full, st, { version, digest });
  return digest;
}

/** Keeps `value` for `key` unless `st` changed within RACY_MS (then drops it); bounded by REMEMBER_MAX. */
function rememberIfSettled<V>(map: Map<string, V>, key: string, st: Stats, value: V): void {
  const settled = Date.now() - RACY_MS;
  if (st.mtimeMs < settled && st.ctimeMs < settled) {
    if (map.size >= REMEMBER_MAX) map.clear();
    map.set(key, value);
  } else {
    map.delete(key);
  }
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Listing {
  version: Version;
  dirs: string[];
  files: string[];
}

/**
 * Directory → its sorted sub-directories and files, for the version of the directory they were read at: adding,
 * removing or renaming an entry changes the directory's mtime and ctime, so a settled, unchanged directory is
 * not read again (the same racy rule as for files).
 */
const listings = new Map<string, Listing>();

function listing(dir: string, state: WalkState): Listing {
  state.watch?.add(dir);
  const st = lstatSync(dir);
  const known = listings.get(dir);
  if (known && sameVersion(known.version, st)) return known;
  state.allKnown = false;
  const version = versionOf(st);
  const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => !SKIP.has(e.name) && !e.name.endsWith(".pyc"));
  entries.sort((a, b) => byName(a.name, b.name));
  const fresh: Listing = {
    version,
    dirs: entries.filter((e) => e.isDirectory()).map((e) => e.name),
    files: entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name),
  };
  rememberIfSettled(listings, dir, st, fresh);
  return fresh;
}

function walk(dir: string, rel: string, files: Record<string, string>, state: WalkState): void {
  const { dirs, files: names } = listing(dir, state);
  // Files and sub-directories interleave by name, as one sorted listing would give them.
  let d = 0;
  let f = 0;
  while (d < dirs.length || f < names.length) {
    const dirName = dirs[d];
    const fileName = names[f];
    if (fileName === undefined || (dirName !== undefined && dirName < fileName)) {
      const name = dirName as string;
      d++;
      walk(`${dir}/${name}`, rel ? `${rel}/${name}` : name, files, state);
    } else {
      f++;
      if (++state.n > MAX_FILES) throw new Error(`${dir} holds more than ${MAX_FILES} files`);
      files[rel ? `${rel}/${fileName}` : fileName] = fileDigest(`${dir}/${fileName}`, state);
    }
  }
}

/**
 * Element directory → its digest from the last complete walk. A walk that finds every listing and every file as
 * remembered returns it instead of hashing the file list again (dropped at the start of each walk, so a walk
 * that fails half-way leaves none behind).
 */
const lastDigests = new Map<string, ElementDigest>();

function digestElementSync(root: string, name: string, watch?: TreeWatch): ElementDigest {
  const dir = path.join(root, name);
  const last = lastDigests.get(dir);
  lastDigests.delete(dir);
  const state: WalkState = { n: 0, allKnown: true, watch };
  const files: Record<string, string> = {};
  walk(dir, "", files, state);
  let digest: ElementDigest;
  if (state.allKnown && last?.root === root) {
    digest = last;
  } else {
    const h = createHash("sha256");
    for (const [rel, d] of Object.entries(files)) h.update(`${rel}\0${d}\n`);
    digest = { root, hash: h.digest("hex"), files };
  }
  if (lastDigests.size >= REMEMBER_MAX) lastDigests.clear();
  lastDigests.set(dir, digest);
  return digest;
}

/** Walks in progress by their roots: diffs of several resources reading the same tree at once share one walk. */
const walking = new Map<string, Promise<Record<string, ElementDigest>>>();
/** Per set of roots: its watch, and the result of the last walk made under it (see tree-watch.ts). */
const watched = new Map<string, { watch: TreeWatch; result?: Record<string, ElementDigest> }>();

/**
 * Every element (sub-directory) of every root, in ELEMENTS_PATH order. When two roots hold the same element
 * name, DIB uses the first; the others get a "name@root" key so that their edits still count.
 * A call made while a walk of the same roots is under way gets that walk's result; a later call gets the last
 * result only while the tree's watch says nothing changed (tree-watch.ts), else it walks again.
 */
export function digestElementRoots(roots: readonly string[]): Promise<Record<string, ElementDigest>> {
  const key = JSON.stringify(roots);
  let walk = walking.get(key);
  if (!walk) {
    walk = digestWatched(key, roots).finally(() => walking.delete(key));
    walking.set(key, walk);
  }
  return walk;
}

async function digestWatched(key: string, roots: readonly string[]): Promise<Record<string, ElementDigest>> {
  let entry = watched.get(key);
  if (!entry) {
    entry = { watch: new TreeWatch() };
    watched.set(key, entry);
  }
  if (entry.result) {
    await deliverPendingEvents();
    if (entry.watch.current) return entry.result;
  }
  entry.result = undefined;
  entry.watch.startWalk();
  const { result, allRootsExist } = await digestRoots(roots, entry.watch);
  entry.watch.endWalk(allRootsExist);
  if (entry.watch.current) entry.result = result;
  return result;
}

async function digestRoots(roots: readonly string[], watch: TreeWatch): Promise<{ result: Record<string, ElementDigest>; allRootsExist: boolean }> {
  counts.walks++;
  const result: Record<string, ElementDigest> = {};
  let allRootsExist = true;
  for (const root of roots) {
    let entries;
    try {
      watch.add(root);
      entries = await fs.readdir(root, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        allRootsExist = false;
        continue;
      }
      throw e;
    }
    const names = entries.filter((e) => e.isDirectory() && !SKIP.has(e.name)).map((e) => e.name).sort();
    for (const name of names) {
      const key = result[name] ? `${name}@${root}` : name;
      result[key] = digestElementSync(root, name, watch);
    }
  }
  return { result, allRootsExist };
}

/** How two digests of one element differ: files added, removed or modified. */
export function changedFiles(before: ElementDigest | undefined, after: ElementDigest | undefined): number {
  const a = before?.files ?? {};
  const b = after?.files ?? {};
  let n = 0;
  for (const rel of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[rel] !== b[rel]) n++;
  return n;
}
