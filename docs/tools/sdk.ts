/**
 * The SDK classes' declarations (sdk/<resource>.ts), made from the schema rows (schema.ts) the way the docs'
 * tables are: the Args type (each argument an `Input` of exactly what `check` accepts, closed sets closed, the
 * exactly-one-of arguments a union), the output properties and the list of outputs the class registers, each
 * with its schema description as TSDoc so an editor shows it on hover and completion. The class's doc comment
 * and constructor are hand-written; the declarations live between `// generated:<region>` and
 * `// /generated:<region>` lines and are replaced whole.
 */
import * as path from "node:path";
import { replaceRegions } from "./regions";
import { describeRow, flattenFields, REPO_ROOT, sdkProperties, type FieldRow, type ResourceReference } from "./schema";

const WIDTH = 120;

/** Words wrapped into lines of at most `width` characters (a longer word stands alone). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Text as TSDoc reads it literally: no comment end, and no tag started by the prose outside `code` spans. */
const tsdocText = (text: string): string =>
  text
    .replace(/\*\//g, "*\\/")
    .split("`")
    .map((part, i) => (i % 2 ? part : part.replace(/(^|\s)([@{])/g, "$1\\$2")))
    .join("`");

/** A TSDoc comment of paragraphs; a paragraph that starts with "- " is a list item, its wrapped lines indented. */
function tsdoc(paragraphs: readonly string[], indent: string): string {
  const width = WIDTH - indent.length - 3;
  const body: string[] = [];
  let previousWasItem = false;
  for (const paragraph of paragraphs) {
    const item = paragraph.startsWith("- ");
    if (body.length && !(item && previousWasItem)) body.push("");
    const lines = item ? wrap(paragraph.slice(2), width - 2).map((l, i) => (i ? `  ${l}` : `- ${l}`)) : wrap(paragraph, width);
    body.push(...lines);
    previousWasItem = item;
  }
  if (body.length === 1 && (body[0] as string).length <= width - 3) return `${indent}/** ${body[0]} */`;
  return [`${indent}/**`, ...body.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)), `${indent} */`].join("\n");
}

/** The paragraphs documenting a top-level field: its description, its nested fields, its default. */
function fieldDoc(row: FieldRow, rows: readonly FieldRow[], io: "input" | "output"): string[] {
  const nested = rows.filter((r) => r.root === row.name && r.name !== row.name);
  const paragraphs = [tsdocText(describeRow(row))];
  for (const n of nested) {
    const name = n.name.slice(row.name.length).replace(/^\./, "");
    const fallback = io === "input" && n.default !== undefined && !n.schema.properties ? ` Default \`${JSON.stringify(n.default)}\`.` : "";
    paragraphs.push(`- \`${name}\`: ${tsdocText(describeRow(n))}${fallback}`);
  }
  if (io === "input" && row.default !== undefined && !row.schema.properties) paragraphs.push(`@defaultValue \`${JSON.stringify(row.default)}\``);
  return paragraphs;
}

function argumentMembers(ref: ResourceReference, keys: readonly string[], source: boolean): string {
  const rows = flattenFields(ref.inputs(), "input");
  return keys
    .map((key) => {
      const row = rows.find((r) => r.name === key);
      if (!row) throw new Error(`${ref.name}: ${key} is not an input`);
      const declared = `${ref.name}ArgsInput[${JSON.stringify(key)}]`;
      const inner = `NonNullable<${declared}>`;
      const perField = ref.inputPerField?.includes(key) ? `{ [K in keyof ${inner}]: pulumi.Input<${inner}[K]> }` : undefined;
      const member = source
        ? `${key}: pulumi.Input<${perField ?? inner}>;`
        : `${key}${row.required ? "" : "?"}: pulumi.Input<${perField ?? declared}>;`;
      return `${tsdoc(fieldDoc(row, rows, "input"), "  ")}\n  ${member}`;
    })
    .join("\n");
}

function argsDeclarations(ref: ResourceReference): string {
  const args = Object.keys(ref.inputs().shape).filter((k) => !ref.setBySdk.includes(k));
  const accepted = "each an `Input` of exactly what `check` accepts (closed sets stay closed)";
  if (!ref.oneOf?.length) {
    return [`/** The arguments of ${ref.name}, ${accepted}. */`, `export interface ${ref.name}Args {`, argumentMembers(ref, args, false), "}"].join("\n");
  }
  const sources = ref.oneOf;
  const common = `${ref.name}CommonArgs`;
  const sourcesType = `${ref.name}Sources`;
  const withSource = `${ref.name}ArgsWith`;
  const names = sources.map((s) => `\`${s}\``).join(", ");
  return [
    tsdoc([`The arguments of ${ref.name}: exactly one of ${names} (as \`check\` requires), and the arguments they share.`], ""),
    `export type ${ref.name}Args = ${sources.map((s) => `${withSource}<${JSON.stringify(s)}>`).join(" | ")};`,
    "",
    tsdoc([`The arguments but ${names}, ${accepted}.`], ""),
    `export interface ${common} {`,
    argumentMembers(ref, args.filter((k) => !sources.includes(k)), false),
    "}",
    "",
    `/** ${names}: exactly one is given. */`,
    `export interface ${sourcesType} {`,
    argumentMembers(ref, sources, true),
    "}",
    "",
    "/** One source given, the others absent. */",
    `type ${withSource}<S extends keyof ${sourcesType}> = ${common} &`,
    `  Pick<${sourcesType}, S> & { [K in Exclude<keyof ${sourcesType}, S>]?: never };`,
  ].join("\n");
}

function outputList(ref: ResourceReference): string {
  const names = sdkProperties(ref).map((k) => JSON.stringify(k));
  return [
    "/** The output properties: registered as undefined (unless given as arguments) so that the engine fills them in. */",
    "const OUTPUTS = [",
    ...wrap(names.join(", ") + ",", WIDTH - 2).map((l) => `  ${l}`),
    "] as const;",
  ].join("\n");
}

function properties(ref: ResourceReference): string {
  const rows = flattenFields(ref.outputs(), "output");
  return sdkProperties(ref)
    .map((key) => {
      const row = rows.find((r) => r.name === key) as FieldRow;
      return `${tsdoc(fieldDoc(row, rows, "output"), "  ")}\n  declare readonly ${key}: pulumi.Output<${ref.name}Outputs[${JSON.stringify(key)}]>;`;
    })
    .join("\n");
}

/** The generated regions of an SDK class's file, by name. */
export function sdkRegions(ref: ResourceReference): Record<string, string> {
  return { declarations: `${argsDeclarations(ref)}\n\n${outputList(ref)}`, properties: properties(ref) };
}

/** The SDK file with every generated region replaced by what the schemas say now. */
export function renderSdk(ref: ResourceReference, text: string): string {
  return replaceRegions(ref.sdkFile, text, sdkRegions(ref), "typescript");
}

export function sdkPath(ref: ResourceReference): string {
  return path.join(REPO_ROOT, ref.sdkFile);
}
