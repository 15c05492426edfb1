import { z } from "zod";
import { FIELDS, SessionInputSchema, type FieldName, type RawFields, type SessionInput } from "./config-fields";
import { ConfigError } from "./errors";

/**
 * One configuration source turned into the common flat shape. `sources` says, per field (and per
 * `endpointOverrides.<type>` key), where the value came from, e.g. `OS_AUTH_URL` or
 * `Pulumi config (openstack:tenantName)`. Messages use these labels; they never contain values of secrets.
 */
export interface ConfigLayer {
  readonly kind: "explicit" | "pulumi" | "env" | "clouds";
  readonly values: RawFields;
  readonly sources: Readonly<Record<string, string>>;
}

/** Getter for the `openstack` Pulumi config namespace: called with bare keys such as `authUrl`. */
export type PulumiConfigGetter = (key: string) => string | undefined;

/** Service type as used for lookups: lower case, `_` → `-` (`LOAD_BALANCER` → `load-balancer`). */
export function normalizeServiceType(type: string): string {
  return type.trim().toLowerCase().replace(/_/g, "-");
}

export function parseBoolean(raw: string, label: string): boolean {
  const v = raw.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off"].includes(v)) return false;
  throw new ConfigError(`${label} must be true or false, got "${raw}"`);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v;
}

/**
 * Reads one field whose value may sit under several names (`OS_PROJECT_NAME` / `OS_TENANT_NAME`). Two names with
 * different values in the same source are contradictory.
 */
function readAliases(
  field: FieldName,
  names: readonly string[],
  get: (name: string) => string | undefined,
  label: (name: string) => string,
): { value: string; source: string } | undefined {
  const found = names
    .map((name) => ({ name, value: nonEmpty(get(name)) }))
    .filter((f): f is { name: string; value: string } => f.value !== undefined);
  const [first, ...rest] = found;
  if (!first) return undefined;
  const other = rest.find((f) => f.value !== first.value);
  if (other) {
    const shown = FIELDS[field].secret ? "" : ` ("${first.value}" vs "${other.value}")`;
    throw new ConfigError(`${label(first.name)} and ${label(other.name)} disagree${shown}: set only one of them`);
  }
  return { value: first.value, source: label(first.name) };
}

function buildLayer(
  names: (field: FieldName) => readonly string[],
  get: (name: string) => string | undefined,
  label: (name: string) => string,
): { values: Record<string, unknown>; sources: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const field of Object.keys(FIELDS) as FieldName[]) {
    if (field === "endpointOverrides") continue;
    const hit = readAliases(field, names(field), get, label);
    if (!hit) continue;
    values[field] = field === "insecure" ? parseBoolean(hit.value, hit.source) : hit.value;
    sources[field] = hit.source;
  }
  return { values, sources };
}

/** Explicit arguments (highest precedence), validated strictly so misspelt keys are reported. */
export function explicitLayer(input: SessionInput | undefined): ConfigLayer {
  const parsed = SessionInputSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ConfigError(`invalid explicit OpenStack arguments: ${z.prettifyError(parsed.error)}`);
  }
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [field, value] of Object.entries(parsed.data)) {
    if (value === undefined || (typeof value === "string" && value.trim() === "")) continue;
    values[field] = value;
    sources[field] = `explicit argument (${field})`;
  }
  for (const type of Object.keys(parsed.data.endpointOverrides ?? {})) {
    sources[`endpointOverrides.${normalizeServiceType(type)}`] = `explicit argument (endpointOverrides.${type})`;
  }
  if (parsed.data.endpointOverrides) values.endpointOverrides = normalizeKeys(parsed.data.endpointOverrides);
  return { kind: "explicit", values: values as RawFields, sources };
}

/** Pulumi config of the `openstack` namespace, with the key names `@pulumi/openstack` uses. */
export function pulumiLayer(get: PulumiConfigGetter | undefined): ConfigLayer {
  if (!get) return { kind: "pulumi", values: {}, sources: {} };
  const label = (key: string) => `Pulumi config (openstack:${key})`;
  const { values, sources } = buildLayer((f) => FIELDS[f].pulumi, get, label);
  const rawOverrides = nonEmpty(get("endpointOverrides"));
  if (rawOverrides !== undefined) {
    const overrides = parseOverrideMap(rawOverrides, label("endpointOverrides"));
    values.endpointOverrides = overrides;
    for (const type of Object.keys(overrides)) sources[`endpointOverrides.${type}`] = label("endpointOverrides");
  }
  return { kind: "pulumi", values: values as RawFields, sources };
}

const ENDPOINT_OVERRIDE_VARIABLE = /^OS_([A-Z0-9_]+)_ENDPOINT_OVERRIDE$/;

/** `OS_*` environment variables, plus `OS_<SERVICE_TYPE>_ENDPOINT_OVERRIDE`. */
export function envLayer(env: Readonly<Record<string, string | undefined>>): ConfigLayer {
  const { values, sources } = buildLayer((f) => FIELDS[f].env, (n) => env[n], (n) => n);
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const m = ENDPOINT_OVERRIDE_VARIABLE.exec(name);
    if (!m?.[1] || nonEmpty(value) === undefined) continue;
    const type = normalizeServiceType(m[1]);
    overrides[type] = value as string;
    sources[`endpointOverrides.${type}`] = name;
  }
  if (Object.keys(overrides).length > 0) values.endpointOverrides = overrides;
  return { kind: "env", values: values as RawFields, sources };
}

/**
 * Only `OS_CLOUD` from the environment: what is read of it before knowing whether a cloud is named (a named
 * cloud is taken as a whole, so then no other `OS_*` variable is read).
 */
export function envCloudLayer(env: Readonly<Record<string, string | undefined>>): ConfigLayer {
  const hit = readAliases("cloud", FIELDS.cloud.env, (n) => env[n], (n) => n);
  if (!hit) return { kind: "env", values: {}, sources: {} };
  return { kind: "env", values: { cloud: hit.value }, sources: { cloud: hit.source } };
}

/**
 * Names of the set `OS_*` variables that configure a session field (`OS_CLOUD` excluded), in field order, then
 * the endpoint overrides. Names only: what a warning may print.
 */
export function envSettingNames(env: Readonly<Record<string, string | undefined>>): string[] {
  const fields = (Object.keys(FIELDS) as FieldName[]).filter((f) => f !== "cloud" && f !== "endpointOverrides");
  const names = fields.flatMap((f) => FIELDS[f].env).filter((n) => nonEmpty(env[n]) !== undefined);
  const overrides = Object.keys(env)
    .filter((n) => ENDPOINT_OVERRIDE_VARIABLE.test(n) && nonEmpty(env[n]) !== undefined)
    .sort();
  return [...names, ...overrides];
}

function parseOverrideMap(raw: string, label: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${label} must be a JSON object mapping service type to URL, e.g. {"image":"https://…"}`);
  }
  const result = z.record(z.string(), z.string()).safeParse(parsed);
  if (!result.success) {
    throw new ConfigError(`${label} must map service types to URL strings, e.g. {"image":"https://…"}`);
  }
  return normalizeKeys(result.data);
}

function normalizeKeys(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [normalizeServiceType(k), v]));
}
