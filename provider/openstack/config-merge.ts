import { FIELD_GROUPS, FIELDS, type FieldName, type RawFields } from "./config-fields";
import type { ConfigLayer } from "./config-layers";
import type { AuthKind } from "./config-schema";
import { ConfigError } from "./errors";

/** The merged fields plus, per field, the label of the source that won. */
export interface MergedFields {
  readonly values: RawFields;
  readonly sources: Readonly<Record<string, string>>;
}

function isSet(layer: ConfigLayer, field: FieldName): boolean {
  return layer.values[field] !== undefined;
}

/** The highest layer (first in `layers`) that sets the field, with its value and source label. */
export function highest<F extends FieldName>(
  layers: readonly ConfigLayer[],
  field: F,
): { value: NonNullable<RawFields[F]>; source: string; layer: ConfigLayer } | undefined {
  for (const layer of layers) {
    const value = layer.values[field];
    if (value !== undefined) return { value: value as NonNullable<RawFields[F]>, source: layer.sources[field] ?? field, layer };
  }
  return undefined;
}

/**
 * Field-by-field merge, highest layer first. Name/ID pairs (FIELD_GROUPS) are taken together from the highest
 * layer that sets either member. `endpointOverrides` merge per service type.
 */
export function mergeLayers(layers: readonly ConfigLayer[]): MergedFields {
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  const take = (layer: ConfigLayer, field: FieldName) => {
    if (!isSet(layer, field)) return;
    values[field] = layer.values[field];
    const source = layer.sources[field];
    if (source !== undefined) sources[field] = source;
  };
  const grouped = new Set<FieldName>(FIELD_GROUPS.flat());
  for (const group of FIELD_GROUPS) {
    const winner = layers.find((l) => group.some((f) => isSet(l, f)));
    if (winner) for (const f of group) take(winner, f);
  }
  for (const field of Object.keys(FIELDS) as FieldName[]) {
    if (grouped.has(field) || field === "endpointOverrides") continue;
    const winner = layers.find((l) => isSet(l, field));
    if (winner) take(winner, field);
  }
  const overrides: Record<string, string> = {};
  for (const layer of [...layers].reverse()) {
    for (const [type, url] of Object.entries(layer.values.endpointOverrides ?? {})) {
      overrides[type] = url;
      const source = layer.sources[`endpointOverrides.${type}`];
      if (source !== undefined) sources[`endpointOverrides.${type}`] = source;
    }
  }
  if (Object.keys(overrides).length > 0) values.endpointOverrides = overrides;
  return { values: values as RawFields, sources };
}

const AUTH_TYPE_ALIASES: Readonly<Record<string, AuthKind>> = {
  password: "password",
  v3password: "password",
  applicationcredential: "applicationCredential",
  application_credential: "applicationCredential",
  v3applicationcredential: "applicationCredential",
  token: "token",
  v3token: "token",
};

/** Which field marks which credential kind when no auth type is set. */
const MARKERS: readonly (readonly [FieldName, AuthKind])[] = [
  ["token", "token"],
  ["applicationCredentialSecret", "applicationCredential"],
  ["applicationCredentialId", "applicationCredential"],
  ["password", "password"],
];

/**
 * The credential kind: the highest `authType` if one is set; otherwise the kind of credential set by the highest
 * layer that sets any (token, application credential, password). One layer setting two kinds is contradictory.
 * Defaults to password (so that "password is missing" is what gets reported).
 */
export function chooseAuthKind(layers: readonly ConfigLayer[]): { kind: AuthKind; source?: string } {
  const explicitType = highest(layers, "authType");
  if (explicitType) {
    const kind = AUTH_TYPE_ALIASES[explicitType.value.trim().toLowerCase()];
    if (!kind) {
      throw new ConfigError(
        `${explicitType.source} is "${explicitType.value}": supported auth types are password (v3password), ` +
          `v3applicationcredential and token (v3token)`,
      );
    }
    return { kind, source: explicitType.source };
  }
  for (const layer of layers) {
    const found = MARKERS.filter(([field]) => isSet(layer, field));
    const kinds = [...new Set(found.map(([, kind]) => kind))];
    const [first] = found;
    if (!first) continue;
    if (kinds.length > 1) {
      const names = found.map(([field]) => layer.sources[field] ?? field).join(", ");
      throw new ConfigError(
        `contradictory credentials: ${names} are all set; keep one kind, or choose with OS_AUTH_TYPE ` +
          `(auth_type in clouds.yaml, authType as an argument)`,
      );
    }
    return { kind: first[1], source: layer.sources[first[0]] ?? first[0] };
  }
  return { kind: "password" };
}
