import { capture, toolEnv } from "../../builder/capture";
import { ToolError } from "../../builder/errors";
import { readPartitions } from "./partitions";

/**
 * Read-only views into a built image without booting or mounting it: `tar` for rootfs archives, `debugfs` on
 * the ext2/3/4 partitions of a raw disk (qcow2 and vhd are converted to a sparse raw file first).
 */
export interface ImageContents {
  /** vmlinuz-* files under /boot (or at the top of a separate boot partition). */
  kernels(): Promise<string[]>;
  /** /var/lib/dpkg/status, or undefined when the image has none (not Debian-based). */
  dpkgStatus(): Promise<string | undefined>;
  /** Human-readable description of what was inspected, for messages. */
  describe(): string;
}

export interface TarListing {
  members: string[];
  /** GNU tar reached the end-of-archive marker (two zero blocks): the archive is not cut short. */
  complete: boolean;
  error: string;
}

export async function listTar(archive: string): Promise<TarListing> {
  const r = await capture("tar", ["-tRf", archive], { timeoutMs: 10 * 60_000, env: toolEnv() });
  const lines = r.stdout.split("\n").filter(Boolean);
  const members = lines.map((l) => l.replace(/^block \d+: /, "")).filter((m) => !m.startsWith("** "));
  const complete = r.exitCode === 0 && /\*\* Block of NULs \*\*/.test(lines[lines.length - 1] ?? "");
  return { members, complete, error: r.stderr.trim() || (complete ? "" : "no end-of-archive marker: the archive is cut short") };
}

export function tarContents(archive: string, listing: TarListing): ImageContents {
  const strip = (m: string): string => m.replace(/^\.?\//, "");
  return {
    describe: () => `tar archive ${archive}`,
    kernels: async () => listing.members.map(strip).filter((m) => /^boot\/vmlinuz-[^/]+$/.test(m)).map((m) => m.slice(5)),
    dpkgStatus: async () => {
      const member = listing.members.find((m) => strip(m) === "var/lib/dpkg/status");
      if (!member) return undefined;
      const r = await capture("tar", ["-xOf", archive, member], { timeoutMs: 5 * 60_000, env: toolEnv() });
      if (r.exitCode !== 0) throw new ToolError("tar", `cannot extract ${member} from ${archive}: ${r.stderr.trim()}`);
      return r.stdout;
    },
  };
}

/** debugfs exits 1 when the offset holds no ext filesystem, 0 (with a message) when a path does not exist. */
async function debugfs(raw: string, offset: number, request: string): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await capture("debugfs", ["-R", request, `${raw}?offset=${offset}`], { timeoutMs: 5 * 60_000, env: toolEnv() });
  const missing = /File not found|Bad magic number|while trying to open|Short read|Attempt to read block/.test(r.stderr);
  return { ok: r.exitCode === 0 && !missing, out: r.stdout, err: r.stderr };
}

/** Names in a directory (`ls -p` prints /inode/mode/uid/gid/name/size/); undefined if not ext or no such dir. */
async function listDir(raw: string, offset: number, dir: string): Promise<string[] | undefined> {
  const { ok, out } = await debugfs(raw, offset, `ls -p ${dir}`);
  if (!ok) return undefined;
  return out
    .split("\n")
    .map((l) => l.split("/")[5])
    .filter((n): n is string => !!n && n !== "." && n !== "..");
}

export async function diskContents(raw: string): Promise<ImageContents> {
  const offsets = (await readPartitions(raw)).map((p) => p.offset);
  const readable: number[] = [];
  for (const offset of offsets) if ((await listDir(raw, offset, "/")) !== undefined) readable.push(offset);
  if (readable.length === 0) {
    throw new ToolError(
      "debugfs",
      `no ext2/3/4 filesystem found at partition offsets ${offsets.join(", ")} of ${raw}; ` +
        "debugfs cannot inspect other filesystems (switch off validation.kernel/validation.packages for such images)",
    );
  }
  return {
    describe: () => `ext filesystem(s) at offset ${readable.join(", ")}`,
    kernels: async () => {
      const found: string[] = [];
      for (const offset of readable) {
        // /boot on the root filesystem, or the top of a separate boot partition.
        for (const dir of ["/boot", "/"]) {
          for (const name of (await listDir(raw, offset, dir)) ?? []) if (name.startsWith("vmlinuz-")) found.push(name);
        }
      }
      return [...new Set(found)];
    },
    dpkgStatus: async () => {
      for (const offset of readable) {
        const { ok, out } = await debugfs(raw, offset, "cat /var/lib/dpkg/status");
        if (ok && out.length > 0) return out;
      }
      return undefined;
    },
  };
}
