import * as assert from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import {
  attributeNames,
  DOCS_DIR,
  flattenFields,
  pagePath,
  renderPage,
  renderSdk,
  REPO_ROOT,
  RESOURCES,
  sdkPath,
  sdkProperties,
  type ResourceReference,
} from "../docs/tools/generate";
import type { AmphoraImageBuildArgsInput } from "../provider/amphora-image-build/inputs";
import type { GlanceTaggedImageArgsInput } from "../provider/glance-tagged-image/inputs";
import type { SnapshotStorePolicyArgsInput } from "../provider/snapshot-store-policy/inputs";
import type { AmphoraFleetRotationArgsInput } from "../provider/amphora-fleet-rotation/inputs";
import type { AmphoraFleetRotationArgs, AmphoraImageBuildArgs, GlanceTaggedImageArgs, SnapshotStorePolicyArgs } from "../sdk";

/**
 * The documentation (docs/) against the code, without any cloud: the resource pages' tables are what
 * docs/tools/generate.ts makes of the zod schemas now, every schema field is on its page, every `ts` example
 * type-checks against the SDK, and relative links resolve.
 */

// Inputs the SDK classes set themselves, as the generator's `setBySdk` says (checked by the compiler).
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SET_BY_SDK: Record<string, readonly string[]> = { AmphoraImageBuild: [], GlanceTaggedImage: ["resourceKey", "instanceId"], SnapshotStorePolicy: [], AmphoraFleetRotation: [] };
const _amphoraArgs: Equals<Exclude<keyof AmphoraImageBuildArgsInput, keyof AmphoraImageBuildArgs>, never> = true;
const _glanceArgs: Equals<Exclude<keyof GlanceTaggedImageArgsInput, keyof GlanceTaggedImageArgs>, "resourceKey" | "instanceId"> = true;
const _policyArgs: Equals<Exclude<keyof SnapshotStorePolicyArgsInput, keyof SnapshotStorePolicyArgs>, never> = true;
const _rotationArgs: Equals<Exclude<keyof AmphoraFleetRotationArgsInput, keyof AmphoraFleetRotationArgs>, never> = true;

function region(page: string, name: string): string {
  const m = page.match(new RegExp(`<!-- generated:${name} [^>]*-->([\\s\\S]*?)<!-- /generated:${name} -->`));
  assert.ok(m, `no generated:${name} region`);
  return m[1] as string;
}

/** The first cell of every table row: `| \`name\` | ...`. */
function tableNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] as string));
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return entry.endsWith(".md") ? [full] : [];
  });
}

/** Lines outside fenced code blocks. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split("\n").filter((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's heading anchors. */
function anchors(file: string): Set<string> {
  const slugs = new Set<string>();
  for (const line of prose(readFileSync(file, "utf8"))) {
    const m = line.match(/^#{1,6}\s+(.*?)\s*#*$/);
    if (!m) continue;
    slugs.add((m[1] as string).toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-"));
  }
  return slugs;
}

interface Snippet {
  file: string;
  code: string;
}

function tsSnippets(): Snippet[] {
  const snippets: Snippet[] = [];
  for (const file of markdownFiles(DOCS_DIR)) {
    const blocks = [...readFileSync(file, "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)];
    blocks.forEach((m, i) => snippets.push({ file: `${file}.example-${i + 1}.ts`, code: m[1] as string }));
  }
  return snippets;
}

/** Type-checks the snippets as modules of this repository, with `pulumi-amphora` mapped to the SDK sources. */
function typeCheck(snippets: readonly Snippet[]): string[] {
  const config = ts.readConfigFile(path.join(REPO_ROOT, "tsconfig.json"), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    baseUrl: REPO_ROOT,
    paths: { "pulumi-amphora": ["sdk/index.ts"] },
  };
  const virtual = new Map(snippets.map((s) => [s.file, s.code]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError, create) => {
    const text = virtual.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, language, true) : getSourceFile.call(host, f, language, onError, create);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const problems: string[] = [];
  for (const file of virtual.keys()) {
    const source = program.getSourceFile(file);
    assert.ok(source, file);
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const where = d.start !== undefined ? source.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      problems.push(`${path.relative(REPO_ROOT, file)}:${where}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    }
  }
  return problems;
}

/** What an editor shows on hover: the documentation of each property of the SDK classes and their Args types. */
function sdkHoverDocs(): Map<string, string> {
  const config = ts.readConfigFile(path.join(REPO_ROOT, "tsconfig.json"), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT);
  const index = path.join(REPO_ROOT, "sdk", "index.ts");
  const program = ts.createProgram([index], { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(index) as ts.SourceFile) as ts.Symbol;
  const docs = new Map<string, string>();
  const record = (where: string, type: ts.Type): void => {
    for (const member of type.isUnion() ? type.types : [type]) {
      for (const property of checker.getPropertiesOfType(member)) {
        const text = ts.displayPartsToString(property.getDocumentationComment(checker)).replace(/\s+/g, " ").trim();
        if (text) docs.set(`${where}.${property.name}`, text);
      }
    }
  };
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (symbol.flags & ts.SymbolFlags.Class) record(exported.name, checker.getDeclaredTypeOfSymbol(symbol));
    else if (symbol.flags & (ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Interface)) record(exported.name, checker.getDeclaredTypeOfSymbol(symbol));
  }
  return docs;
}

describe("documentation (docs/)", function () {
  this.timeout(120_000);

  for (const ref of RESOURCES) {
    describe(`${ref.name} page (docs/${ref.page})`, () => {
      const page = (): string => readFileSync(pagePath(ref), "utf8");

      it("follows the resource outline: Example Usage, Argument Reference, Attributes Reference, Notes, Import", () => {
        const headings = prose(page()).filter((l) => /^## /.test(l));
        assert.deepStrictEqual(headings, ["## Example Usage", "## Argument Reference", "## Attributes Reference", "## Notes", "## Import"]);
      });

      it("has a description for every input and output field, nested fields included", () => {
        assert.doesNotThrow(() => flattenFields(ref.inputs(), "input"));
        assert.doesNotThrow(() => flattenFields(ref.outputs(), "output"));
      });

      it("is what docs/tools/generate.ts makes of the schemas now (else run: npm run docs)", () => {
        const committed = page();
        assert.strictEqual(renderPage(ref, committed), committed);
      });

      it("lists every input field in the argument tables and every output field in a table", () => {
        const text = page();
        const args = tableNames(region(text, "arguments"));
        const attrs = tableNames(region(text, "attributes"));
        for (const key of Object.keys(ref.inputs().shape)) assert.ok(args.has(key), `argument ${key} missing`);
        for (const row of flattenFields(ref.inputs(), "input")) assert.ok(args.has(row.name), `argument ${row.name} missing`);
        for (const key of Object.keys(ref.outputs().shape)) assert.ok(args.has(key) || attrs.has(key), `output ${key} missing`);
        const attributes = attributeNames(ref);
        for (const key of attributes) assert.ok(attrs.has(key), `attribute ${key} missing`);
        for (const row of flattenFields(ref.outputs(), "output").filter((r) => attributes.includes(r.root))) {
          assert.ok(attrs.has(row.name), `attribute ${row.name} missing`);
        }
      });

      it(`${ref.sdkFile} declares what docs/tools/generate.ts makes of the schemas now (else run: npm run docs)`, () => {
        const committed = readFileSync(sdkPath(ref), "utf8");
        assert.strictEqual(renderSdk(ref, committed), committed);
      });

      it("the SDK class declares every output but the state-only ones, each documented, and registers them", () => {
        const sdk = readFileSync(sdkPath(ref), "utf8");
        const declared = [...sdk.matchAll(/\*\/\n {2}declare readonly (\w+): pulumi\.Output</g)].map((m) => m[1]);
        assert.deepStrictEqual(declared, sdkProperties(ref));
        for (const key of ref.stateOnly) assert.ok(Object.keys(ref.outputs().shape).includes(key), `stateOnly ${key} is an output`);
        assert.match(sdk, /for \(const key of OUTPUTS\) if \(!\(key in props\)\) props\[key\] = undefined;/);
        assert.deepStrictEqual([...ref.setBySdk], [...(SET_BY_SDK[ref.name] ?? ["?"])]);
      });
    });
  }

  it("the generator refuses a page or an SDK file without its markers", () => {
    const ref = RESOURCES[0] as ResourceReference;
    assert.throws(() => renderPage(ref, "# no tables\n"), /missing <!-- generated:arguments/);
    assert.throws(() => renderSdk(ref, "export class X {}\n"), /missing \/\/ generated:declarations/);
  });

  it("an editor shows each schema description on the SDK's arguments and properties (TSDoc)", () => {
    const docs = sdkHoverDocs();
    const flat = (text: string): string => text.replace(/\s+/g, " ").trim();
    const missing: string[] = [];
    for (const ref of RESOURCES) {
      const rows = flattenFields(ref.inputs(), "input");
      for (const key of Object.keys(ref.inputs().shape).filter((k) => !ref.setBySdk.includes(k))) {
        const description = flat(rows.find((r) => r.name === key)?.description ?? "?");
        if (!docs.get(`${ref.name}Args.${key}`)?.startsWith(description)) missing.push(`${ref.name}Args.${key}`);
      }
      const outputRows = flattenFields(ref.outputs(), "output");
      for (const key of sdkProperties(ref)) {
        const description = flat(outputRows.find((r) => r.name === key)?.description ?? "?");
        if (!docs.get(`${ref.name}.${key}`)?.startsWith(description)) missing.push(`${ref.name}.${key}`);
      }
    }
    assert.deepStrictEqual(missing, []);
  });

  it("every ts example on every page type-checks against the SDK", () => {
    const snippets = tsSnippets();
    for (const ref of RESOURCES) assert.ok(snippets.some((s) => s.file.startsWith(pagePath(ref))), `${ref.page} has no ts example`);
    for (const s of snippets) assert.match(s.code, /from "pulumi-amphora"/, `${s.file} does not use the package`);
    assert.deepStrictEqual(typeCheck(snippets), []);
  });

  it("relative links between the pages and from README.md resolve, anchors included", () => {
    const broken: string[] = [];
    for (const file of [...markdownFiles(DOCS_DIR), path.join(REPO_ROOT, "README.md")]) {
      for (const line of prose(readFileSync(file, "utf8"))) {
        for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          const link = m[1] as string;
          if (/^[a-z]+:/i.test(link)) continue;
          const [target = "", anchor] = link.split("#");
          const resolved = target ? path.resolve(path.dirname(file), target) : file;
          let ok: boolean;
          try {
            statSync(resolved);
            ok = anchor === undefined || !resolved.endsWith(".md") || anchors(resolved).has(anchor);
          } catch {
            ok = false;
          }
          if (!ok) broken.push(`${path.relative(REPO_ROOT, file)}: ${link}`);
        }
      }
    }
    assert.deepStrictEqual(broken, []);
  });
});
