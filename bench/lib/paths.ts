import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * The repository root: the nearest directory above this file whose package.json is pulumi-amphora's. The bench
 * runs compiled from node_modules/.cache/pulumi-amphora-bench/ and, in tests, from bench/ through ts-node.
 */
export function repoRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "pulumi-amphora") return dir;
    if (path.dirname(dir) === dir) throw new Error(`no pulumi-amphora package.json above ${from}`);
  }
}
