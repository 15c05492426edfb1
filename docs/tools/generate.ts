/**
 * Generates the argument and attribute tables of the resource pages (docs/<resource>.md) from the zod schemas
 * that validate the resources (provider/<resource>/inputs.ts and outputs.ts) and from their `.describe()` texts,
 * so that the pages cannot drift from the code. The prose around the tables is hand-written; the tables live
 * between `<!-- generated:<region> -->` and `<!-- /generated:<region> -->` markers and are replaced whole.
 *
 *   npx ts-node docs/tools/generate.ts           # rewrite the generated regions of every resource page
 *   npx ts-node docs/tools/generate.ts --check   # exit 1 when a committed page is stale (test/docs.test.ts does the same)
 *
 * Every field, nested fields included, must have a description: a field without one is an error, so a new input
 * or output cannot reach the schema without reaching the docs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { z } from "zod";
import { DIB_ONLY, OCTAVIA_ONLY } from "../../provider/amphora-image-build/input-rules";
import { amphoraImageBuildInputsSchema } from "../../provider/amphora-image-build/inputs";
import { amphoraImageBuildOutputsSchema } from "../../provider/amphora-image-build/outputs";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { glanceTaggedImageOutputsSchema } from "../../provider/glance-tagged-image/outputs";
import { snapshotStorePolicyInputsSchema } from "../../provider/snapshot-store-policy/inputs";
import { snapshotStorePolicyOutputsSchema } from "../../provider/snapshot-store-policy/outputs";
import { amphoraFleetRotationInputsSchema } from "../../provider/amphora-fleet-rotation/inputs";
import { amphoraFleetRotationOutputsSchema } from "../../provider/amphora-fleet-rotation/outputs";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const DOCS_DIR = path.join(REPO_ROOT, "docs");

/** A group of arguments shown as one table; the group without `fields` takes every field no other group names. */
export interface ArgumentGroup {
  title: string;
  fields?: readonly string[];
}

export interface ResourceReference {
  /** SDK class name. */
  name: string;
  /** Page under docs/. */
  page: string;
  /** The SDK class's file, read for the properties it declares. */
  sdkFile: string;
  inputs: () => z.ZodObject;
  outputs: () => z.ZodObject;
  /** Inputs the SDK class sets itself (not part of its Args type). */
  setBySdk: readonly string[];
  groups: readonly ArgumentGroup[];
}

export const RESOURCES: readonly ResourceReference[] = [
  {
    name: "AmphoraImageBuild",
    page: "amphora-image-build.md",
    sdkFile: "sdk/amphora-image-build.ts",
    inputs: amphoraImageBuildInputsSchema,
    outputs: amphoraImageBuildOutputsSchema,
    setBySdk: [],
    groups: [
      { title: "Both front ends" },
      { title: "octavia front end only (diskimage-create.sh)", fields: OCTAVIA_ONLY },
      { title: "dib front end only (disk-image-create)", fields: DIB_ONLY },
      {
        title: "How the provider runs and checks the build (never part of the build key)",
        fields: ["validation", "timeoutSeconds", "progressIntervalSeconds", "retainOnDelete"],
      },
    ],
  },
  {
    name: "GlanceTaggedImage",
    page: "glance-tagged-image.md",
    sdkFile: "sdk/glance-tagged-image.ts",
    inputs: glanceTaggedImageInputsSchema,
    outputs: glanceTaggedImageOutputsSchema,
    setBySdk: ["resourceKey", "instanceId"],
    groups: [
      { title: "Tag and image attributes" },
      { title: "Source (exactly one of file, url, imageId, importFrom)", fields: ["file", "url", "imageId", "importFrom", "expectedSha256", "expectedSha512", "importMethod"] },
      { title: "Stores", fields: ["stores", "allStoresMustSucceed"] },
      { title: "Lifecycle", fields: ["keepFailedImages", "retention", "keepLastTaggedImage", "timeouts"] },
      { title: "Set by the SDK class and check", fields: ["resourceKey", "instanceId"] },
    ],
  },
  {
    name: "SnapshotStorePolicy",
    page: "snapshot-store-policy.md",
    sdkFile: "sdk/snapshot-store-policy.ts",
    inputs: snapshotStorePolicyInputsSchema,
    outputs: snapshotStorePolicyOutputsSchema,
    setBySdk: [],
    groups: [{ title: "Arguments" }],
  },
  {
    name: "AmphoraFleetRotation",
    page: "amphora-fleet-rotation.md",
    sdkFile: "sdk/amphora-fleet-rotation.ts",
    inputs: amphoraFleetRotationInputsSchema,
    outputs: amphoraFleetRotationOutputsSchema,
    setBySdk: [],
    groups: [
      { title: "Target and selection" },
      { title: "Rollout", fields: ["canary", "batchSize", "concurrency", "pauseSeconds", "includeErrored", "allowStandalone", "healthGate", "timeouts", "pageSize"] },
    ],
  },
];

/** The part of JSON Schema that z.toJSONSchema produces for these schemas. */
interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
}

/** One row of a table: a field, nested fields as `parent.child`, `list[].child` or `map.*.child`. */
export interface FieldRow {
  name: string;
  /** The top-level field it belongs to. */
  root: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
  schema: JsonSchema;
}

function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return typeof s.enum[0] === "number" ? "number" : "string";
  switch (s.type) {
    case "array":
      return `${s.items ? typeOf(s.items) : "any"}[]`;
    case "object":
      if (s.properties) return "object";
      return typeof s.additionalProperties === "object" ? `Record<string, ${typeOf(s.additionalProperties)}>` : "object";
    case "string":
    case "number":
    case "integer":
    case "boolean":
      return s.type;
    default:
      return "any";
  }
}

/** Flattens an object schema into rows, nested objects (also inside arrays and maps) included. */
export function flattenFields(schema: z.ZodType, io: "input" | "output"): FieldRow[] {
  const rows: FieldRow[] = [];
  const walk = (obj: JsonSchema, prefix: string, root: string | undefined): void => {
    const required = new Set(obj.required ?? []);
    for (const [key, prop] of Object.entries(obj.properties ?? {})) {
      const name = `${prefix}${key}`;
      const description = (prop.description ?? "").trim();
      if (!description) throw new Error(`${name} has no description: add .describe("...") to its zod schema`);
      rows.push({
        name,
        root: root ?? key,
        type: typeOf(prop),
        required: required.has(key),
        ...(prop.default !== undefined ? { default: prop.default } : {}),
        description,
        schema: prop,
      });
      const map = typeof prop.additionalProperties === "object" ? prop.additionalProperties : undefined;
      if (prop.properties) walk(prop, `${name}.`, root ?? key);
      else if (prop.items?.properties) walk(prop.items, `${name}[].`, root ?? key);
      else if (map?.properties) walk(map, `${name}.*.`, root ?? key);
    }
  };
  walk(jsonSchemaOf(schema, io), "", undefined);
  return rows;
}

const code = (text: string): string => `\`${text}\``;

function range(minimum: number | undefined, maximum: number | undefined, exclusiveMin: number | undefined): string | undefined {
  // z.number().int() adds the safe-integer bounds: not worth a mention.
  const min = minimum !== undefined && minimum > Number.MIN_SAFE_INTEGER ? minimum : undefined;
  const max = maximum !== undefined && maximum < Number.MAX_SAFE_INTEGER ? maximum : undefined;
  const low = exclusiveMin !== undefined ? `> ${exclusiveMin}` : min !== undefined ? `≥ ${min}` : undefined;
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  if (low && max !== undefined) return `${low}, ≤ ${max}`;
  return low ?? (max !== undefined ? `≤ ${max}` : undefined);
}

/** Allowed values and bounds, appended to the description. */
function constraints(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.enum) parts.push(s.enum.length === 1 ? `Only ${code(String(s.enum[0]))}.` : `One of ${s.enum.map((v) => code(String(v))).join(", ")}.`);
  const numbers = range(s.minimum, s.maximum, s.exclusiveMinimum);
  if (numbers) parts.push(`Range ${numbers}.`);
  if (s.maxLength !== undefined) parts.push(`At most ${s.maxLength} characters.`);
  if (s.minItems !== undefined && s.minItems > 0) parts.push(`At least ${s.minItems} ${s.minItems === 1 ? "entry" : "entries"}.`);
  if (s.format === "uuid") parts.push("A UUID.");
  return parts.join(" ");
}

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

/** Names of the properties the SDK class declares (`declare readonly x: pulumi.Output<...>`). */
export function sdkDeclaredProperties(sdkFile: string): string[] {
  const file = path.join(REPO_ROOT, sdkFile);
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  source.forEachChild((node) => {
    if (!ts.isClassDeclaration(node)) return;
    for (const member of node.members) {
      if (ts.isPropertyDeclaration(member) && ts.isIdentifier(member.name)) names.push(member.name.text);
    }
  });
  return names;
}

function describeRow(row: FieldRow): string {
  return [row.description, constraints(row.schema)].filter(Boolean).join(" ");
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

/** Output fields that are not plain copies of an input: new fields, and inputs whose output differs (e.g. `stores`). */
export function attributeNames(ref: ResourceReference): string[] {
  const inputs = ref.inputs().shape as Record<string, z.ZodType>;
  const outputs = ref.outputs().shape as Record<string, z.ZodType>;
  return Object.keys(outputs).filter((key) => {
    const input = inputs[key];
    const output = outputs[key] as z.ZodType;
    return !input || JSON.stringify(jsonSchemaOf(input, "output")) !== JSON.stringify(jsonSchemaOf(output, "output"));
  });
}

function attributeTable(ref: ResourceReference): string {
  const attributes = attributeNames(ref);
  const declared = new Set(sdkDeclaredProperties(ref.sdkFile));
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
  const declared = sdkDeclaredProperties(ref.sdkFile).filter((p) => inputKeys.includes(p) && !attributes.includes(p));
  const list = (keys: readonly string[]): string => keys.map(code).join(", ");
  const lines = [
    "Every argument is also kept in the resource's state as validated (defaults applied; optional arguments that were " +
      "not set are absent)" +
      (notKept.length ? `, except ${list(notKept)}, which is never stored` : "") +
      (replaced.length ? `; ${list(replaced)} ${replaced.length === 1 ? "is" : "are"} replaced by the attribute of the same name below` : "") +
      ".",
    declared.length
      ? `Of the arguments, the SDK class declares ${list(declared)} as typed properties.`
      : "The SDK class declares none of the arguments as typed properties; use the values you passed in.",
    "Attributes marked *state only* are in the stack's state (`pulumi stack export`) but not properties of the SDK class.",
  ];
  return lines.join("\n");
}

/** The generated regions of a resource page, by name. */
export function regions(ref: ResourceReference): Record<string, string> {
  return {
    arguments: argumentTables(ref),
    attributes: `${attributeTable(ref)}\n\n${stateNote(ref)}`,
  };
}

const marker = (name: string): RegExp =>
  new RegExp(`(<!-- generated:${name} [^>]*-->)[\\s\\S]*?(<!-- /generated:${name} -->)`);

/** The page with every generated region replaced by what the schemas say now. */
export function renderPage(ref: ResourceReference, page: string): string {
  let out = page;
  for (const [name, content] of Object.entries(regions(ref))) {
    const re = marker(name);
    if (!re.test(out)) throw new Error(`${ref.page}: missing <!-- generated:${name} ... --> ... <!-- /generated:${name} --> markers`);
    out = out.replace(re, (_all, open: string, close: string) => `${open}\n\n${content}\n\n${close}`);
  }
  return out;
}

export function pagePath(ref: ResourceReference): string {
  return path.join(DOCS_DIR, ref.page);
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  let stale = 0;
  for (const ref of RESOURCES) {
    const file = pagePath(ref);
    const before = readFileSync(file, "utf8");
    const after = renderPage(ref, before);
    if (before === after) continue;
    stale++;
    if (check) console.error(`${path.relative(REPO_ROOT, file)} is stale: run npx ts-node docs/tools/generate.ts`);
    else {
      writeFileSync(file, after);
      console.log(`updated ${path.relative(REPO_ROOT, file)}`);
    }
  }
  return check && stale ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
