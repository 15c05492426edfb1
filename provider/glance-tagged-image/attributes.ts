/**
 * The image attributes the inputs manage (name, visibility, protected, minDisk, minRam, properties): what the
 * inputs ask for, what an image has, and the changes between the two, shared by diff (against the state) and by
 * create/update (against the image itself).
 *
 * An attribute left out of the inputs is asked for only on an image this resource publishes (its defaults:
 * private, unprotected, no properties); an adopted image (`imageId`) keeps what it has, so adoption never
 * changes what it was not asked to.
 */
import { addProperty, imageProperties, removeProperty, replaceAttribute, replaceProperty, type Image, type ImagePatchOp } from "../glance/images";
import { CORE_IMAGE_ATTRIBUTES } from "../glance/images";
import { MARKER_PREFIX, type GlanceTaggedImageInputs } from "./inputs";
import type { GlanceTaggedImageOutputs, ImageAttributes } from "./outputs";

export const SCALAR_ATTRIBUTES = ["name", "visibility", "minDisk", "minRam", "protected"] as const;
export type ScalarAttribute = (typeof SCALAR_ATTRIBUTES)[number];
type Scalar = string | number | boolean;

/** Glance's name of each attribute. */
const GLANCE_NAMES: Record<ScalarAttribute, string> = {
  name: "name",
  visibility: "visibility",
  minDisk: "min_disk",
  minRam: "min_ram",
  protected: "protected",
};

/** What the inputs ask for; an absent key is not asked for (left as the image has it). */
export type RequestedAttributes = Partial<Record<ScalarAttribute, Scalar>> & { properties?: Record<string, string> };

/** What an image has; an absent scalar is not known (a state written by 0.1.0 did not record it). */
export type KnownAttributes = Partial<Record<ScalarAttribute, Scalar>> & { properties: Record<string, string> };

export type AttributeChange =
  | { kind: "attribute"; field: ScalarAttribute; from: Scalar | undefined; to: Scalar }
  /** `from` undefined: the property is added; `to` undefined: it is removed. */
  | { kind: "property"; key: string; from: string | undefined; to: string | undefined };

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function requestedAttributes(inputs: GlanceTaggedImageInputs): RequestedAttributes {
  const publishes = inputs.imageId === undefined;
  return defined({
    name: inputs.name,
    visibility: inputs.visibility ?? (publishes ? "private" : undefined),
    minDisk: inputs.minDisk,
    minRam: inputs.minRam,
    protected: inputs.protected ?? (publishes ? false : undefined),
    properties: inputs.properties ?? (publishes ? {} : undefined),
  });
}

/** The custom properties of an image, without this package's markers. */
export function customProperties(image: Image): Record<string, string> {
  return Object.fromEntries(Object.entries(imageProperties(image)).filter(([key]) => !key.startsWith(MARKER_PREFIX)));
}

export function attributesOf(image: Image): ImageAttributes {
  return {
    name: image.name ?? "",
    visibility: image.visibility,
    protected: image.protected,
    minDisk: image.min_disk ?? 0,
    minRam: image.min_ram ?? 0,
    properties: customProperties(image),
  };
}

/**
 * What the state says the image has. A state written by 0.1.0 has no `attributes`: it recorded the inputs with
 * their defaults, which that version had converged the image to, so they stand for the image's values.
 */
export function stateAttributes(olds: GlanceTaggedImageOutputs): KnownAttributes {
  if (olds.attributes) return olds.attributes;
  return defined({
    name: olds.name,
    visibility: olds.visibility,
    minDisk: olds.minDisk,
    minRam: olds.minRam,
    protected: olds.protected,
    properties: olds.properties ?? {},
  });
}

/**
 * The changes that make `current` what is requested, in patch order (`protected` last). Properties not
 * requested are removed only when listed in `removableKeys` (this resource set them), and only when requested
 * properties are given at all.
 */
export function attributeChanges(current: KnownAttributes, requested: RequestedAttributes, removableKeys: readonly string[] = []): AttributeChange[] {
  const changes: AttributeChange[] = [];
  const scalar = (field: ScalarAttribute): void => {
    const to = requested[field];
    if (to !== undefined && current[field] !== to) changes.push({ kind: "attribute", field, from: current[field], to });
  };
  for (const field of ["name", "visibility", "minDisk", "minRam"] as const) scalar(field);
  if (requested.properties) {
    const want = requested.properties;
    for (const [key, to] of Object.entries(want)) {
      if (current.properties[key] !== to) changes.push({ kind: "property", key, from: current.properties[key], to });
    }
    for (const key of removableKeys) {
      const from = current.properties[key];
      if (from !== undefined && !(key in want) && !CORE_IMAGE_ATTRIBUTES.has(key)) changes.push({ kind: "property", key, from, to: undefined });
    }
  }
  scalar("protected");
  return changes;
}

/** JSON-patch ops of the changes (the image must be the one `current` was read from). */
export function patchOps(changes: readonly AttributeChange[]): ImagePatchOp[] {
  return changes.map((c) => {
    if (c.kind === "attribute") return replaceAttribute(GLANCE_NAMES[c.field], c.to);
    if (c.to === undefined) return removeProperty(c.key);
    return c.from === undefined ? addProperty(c.key, c.to) : replaceProperty(c.key, c.to);
  });
}

const show = (field: string, value: Scalar | undefined): string =>
  value === undefined ? "?" : field === "name" ? JSON.stringify(value) : String(value);

/** `visibility shared → private`, `protected false → true`, `property x: a → b`, `property y: (none) → c`. */
export function describeChange(c: AttributeChange): string {
  if (c.kind === "attribute") return `${c.field} ${show(c.field, c.from)} → ${show(c.field, c.to)}`;
  return `property ${c.key}: ${c.from ?? "(none)"} → ${c.to ?? "(removed)"}`;
}

/** The input names the changes belong to, each once (`properties` for property changes). */
export function changedFields(changes: readonly AttributeChange[]): string[] {
  return [...new Set(changes.map((c) => (c.kind === "attribute" ? c.field : "properties")))];
}
