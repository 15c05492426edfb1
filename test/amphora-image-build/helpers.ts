import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AmphoraImageBuildArgsInput, AmphoraImageBuildInputs } from "../../provider/amphora-image-build/inputs";
import { amphoraImageBuildInputsSchema } from "../../provider/amphora-image-build/inputs";

export { processAlive } from "../../provider/common/process";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURE_DIR = path.join(REPO_ROOT, "test", "fixtures", "diskimage-create");
export const FIXTURE_SCRIPT = path.join(FIXTURE_DIR, "octavia", "diskimage-create", "diskimage-create.sh");
export const FIXTURE_DIB = path.join(FIXTURE_DIR, "diskimage-builder", "bin", "disk-image-create");
/**
 * The fixture builders write disk images without a boot loader: builds of them switch off the boot check, which is
 * on by default for the octavia front end where QEMU is installed (as on CI's machine).
 */
export const NOT_BOOTABLE = { boot: { enabled: false } } as const;

export async function tmpDir(prefix = "amphora-build-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A private copy of the fixture "octavia checkout" + "diskimage-builder" whose elements a test may edit. */
export async function octaviaCheckout(): Promise<{ root: string; script: string; elements: string; dib: string }> {
  const root = await tmpDir("amphora-checkout-");
  await fs.cp(path.join(FIXTURE_DIR, "octavia"), path.join(root, "octavia"), { recursive: true });
  await fs.cp(path.join(FIXTURE_DIR, "diskimage-builder"), path.join(root, "diskimage-builder"), { recursive: true });
  return {
    root,
    script: path.join(root, "octavia", "diskimage-create", "diskimage-create.sh"),
    elements: path.join(root, "octavia", "elements"),
    dib: path.join(root, "diskimage-builder", "bin", "disk-image-create"),
  };
}

export function parseInputs(args: AmphoraImageBuildArgsInput): AmphoraImageBuildInputs {
  return amphoraImageBuildInputsSchema().parse(args);
}

/** Reads a FIXTURE_RECORD pair: argv and environment, NUL-separated. */
export async function readRecord(prefix: string): Promise<{ args: string[]; env: Record<string, string> }> {
  const args = (await fs.readFile(`${prefix}.args`, "utf8")).split("\0");
  args.pop();
  const env: Record<string, string> = {};
  for (const entry of (await fs.readFile(`${prefix}.env`, "utf8")).split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { args, env };
}

export async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** A print sink for buildImage/runBuild that keeps the lines. */
export function collector(): { lines: string[]; print: (line: string) => void } {
  const lines: string[] = [];
  return { lines, print: (line) => lines.push(line) };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
