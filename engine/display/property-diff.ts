/**
 * The engine's structural diff of two property maps (resource.PropertyMap.Diff in pulumi/pulumi's
 * sdk/go/common/resource/properties_diff.go), which both the `[diff: …]` row summary and the `--diff` detail are
 * computed from:
 *   - a key only in the new map (with a non-null value), or null before and set now: an add;
 *   - a key only in the old map (with a non-null value), or set before and null now: a delete;
 *   - otherwise the values are compared: arrays element by element (extra elements are adds/deletes by index),
 *     objects key by key (recursively), anything else by deep equality. An unknown value equals only an unknown,
 *     a secret equals only a secret with an equal value.
 * Internal keys (`__provider`, any key starting with `__`) are left out, as the display leaves them out.
 *
 * Values are wire values (engine/host/marshal.ts): unknowns are the UNKNOWN sentinel, secrets the secret wrapper.
 */
import { UNKNOWN, isSecret, type PropertyValue } from "../host/marshal";

/** A value as the display sees it: a wire value, possibly wrapped as a secret. */
export type DisplayValue = PropertyValue | { readonly [key: string]: unknown };
export type DisplayMap = Record<string, DisplayValue>;

export interface ObjectDiff {
  adds: DisplayMap;
  deletes: DisplayMap;
  sames: DisplayMap;
  updates: Record<string, ValueDiff>;
}

export interface ArrayDiff {
  adds: Map<number, DisplayValue>;
  deletes: Map<number, DisplayValue>;
  sames: Map<number, DisplayValue>;
  updates: Map<number, ValueDiff>;
  length: number;
}

export interface ValueDiff {
  old: DisplayValue;
  new: DisplayValue;
  array?: ArrayDiff;
  object?: ObjectDiff;
}

export function isInternalKey(key: string): boolean {
  return key.startsWith("__");
}

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

export function isObjectValue(v: unknown): v is DisplayMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isSecret(v);
}

/** The keys of a diff (adds, deletes, sames, updates), sorted as Go sorts strings (by code unit). */
export function diffKeys(d: ObjectDiff): string[] {
  return [...Object.keys(d.adds), ...Object.keys(d.deletes), ...Object.keys(d.sames), ...Object.keys(d.updates)].sort(byCodeUnit);
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** PropertyMap.Diff: undefined when nothing was added, deleted or updated. */
export function diffMaps(olds: DisplayMap, news: DisplayMap): ObjectDiff | undefined {
  const d: ObjectDiff = { adds: {}, deletes: {}, sames: {}, updates: {} };
  for (const [k, old] of Object.entries(olds)) {
    if (isInternalKey(k)) continue;
    if (k in news) {
      const nu = news[k] as DisplayValue;
      const vd = diffValues(old, nu);
      if (vd) {
        if (old === null) d.adds[k] = nu;
        else if (nu === null) d.deletes[k] = old;
        else d.updates[k] = vd;
      } else d.sames[k] = old;
    } else if (old !== null) d.deletes[k] = old;
  }
  for (const [k, nu] of Object.entries(news)) {
    if (isInternalKey(k)) continue;
    if (!(k in olds) && nu !== null) d.adds[k] = nu;
  }
  const changed = Object.keys(d.adds).length + Object.keys(d.deletes).length + Object.keys(d.updates).length;
  return changed === 0 ? undefined : d;
}

/** PropertyValue.Diff: undefined when equal. */
export function diffValues(old: DisplayValue, nu: DisplayValue): ValueDiff | undefined {
  if (Array.isArray(old) && Array.isArray(nu)) {
    const a: ArrayDiff = { adds: new Map(), deletes: new Map(), sames: new Map(), updates: new Map(), length: Math.max(old.length, nu.length) };
    for (let i = old.length; i < nu.length; i++) a.adds.set(i, nu[i] as DisplayValue);
    for (let i = nu.length; i < old.length; i++) a.deletes.set(i, old[i] as DisplayValue);
    for (let i = 0; i < old.length && i < nu.length; i++) {
      const e = diffValues(old[i] as DisplayValue, nu[i] as DisplayValue);
      if (e) a.updates.set(i, e);
      else a.sames.set(i, old[i] as DisplayValue);
    }
    return a.adds.size + a.deletes.size + a.updates.size === 0 ? undefined : { old, new: nu, array: a };
  }
  if (isObjectValue(old) && isObjectValue(nu)) {
    const o = diffMaps(old, nu);
    return o ? { old, new: nu, object: o } : undefined;
  }
  return deepEquals(old, nu) ? undefined : { old, new: nu };
}

export function deepEquals(a: unknown, b: unknown): boolean {
  if (isSecret(a) || isSecret(b)) return isSecret(a) && isSecret(b) && deepEquals(a.value, b.value);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((e, i) => deepEquals(e, b[i]));
  }
  if (isObjectValue(a) || isObjectValue(b)) {
    if (!isObjectValue(a) || !isObjectValue(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEquals(a[k], b[k]));
  }
  return a === b;
}
