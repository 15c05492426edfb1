import { promises as fs } from "node:fs";
import * as path from "node:path";

/**
 * `NAME.d` and `NAME.build.log` are named after the output's base, which artifacts of different image types share
 * (output `amphora` → `amphora.qcow2`, `amphora.raw`, both with `amphora.d`). The engine replaces create-before-
 * delete, so after an `imageType` change the old artifact's delete runs after the new build wrote its own `NAME.d`
 * and log there. Each build therefore records in both which artifact they belong to, and delete removes them only
 * when they are its own (or record nothing: written by an older provider version, before any such replacement).
 * A replacement with the same artifact path (`pulumi up --replace`, taint) renames a new file over the artifact
 * before the old resource's delete: the old build then owns nothing there any more, which the artifact's inode
 * number, recorded by each build, tells.
 */

/** File in `NAME.d` naming the artifact the directory belongs to. */
const DOT_D_MARKER = ".amphora-artifact";
/** Line in the header of the build log naming the artifact the log belongs to. */
const LOG_PREFIX = "# artifact: ";
/** The header lines are short and first; this much of the log is enough to find the artifact line. */
const LOG_HEAD_BYTES = 64 * 1024;

export function logArtifactLine(artifact: string): string {
  return `${LOG_PREFIX}${JSON.stringify(artifact)}`;
}

/**
 * The identity of the file at `artifact` (its inode number; "" when there is none): a file renamed over it later has
 * another, since both existed at once. The device number is left out: it may change across reboots and remounts.
 */
export async function fileId(artifact: string): Promise<string> {
  const st = await fs.stat(artifact, { bigint: true }).catch(() => undefined);
  return st ? st.ino.toString() : "";
}

/** Whether `artifact` is now another file than the one whose identity a build recorded ("": not recorded, never). */
export async function supersededArtifact(artifact: string, recorded: string): Promise<boolean> {
  if (!recorded) return false;
  const now = await fileId(artifact);
  return now !== "" && now !== recorded;
}

/** Records in `dotD` (if the builder wrote one) the artifact it belongs to. */
export async function markDotD(dotD: string, artifact: string): Promise<void> {
  const st = await fs.stat(dotD).catch(() => undefined);
  if (st?.isDirectory()) await fs.writeFile(path.join(dotD, DOT_D_MARKER), `${JSON.stringify(artifact)}\n`);
}

function parseOwner(text: string): string | undefined {
  try {
    const owner: unknown = JSON.parse(text);
    return typeof owner === "string" ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** The artifact `NAME.d` says it belongs to; undefined when it names none. */
async function dotDOwner(dotD: string): Promise<string | undefined> {
  const text = await fs.readFile(path.join(dotD, DOT_D_MARKER), "utf8").catch(() => undefined);
  return text === undefined ? undefined : parseOwner(text.trim());
}

/** The artifact the build log's header names; undefined when it names none. */
async function logOwner(log: string): Promise<string | undefined> {
  const handle = await fs.open(log, "r").catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(LOG_HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, LOG_HEAD_BYTES, 0);
    const line = buffer.toString("utf8", 0, bytesRead).split("\n").slice(0, 5).find((l) => l.startsWith(LOG_PREFIX));
    return line === undefined ? undefined : parseOwner(line.slice(LOG_PREFIX.length));
  } finally {
    await handle.close();
  }
}

/**
 * Removes the artifact's `NAME.d` and build log (`base` is the output base they are named after) unless another artifact's build owns them now; prints what it
 * kept and why.
 */
export async function removeOwnSiblings(artifact: string, base: string, print: (line: string) => void): Promise<void> {
  const paths = { dotD: `${base}.d`, buildLog: `${base}.build.log` };
  const keep = (what: string, owner: string | undefined): boolean => {
    if (owner === undefined || owner === artifact) return false;
    print(`${what} kept: it belongs to ${owner} now`);
    return true;
  };
  if (!keep(paths.dotD, await dotDOwner(paths.dotD))) await fs.rm(paths.dotD, { recursive: true, force: true });
  if (!keep(paths.buildLog, await logOwner(paths.buildLog))) await fs.rm(paths.buildLog, { force: true });
}
