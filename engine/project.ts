/**
 * The Pulumi project and stack files, read the way the CLI and the Node.js language host read them:
 * - `Pulumi.yaml`: `name`, `runtime` (must be nodejs), `main`, project-level `config` defaults;
 * - `Pulumi.<stack>.yaml`: `config:` (keys `ns:key`; a key without a namespace belongs to the project);
 * - the program entry point: `main` from Pulumi.yaml, else package.json `exports["."]` / `main` of the nearest
 *   package.json, else the project directory itself (its index.ts/index.js), exactly as
 *   @pulumi/pulumi/cmd/run/run.js resolves it.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export class ProjectError extends Error {
  override name = "ProjectError";
}

export interface Project {
  /** Absolute project directory. */
  dir: string;
  name: string;
  /** `main` from Pulumi.yaml, if set. */
  main?: string;
  /** Absolute path of the program entry (file or directory) to `require`. */
  program: string;
  /** Warnings the language host would print while resolving the entry point. */
  warnings: string[];
}

export interface StackConfig {
  /** Fully qualified keys (`ns:key`) -> string values, as the engine passes them (PULUMI_CONFIG, Configure). */
  values: Record<string, string>;
  /** The stack file that was read (undefined when it does not exist). */
  file?: string;
}

export function readProject(dir: string): Project {
  const abs = path.resolve(dir);
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(abs, f)).find((f) => fs.existsSync(f));
  if (!file) throw new ProjectError(`no Pulumi.yaml in ${abs} (use --dir <project directory>)`);
  const doc = parseYaml(file) as Record<string, unknown> | null;
  if (!doc || typeof doc !== "object") throw new ProjectError(`${file} is empty or not a mapping`);
  const name = doc.name;
  if (typeof name !== "string" || name === "") throw new ProjectError(`${file}: "name" is missing`);
  const runtime = typeof doc.runtime === "object" && doc.runtime !== null
    ? (doc.runtime as { name?: unknown }).name
    : doc.runtime;
  if (runtime !== "nodejs") {
    throw new ProjectError(`${file}: runtime is ${JSON.stringify(runtime)}; this runner only runs nodejs programs`);
  }
  const main = typeof doc.main === "string" && doc.main !== "" ? doc.main : undefined;
  const warnings: string[] = [];
  const program = resolveProgram(abs, main, warnings);
  return { dir: abs, name, main, program, warnings };
}

/**
 * The stack configuration: project-level defaults from Pulumi.yaml `config:`, overridden by
 * `Pulumi.<stack>.yaml`. Secure values cannot be decrypted without the Pulumi CLI.
 */
export function readStackConfig(project: Project, stack: string): StackConfig {
  const values: Record<string, string> = {};
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);

  // Project-level config (Pulumi.yaml): `key: value` or `key: { type, default | value, ... }`.
  const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(project.dir, f)).find((f) => fs.existsSync(f));
  const projectDoc = projectFile ? (parseYaml(projectFile) as Record<string, unknown>) : {};
  const projectConfig = projectDoc.config;
  if (projectConfig && typeof projectConfig === "object") {
    for (const [key, raw] of Object.entries(projectConfig as Record<string, unknown>)) {
      let v: unknown = raw;
      if (isPlainObject(raw) && ("default" in raw || "value" in raw || "type" in raw || "description" in raw)) {
        v = "value" in raw ? raw.value : raw.default;
        if (v === undefined) continue;
      }
      values[qualify(key)] = configString(v, key, projectFile ?? "Pulumi.yaml");
    }
  }

  const stackFile = ["yaml", "yml"].map((e) => path.join(project.dir, `Pulumi.${stack}.${e}`)).find((f) => fs.existsSync(f));
  if (!stackFile) return { values };
  const doc = (parseYaml(stackFile) ?? {}) as Record<string, unknown>;
  const config = doc.config ?? {};
  if (!isPlainObject(config)) throw new ProjectError(`${stackFile}: "config" must be a mapping`);
  for (const [key, v] of Object.entries(config)) values[qualify(key)] = configString(v, key, stackFile);
  return { values, file: stackFile };
}

function configString(v: unknown, key: string, file: string): string {
  if (containsSecure(v)) {
    throw new ProjectError(
      `${path.basename(file)}: config "${key}" is a secure value, which only the Pulumi CLI can decrypt. ` +
        `For this runner give it as plain config in a file you do not commit, or through the environment ` +
        `(OS_PASSWORD for openstack:password when no cloud is named; a named cloud's password goes in secure.yaml).`,
    );
  }
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v); // structured config: what config.getObject() parses
}

function containsSecure(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(containsSecure);
  if (isPlainObject(v)) return "secure" in v || Object.values(v).some(containsSecure);
  return false;
}

function parseYaml(file: string): unknown {
  try {
    return YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new ProjectError(`cannot parse ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** run.js: `main` from Pulumi.yaml, else package.json exports/main (if the file exists), else the directory. */
function resolveProgram(dir: string, main: string | undefined, warnings: string[]): string {
  if (main) {
    const p = path.resolve(dir, main);
    if (!fs.existsSync(p)) throw new ProjectError(`Pulumi.yaml main "${main}" does not exist (${p})`);
    return p;
  }
  const manifest = searchUp(dir, "package.json");
  if (!manifest) {
    warnings.push(
      "Could not find a package.json or package.yaml file for the program. Using the Pulumi program directory as the project root.",
    );
    return dir;
  }
  const root = path.dirname(manifest);
  let pkg: { exports?: unknown; main?: unknown } = {};
  try {
    pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as typeof pkg;
  } catch {
    // best effort, as in run.js
  }
  let entry: unknown;
  if (typeof pkg.exports === "string") entry = pkg.exports;
  else if (isPlainObject(pkg.exports)) {
    const dot = pkg.exports["."];
    entry = typeof dot === "string" ? dot : isPlainObject(dot) ? (dot.default ?? dot.require ?? dot.import) : undefined;
  } else if (pkg.main) entry = pkg.main;
  if (typeof entry !== "string") return dir;
  const p = path.join(root, entry);
  if (fs.existsSync(p)) {
    warnings.push(
      `Pulumi.yaml has no "main": the language host runs ${path.relative(dir, p) || p} from ${manifest} ` +
        `(set "main" in Pulumi.yaml to run another file)`,
    );
    return p;
  }
  warnings.push(`Could not find entry point '${entry}' specified in package.json; using '${dir}' instead`);
  return dir;
}

function searchUp(start: string, name: string): string | undefined {
  let dir = start;
  for (;;) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
