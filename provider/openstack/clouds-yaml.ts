import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parse, YAMLError } from "yaml";
import { z } from "zod";
import { FIELDS, type FieldName, type RawFields } from "./config-fields";
import { normalizeServiceType, parseBoolean, type ConfigLayer } from "./config-layers";
import { ConfigError } from "./errors";

/**
 * clouds.yaml + secure.yaml, as openstacksdk reads them: the first `clouds.yaml` found on the search path
 * (`$OS_CLIENT_CONFIG_FILE`, `./clouds.yaml`, `~/.config/openstack/clouds.yaml`, `/etc/openstack/clouds.yaml`)
 * and the first `secure.yaml` (`$OS_CLIENT_SECURE_FILE`, then the same directories) are deep-merged, secure.yaml
 * winning. Vendor profiles (`profile:`) are not supported.
 */
export interface CloudsFile {
  readonly path: string;
  /** The file's YAML text. */
  readonly text: string;
}

export interface CloudsFiles {
  readonly clouds?: CloudsFile;
  readonly secure?: CloudsFile;
}

type Env = Readonly<Record<string, string | undefined>>;

export function cloudsSearchPaths(env: Env, cwd = process.cwd()): { clouds: string[]; secure: string[] } {
  const home = env.HOME ?? homedir();
  const dirs = [cwd, join(home, ".config", "openstack"), "/etc/openstack"];
  const clouds = dirs.map((d) => join(d, "clouds.yaml"));
  const secure = dirs.map((d) => join(d, "secure.yaml"));
  if (env.OS_CLIENT_CONFIG_FILE) clouds.unshift(resolve(cwd, env.OS_CLIENT_CONFIG_FILE));
  if (env.OS_CLIENT_SECURE_FILE) secure.unshift(resolve(cwd, env.OS_CLIENT_SECURE_FILE));
  return { clouds, secure };
}

/** Reads the first clouds.yaml and secure.yaml on the search path (the only function here that touches disk). */
export function findCloudsFiles(env: Env = process.env, cwd = process.cwd()): CloudsFiles {
  const paths = cloudsSearchPaths(env, cwd);
  const read = (candidates: string[]): CloudsFile | undefined => {
    const path = candidates.find((p) => existsSync(p));
    return path === undefined ? undefined : { path, text: readFileSync(path, "utf8") };
  };
  const clouds = read(paths.clouds);
  const secure = read(paths.secure);
  return { ...(clouds && { clouds }), ...(secure && { secure }) };
}

const Scalar = z.union([z.string(), z.number()]).transform(String);
const CloudEntrySchema = z.looseObject({
  auth: z.record(z.string(), z.unknown()).optional(),
  auth_type: Scalar.optional(),
  region_name: Scalar.optional(),
  regions: z.array(z.union([Scalar, z.looseObject({ name: Scalar })])).optional(),
  interface: Scalar.optional(),
  cacert: Scalar.optional(),
  verify: z.union([z.boolean(), z.string()]).optional(),
  insecure: z.union([z.boolean(), z.string()]).optional(),
  profile: z.string().optional(),
});
const CloudsDocSchema = z.looseObject({ clouds: z.record(z.string(), z.unknown()).optional() });

function parseDoc(file: CloudsFile): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(file.text);
  } catch (err) {
    // The yaml library's own message quotes the offending line, which may hold a password: keep only the position.
    const where = err instanceof YAMLError && err.linePos ? ` at line ${err.linePos[0].line}` : "";
    const code = err instanceof YAMLError ? ` (${err.code})` : "";
    throw new ConfigError(`${file.path} is not valid YAML${where}${code}`);
  }
  const parsed = CloudsDocSchema.safeParse(doc ?? {});
  if (!parsed.success) throw new ConfigError(`${file.path} must be a mapping with a top-level "clouds:" key`);
  return (parsed.data.clouds ?? {}) as Record<string, unknown>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; `over` wins. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function getPath(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, key) => (isPlainObject(o) ? o[key] : undefined), obj);
}

/**
 * The named cloud as the lowest configuration layer. `namedBy` is the label of the source that chose the cloud
 * (e.g. `OS_CLOUD`), used in messages.
 */
export function cloudLayer(name: string, files: CloudsFiles, namedBy: string): ConfigLayer {
  if (!files.clouds && !files.secure) {
    throw new ConfigError(
      `cloud "${name}" (from ${namedBy}) cannot be loaded: no clouds.yaml found (looked at $OS_CLIENT_CONFIG_FILE, ` +
        `./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml)`,
    );
  }
  const cloudsEntries = files.clouds ? parseDoc(files.clouds) : {};
  const secureEntries = files.secure ? parseDoc(files.secure) : {};
  const base = cloudsEntries[name];
  const secret = secureEntries[name];
  if (base === undefined && secret === undefined) {
    const known = [...new Set([...Object.keys(cloudsEntries), ...Object.keys(secureEntries)])];
    const where = [files.clouds?.path, files.secure?.path].filter(Boolean).join(" and ");
    throw new ConfigError(
      `cloud "${name}" (from ${namedBy}) is not defined in ${where}; it defines: ${known.join(", ") || "(none)"}`,
    );
  }
  const merged = deepMerge(base ?? {}, secret ?? {});
  const entry = CloudEntrySchema.safeParse(merged);
  if (!entry.success) {
    const path = entry.error.issues[0]?.path.join(".") ?? "";
    throw new ConfigError(`cloud "${name}" in ${files.clouds?.path ?? files.secure?.path}: invalid value at "${path}"`);
  }
  if (entry.data.profile !== undefined) {
    throw new ConfigError(`cloud "${name}" uses "profile: ${entry.data.profile}"; vendor profiles are not supported`);
  }

  const label = (path: string) => {
    const file = getPath(secret, path) !== undefined ? files.secure : files.clouds;
    const kind = file === files.secure ? "secure.yaml" : "clouds.yaml";
    return `${kind} cloud "${name}" (${path} in ${file?.path ?? "?"})`;
  };
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  const set = (field: FieldName, value: unknown, path: string) => {
    values[field] = value;
    sources[field] = label(path);
  };

  for (const field of Object.keys(FIELDS) as FieldName[]) {
    if (field === "insecure" || field === "endpointOverrides") continue; // handled below
    for (const path of FIELDS[field].clouds) {
      const raw = getPath(merged, path);
      if (raw === undefined || raw === null || raw === "" || sources[field] !== undefined) continue;
      if (typeof raw !== "string" && typeof raw !== "number") throw new ConfigError(`${label(path)} must be a string`);
      set(field, String(raw), path);
    }
  }
  const { verify, insecure, regions } = entry.data;
  if (insecure !== undefined) {
    set("insecure", typeof insecure === "boolean" ? insecure : parseBoolean(insecure, label("insecure")), "insecure");
  } else if (verify !== undefined) {
    const v = typeof verify === "boolean" ? verify : parseBoolean(verify, label("verify"));
    set("insecure", !v, "verify");
  }
  if (values.region === undefined && regions?.[0] !== undefined) {
    const first = regions[0];
    set("region", typeof first === "string" ? first : first.name, "regions");
  }

  const overrides: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged as Record<string, unknown>)) {
    const m = /^(.+)_endpoint_override$/.exec(key);
    if (!m?.[1] || typeof value !== "string" || value === "") continue;
    const type = normalizeServiceType(m[1]);
    overrides[type] = value;
    sources[`endpointOverrides.${type}`] = label(key);
  }
  if (Object.keys(overrides).length > 0) values.endpointOverrides = overrides;
  return { kind: "clouds", values: values as RawFields, sources };
}
