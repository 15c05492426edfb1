/**
 * What the generators (docs/tools/generate.ts) read from the zod schemas that validate the resources
 * (provider/<resource>/inputs.ts and outputs.ts): every field with its type, default, bounds and `.describe()`
 * text, nested fields included. The docs' tables (pages.ts) and the SDK's declarations (sdk.ts) are both made
 * from these rows, so neither can drift from the schemas.
 *
 * Every field, nested fields included, must have a description: a field without one is an error, so a new input
 * or output cannot reach the schema without reaching the docs and the editor.
 */
import * as path from "node:path";
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
  /** The SDK class's file, whose generated regions sdk.ts writes. */
  sdkFile: string;
  inputs: () => z.ZodObject;
  outputs: () => z.ZodObject;
  /** Inputs the SDK class sets itself (not part of its Args type). */
  setBySdk: readonly string[];
  /** Inputs of which exactly one is given (check refuses none and several): the Args type is a union over them. */
  oneOf?: readonly string[];
  /** Object inputs whose fields are each an `Input` too, because other resources' outputs feed them. */
  inputPerField?: readonly string[];
  /** Outputs kept in state for the provider's own use: not properties of the SDK class. */
  stateOnly: readonly string[];
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
    stateOnly: ["keyParts", "rootPasswordDigest"],
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
    oneOf: ["file", "url", "imageId", "importFrom"],
    inputPerField: ["importFrom"],
    stateOnly: ["attributes", "adopted"],
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
    stateOnly: [],
    groups: [{ title: "Arguments" }],
  },
  {
    name: "AmphoraFleetRotation",
    page: "amphora-fleet-rotation.md",
    sdkFile: "sdk/amphora-fleet-rotation.ts",
    inputs: amphoraFleetRotationInputsSchema,
    outputs: amphoraFleetRotationOutputsSchema,
    setBySdk: [],
    stateOnly: [],
    groups: [
      { title: "Target and selection" },
      { title: "Rollout", fields: ["canary", "batchSize", "concurrency", "pauseSeconds", "includeErrored", "allowStandalone", "healthGate", "timeouts", "pageSize"] },
    ],
  },
];

/** The part of JSON Schema that z.toJSONSchema produces for these schemas. */
export interface JsonSchema {
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

export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
}

export function typeOf(s: JsonSchema): string {
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

export const code = (text: string): string => `\`${text}\``;

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
export function constraints(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.enum) parts.push(s.enum.length === 1 ? `Only ${code(String(s.enum[0]))}.` : `One of ${s.enum.map((v) => code(String(v))).join(", ")}.`);
  const numbers = range(s.minimum, s.maximum, s.exclusiveMinimum);
  if (numbers) parts.push(`Range ${numbers}.`);
  if (s.maxLength !== undefined) parts.push(`At most ${s.maxLength} characters.`);
  if (s.minItems !== undefined && s.minItems > 0) parts.push(`At least ${s.minItems} ${s.minItems === 1 ? "entry" : "entries"}.`);
  if (s.format === "uuid") parts.push("A UUID.");
  return parts.join(" ");
}

/** A field's description with its allowed values and bounds. */
export function describeRow(row: FieldRow): string {
  return [row.description, constraints(row.schema)].filter(Boolean).join(" ");
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

/** The outputs the SDK class declares as properties: every output field but those kept for the provider alone. */
export function sdkProperties(ref: ResourceReference): string[] {
  const outputs = Object.keys(ref.outputs().shape);
  for (const name of ref.stateOnly) if (!outputs.includes(name)) throw new Error(`${ref.name}: stateOnly ${name} is not an output`);
  return outputs.filter((key) => !ref.stateOnly.includes(key));
}
