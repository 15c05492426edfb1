import { statfsSync, watch, type FSWatcher } from "node:fs";

/**
 * Change notification for one set of element roots (inotify, through fs.watch on every directory of the tree),
 * so that a diff can take the last walk's digests without stat-ing every file again: on an unchanged tree, the
 * engine's serial diffs of many AmphoraImageBuild resources then cost one walk, not one each.
 *
 * Trusted only where inotify sees every change: a local filesystem (not NFS, CIFS or FUSE, where edits made on
 * another machine raise no event), every directory of the tree watched since before it was read, no watcher
 * error, and no event since. Anything else falls back to the exact stat walk. A directory watch reports entries
 * added, removed or renamed and files written or chmod-ed in it; deeper directories have their own watch.
 * Watches are not persistent (they never keep the provider host alive) and are dropped after any change, since a
 * replaced directory is a new inode.
 */

/** statfs f_type of filesystems whose every change reaches this machine's inotify. */
const LOCAL_FILESYSTEMS = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x794c7630, // overlayfs
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
]);

/** Watches per process, over all trees (the default inotify limit per user is 8,192 or more). */
const MAX_WATCHED = 4096;
let watchedInProcess = 0;

export class TreeWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  private changed = true;
  private usable = true;
  private complete = false;

  /** True when a complete walk was made under watch and nothing has changed since. */
  get current(): boolean {
    return this.complete && this.usable && !this.changed;
  }

  /** Before a walk: watches from before a change may be on replaced directories, so they are dropped. */
  startWalk(): void {
    if (this.changed || !this.usable) this.close();
    this.changed = false;
    this.usable = true;
    this.complete = false;
  }

  /** Watch `dir` (call before reading it). */
  add(dir: string): void {
    if (!this.usable || this.watchers.has(dir)) return;
    if (watchedInProcess >= MAX_WATCHED || !LOCAL_FILESYSTEMS.has(statfsSync(dir).type)) {
      this.usable = false;
      return;
    }
    try {
      const watcher = watch(dir, { persistent: false }, () => {
        this.changed = true;
      });
      watcher.on("error", () => {
        this.usable = false;
      });
      this.watchers.set(dir, watcher);
      watchedInProcess++;
    } catch {
      this.usable = false;
    }
  }

  /** The walk read the whole tree (a root that does not exist cannot be watched: not complete). */
  endWalk(allRootsExist: boolean): void {
    this.complete = allRootsExist;
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    watchedInProcess -= this.watchers.size;
    this.watchers.clear();
  }
}

/**
 * Lets inotify events already queued by the kernel reach their watchers: two turns of the event loop include
 * at least one poll phase, where libuv reads the inotify descriptor (a change made before this call is seen).
 */
export async function deliverPendingEvents(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}
