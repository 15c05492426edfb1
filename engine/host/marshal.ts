/**
 * Property marshalling between test code and the provider host, the way the engine does it for a provider that
 * answered Configure with acceptSecrets=false (the dynamic-provider host does):
 * - secrets are sent as their plain values (the engine strips the secret wrapper);
 * - object keys whose value is `undefined` are dropped (the Node SDK drops them before they reach the engine),
 *   `undefined` array elements become null;
 * - values protobuf Structs cannot carry (functions, bigint, symbols) are rejected here with the property path.
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { structproto } from "./proto";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";

export type PropertyValue = null | boolean | number | string | PropertyValue[] | { [key: string]: PropertyValue };
export type PropertyMap = Record<string, unknown>;

export const PROVIDER_KEY = "__provider";

/** The value the engine sends for computed (not yet known) inputs during preview. */
export const UNKNOWN: string = rpc.unknownValue;

const SIG_KEY: string = rpc.specialSigKey;
const SECRET_SIG: string = rpc.specialSecretSig;

export interface SecretValue<T = unknown> {
  readonly [key: string]: unknown;
  readonly value: T;
}

/** Marks an input (or config value) as secret, in the engine's wire format. The harness strips it on send. */
export function secret<T>(value: T): SecretValue<T> {
  return { [SIG_KEY]: SECRET_SIG, value } as SecretValue<T>;
}

export function isSecret(v: unknown): v is SecretValue {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function containsSecrets(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecrets);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsSecrets);
  return false;
}

/** Removes secret wrappers and `undefined` keys; throws on values a protobuf Struct cannot carry. */
export function toWire(v: unknown, at = "$"): PropertyValue {
  if (isSecret(v)) return toWire(v.value, at);
  if (v === null) return null;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return v;
    case "object": {
      if (Array.isArray(v)) return v.map((e, i) => (e === undefined ? null : toWire(e, `${at}[${i}]`)));
      if (v instanceof Date || v instanceof Map || v instanceof Set || Buffer.isBuffer(v)) {
        throw new TypeError(`input ${at} is a ${v.constructor.name}, which has no Pulumi property representation`);
      }
      const out: Record<string, PropertyValue> = {};
      for (const [k, e] of Object.entries(v)) {
        if (e === undefined) continue;
        out[k] = toWire(e, `${at}.${k}`);
      }
      return out;
    }
    default:
      throw new TypeError(`input ${at} is of type ${typeof v}, which has no Pulumi property representation`);
  }
}

export function toStruct(props: PropertyMap): Struct {
  const wire = toWire(props);
  if (wire === null || typeof wire !== "object" || Array.isArray(wire)) {
    throw new TypeError("a property map must be an object");
  }
  return structproto.Struct.fromJavaScript(wire as Record<string, never>);
}

export function fromStruct(s: Struct | undefined): Record<string, PropertyValue> {
  return s ? (s.toJavaScript() as Record<string, PropertyValue>) : {};
}

/** A copy without `__provider` (for assertions). */
export function withoutProvider<T extends Record<string, unknown>>(props: T): Omit<T, typeof PROVIDER_KEY> {
  const { [PROVIDER_KEY]: _ignored, ...rest } = props;
  return rest;
}

/**
 * Paths of outputs the engine would mark secret after Create/Update/Read: an output with the same key as an input
 * that contains a secret becomes secret; when both are objects the engine recurses instead (annotateSecrets in
 * the engine's provider plugin). `additionalSecretOutputs` are added on top by the engine for top-level keys.
 */
export function secretOutputPaths(
  inputs: PropertyMap,
  outputs: PropertyMap,
  additionalSecretOutputs: readonly string[] = [],
  prefix = "",
): string[] {
  const paths: string[] = [];
  for (const [key, inValue] of Object.entries(inputs)) {
    if (!(key in outputs)) continue;
    const outValue = outputs[key];
    const p = prefix ? `${prefix}.${key}` : key;
    const inPlain = isSecret(inValue) ? undefined : inValue;
    if (isPlainObject(inPlain) && isPlainObject(outValue)) {
      paths.push(...secretOutputPaths(inPlain, outValue, [], p));
    } else if (containsSecrets(inValue)) {
      paths.push(p);
    }
  }
  if (!prefix) {
    for (const key of additionalSecretOutputs) if (key in outputs && !paths.includes(key)) paths.push(key);
  }
  return paths;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep equality over wire values (used for the engine's own input diff when a provider's Diff is unknown). */
export function wireEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(toWire(a))) === JSON.stringify(canonical(toWire(b)));
}

function canonical(v: PropertyValue): PropertyValue {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    const out: Record<string, PropertyValue> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical(v[k] as PropertyValue);
    return out;
  }
  return v;
}
