/**
 * Generates, from the zod schemas that validate the resources (provider/<resource>/inputs.ts and outputs.ts) and
 * their `.describe()` texts, the argument and attribute tables of the resource pages (docs/<resource>.md,
 * pages.ts) and the SDK classes' argument types and output properties with their TSDoc (sdk/<resource>.ts,
 * sdk.ts), so that neither the pages nor the SDK can drift from the code. Only the regions between generated
 * markers are rewritten; the rest of each file is hand-written.
 *
 *   npm run docs                                 # rewrite the generated regions of every page and SDK file
 *   npx ts-node docs/tools/generate.ts --check   # exit 1 when a committed file is stale (test/docs.test.ts does the same)
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pagePath, renderPage } from "./pages";
import { REPO_ROOT, RESOURCES } from "./schema";
import { renderSdk, sdkPath } from "./sdk";

export { pagePath, renderPage } from "./pages";
export { attributeNames, DOCS_DIR, flattenFields, REPO_ROOT, RESOURCES, sdkProperties, type ResourceReference } from "./schema";
export { renderSdk, sdkPath } from "./sdk";

/** Every generated file with how to render it. */
export function generatedFiles(): { file: string; render: (text: string) => string }[] {
  return RESOURCES.flatMap((ref) => [
    { file: pagePath(ref), render: (text: string) => renderPage(ref, text) },
    { file: sdkPath(ref), render: (text: string) => renderSdk(ref, text) },
  ]);
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  let stale = 0;
  for (const { file, render } of generatedFiles()) {
    const before = readFileSync(file, "utf8");
    const after = render(before);
    if (before === after) continue;
    stale++;
    if (check) console.error(`${path.relative(REPO_ROOT, file)} is stale: run npm run docs`);
    else {
      writeFileSync(file, after);
      console.log(`updated ${path.relative(REPO_ROOT, file)}`);
    }
  }
  return check && stale ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
