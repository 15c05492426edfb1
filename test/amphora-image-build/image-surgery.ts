import * as assert from "node:assert";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { capture } from "../../provider/builder/capture";
import { sleep } from "../../provider/common/sleep";

/**
 * Test tooling: copies of a built amphora with one thing taken away (a package's files, the kernel), to show what
 * the boot gate says about images that cannot work without building each of them. The copy is raw, edited through
 * a loop device (root); `partx -u` makes the partition's node where no udev runs (these machines).
 */

async function run(command: string, args: string[]): Promise<string> {
  const r = await capture(command, args);
  assert.strictEqual(r.exitCode, 0, `${command} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

async function partitionNode(loop: string): Promise<string> {
  const node = `${loop}p1`;
  await capture("partx", ["-u", loop]);
  for (let i = 0; i < 50; i++) {
    if (await fs.stat(node).then((s) => s.isBlockDevice(), () => false)) return node;
    await sleep(100);
  }
  throw new Error(`${node} did not appear after partx -u ${loop}`);
}

/** A raw copy of `artifact` at `dest` whose first partition (the root of a `block-device-mbr` image) `edit` changed. */
export async function editedCopy(artifact: string, format: string, dest: string, edit: (root: string) => Promise<void>): Promise<string> {
  await run("qemu-img", ["convert", "-f", format, "-O", "raw", artifact, dest]);
  const loop = await run("losetup", ["-P", "-f", "--show", dest]);
  const mnt = await fs.mkdtemp(`${dest}.mnt-`);
  try {
    await run("mount", [await partitionNode(loop), mnt]);
    try {
      assert.ok(await fs.stat(path.join(mnt, "etc", "os-release")).then(() => true, () => false), `${dest}: the first partition is not a root file system`);
      await edit(mnt);
    } finally {
      await run("umount", [mnt]);
    }
  } finally {
    await capture("losetup", ["-d", loop]);
    await fs.rmdir(mnt).catch(() => undefined);
  }
  return dest;
}

/** Deletes what dpkg installed for `pkg` (its files and links, not directories), as a removal without its scripts. */
export async function removePackageFiles(root: string, pkg: string): Promise<number> {
  const list = await fs.readFile(path.join(root, "var", "lib", "dpkg", "info", `${pkg}.list`), "utf8");
  let removed = 0;
  for (const entry of list.split("\n")) {
    if (!entry.startsWith("/") || entry === "/.") continue;
    const file = path.join(root, entry);
    // Followed: on a merged-/usr system dpkg lists /lib, /sbin, … which are links to directories every package shares.
    const stat = await fs.stat(file).catch(() => fs.lstat(file).catch(() => undefined));
    if (!stat || stat.isDirectory()) continue;
    await fs.rm(file);
    removed++;
  }
  assert.ok(removed > 0, `${pkg}: nothing to remove`);
  return removed;
}

/** Deletes every kernel in /boot; GRUB's menu still names them. */
export async function removeKernels(root: string): Promise<number> {
  const kernels = (await fs.readdir(path.join(root, "boot"))).filter((n) => n.startsWith("vmlinuz"));
  assert.ok(kernels.length > 0, "no kernel in /boot");
  for (const k of kernels) await fs.rm(path.join(root, "boot", k));
  return kernels.length;
}
