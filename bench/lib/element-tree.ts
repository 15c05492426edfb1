/**
 * A private copy of the fixture Octavia checkout (test/fixtures/diskimage-create) whose elements are filled up to
 * a given number of files: hook scripts of a few hundred bytes, some executable, some symlinks, in nested
 * directories, like a real elements tree.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "./paths";

export interface Checkout {
  root: string;
  script: string;
  elements: string;
  files: number;
}

export const FIXTURE_DIR = path.join(repoRoot(), "test", "fixtures", "diskimage-create");

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    n += entry.isDirectory() ? await countFiles(path.join(dir, entry.name)) : 1;
  }
  return n;
}

const HOOK_DIRS = ["install.d", "post-install.d", "pre-install.d", "root.d", "finalise.d", "environment.d", "static/etc/octavia"];

export async function checkoutWithElementTree(files: number): Promise<Checkout> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "pulumi-amphora-bench-checkout-"));
  await fs.cp(path.join(FIXTURE_DIR, "octavia"), path.join(root, "octavia"), { recursive: true });
  await fs.cp(path.join(FIXTURE_DIR, "diskimage-builder"), path.join(root, "diskimage-builder"), { recursive: true });
  const elements = path.join(root, "octavia", "elements");
  const names = (await fs.readdir(elements)).sort();
  let n = await countFiles(elements);
  for (let i = 0; n < files; i++, n++) {
    const element = names[i % names.length] as string;
    const dir = path.join(elements, element, HOOK_DIRS[Math.floor(i / names.length) % HOOK_DIRS.length] as string);
    await fs.mkdir(dir, { recursive: true });
    const name = `${String(10 + (i % 90)).padStart(2, "0")}-bench-${i}`;
    if (i % 50 === 49) {
      await fs.symlink(`../install.d/${name}`, path.join(dir, name));
    } else {
      const body = `#!/bin/bash\n# generated hook ${i}\nset -eu\n${"echo configuring step\n".repeat(1 + (i % 20))}`;
      await fs.writeFile(path.join(dir, name), body, { mode: i % 3 === 0 ? 0o644 : 0o755 });
    }
  }
  return { root, script: path.join(root, "octavia", "diskimage-create", "diskimage-create.sh"), elements, files: await countFiles(elements) };
}
