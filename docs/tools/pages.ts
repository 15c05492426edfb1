/**
 * The argument and attribute tables of the resource pages (docs/<resource>.md), made from the schema rows
 * (schema.ts). The prose around the tables is hand-written; the tables live between
 * `<!-- generated:<region> -->` and `<!-- /generated:<region> -->` markers and are replaced whole.
 */
import * as path from "node:path";
import { replaceRegions } from "./regions";
import { attributeNames, code, describeRow, DOCS_DIR, flattenFields, sdkProperties, type FieldRow, type ResourceReference } from "./schema";

function defaultText(row: FieldRow): string {
  if (row.default === undefined) return "";
  if (row.schema.properties) return "each field's default";
  return code(JSON.stringify(row.default));
}

/** Table cells: one line, pipes escaped. */
const cell = (text: string): string => text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");

function table(header: readonly string[], rows: readonly string[][]): string {
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(" | ")} |`);
  return lines.join("\n");
}

function argumentTables(ref: ResourceReference): string {
  const rows = flattenFields(ref.inputs(), "input");
  const topLevel = Object.keys(ref.inputs().shape);
  const named = new Set(ref.groups.flatMap((g) => g.fields ?? []));
  for (const field of named) {
    if (!topLevel.includes(field)) throw new Error(`${ref.name}: group field ${field} is not an input`);
  }
  const out: string[] = [];
  for (const group of ref.groups) {
    const members = topLevel.filter((f) => (group.fields ? group.fields.includes(f) : !named.has(f)));
    if (!members.length) continue;
    const body = rows
      .filter((r) => members.includes(r.root))
      .map((r) => [code(r.name), code(r.type), r.required ? "yes" : "no", defaultText(r), describeRow(r)]);
    if (ref.groups.length > 1) out.push(`#### ${group.title}`, "");
    out.push(table(["Argument", "Type", "Required", "Default", "Description"], body), "");
  }
  return out.join("\n").trimEnd();
}

function attributeTable(ref: ResourceReference): string {
  const attributes = attributeNames(ref);
  const declared = new Set(sdkProperties(ref));
  const body = flattenFields(ref.outputs(), "output")
    .filter((r) => attributes.includes(r.root))
    .map((r) => [code(r.name), code(r.type), declared.has(r.root) ? "yes" : "state only", describeRow(r)]);
  return table(["Attribute", "Type", "SDK property", "Description"], body);
}

function stateNote(ref: ResourceReference): string {
  const inputKeys = Object.keys(ref.inputs().shape);
  const outputKeys = Object.keys(ref.outputs().shape);
  const attributes = attributeNames(ref);
  const notKept = inputKeys.filter((k) => !outputKeys.includes(k));
  const replaced = inputKeys.filter((k) => attributes.includes(k));
  const list = (keys: readonly string[]): string => keys.map(code).join(", ");
  const lines = [
    "Every argument is also kept in the resource's state as validated (defaults applied; optional arguments that were " +
      "not set are absent)" +
      (notKept.length ? `, except ${list(notKept)}, which is never stored` : "") +
      (replaced.length ? `; ${list(replaced)} ${replaced.length === 1 ? "is" : "are"} replaced by the attribute of the same name below` : "") +
      ".",
    "The SDK class declares every kept argument and every attribute as a typed `pulumi.Output` property, documented " +
      "for the editor" +
      (ref.stateOnly.length
        ? "; attributes marked *state only* are in the stack's state (`pulumi stack export`) but not properties of the SDK class."
        : "."),
  ];
  return lines.join("\n");
}

/** The generated regions of a resource page, by name. */
export function pageRegions(ref: ResourceReference): Record<string, string> {
  return {
    arguments: argumentTables(ref),
    attributes: `${attributeTable(ref)}\n\n${stateNote(ref)}`,
  };
}

/** The page with every generated region replaced by what the schemas say now. */
export function renderPage(ref: ResourceReference, page: string): string {
  return replaceRegions(ref.page, page, pageRegions(ref), "markdown");
}

export function pagePath(ref: ResourceReference): string {
  return path.join(DOCS_DIR, ref.page);
}
