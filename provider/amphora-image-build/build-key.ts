import { createHash } from "node:crypto";
import { accessSync, closeSync, constants, openSync, readFileSync, readSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import { capture, toolEnv } from "../builder/capture";
import { digestElementRoots, type ElementDigest } from "./element-tree";
import type { AmphoraImageBuildInputs } from "./inputs";
import { contentOptions } from "./options";

/**
 * The content key of a build: normalised options, the user's environment, the builder's bytes and version, and
 * the contents of every element directory the build reads. Equal keys mean the builder would produce the same
 * image, so it is not run. The parts are kept in state so that a diff can say what changed.
 */

export interface KeyParts {
  /** sha256 of the effective content options (options.ts). */
  options: string;
  /** sha256 of the `env` input. */
  env: string;
  /** Files read by the build whose bytes matter, by role: script, command, localImage. */
  files: Record<string, string>;
  /** `disk-image-create --version` of the diskimage-builder the build will use, or "not found". */
  builder: string;
  /** Not part of the key: what `builder` was probed from (see executableIdentity), so a diff can skip the probe. */
  builderIdentity: string;
  elements: Record<string, ElementDigest>;
}

export function canonicalJson(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, x]) => [k, canon(x)]),
      );
    }
    return v;
  };
  return JSON.stringify(canon(value));
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

export function buildKeyOf(parts: KeyParts): string {
  const elements = Object.fromEntries(Object.entries(parts.elements).map(([name, e]) => [name, e.hash]));
  return sha256(canonicalJson({ v: 1, options: parts.options, env: parts.env, files: parts.files, builder: parts.builder, elements }));
}

/*
 * The file-system lookups below run on every diff. They are synchronous on purpose: each is a few microseconds
 * on a local disk, where a promise through libuv's thread pool costs ~50 µs (PATH alone is a dozen lookups).
 */

function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

const isDirectory = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** Resolves a command like execvp does: paths as given, bare names through PATH. */
export async function resolveCommand(command: string, pathVar = process.env.PATH ?? ""): Promise<string | undefined> {
  if (command.includes("/")) return isExecutableFile(command) ? path.resolve(command) : undefined;
  for (const dir of pathVar.split(":").filter(Boolean)) {
    const candidate = path.join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Where diskimage-create.sh finds Octavia's elements (OCTAVIA_REPO_PATH/elements, else the system copies). */
export async function octaviaElementsDir(inputs: AmphoraImageBuildInputs): Promise<string | undefined> {
  const repo = inputs.octaviaRepoPath ?? path.dirname(path.dirname(inputs.script ?? "."));
  for (const dir of [path.join(repo, "elements"), "/usr/share/octavia-image-elements", "/usr/local/share/octavia-image-elements"]) {
    if (isDirectory(dir)) return dir;
  }
  return undefined;
}

export async function elementRoots(inputs: AmphoraImageBuildInputs): Promise<string[]> {
  if (inputs.frontEnd === "dib") return [...(inputs.elementsPath ?? [])];
  const octavia = await octaviaElementsDir(inputs);
  return [...(octavia ? [octavia] : []), ...(inputs.localElementsPath ?? [])];
}

/** The disk-image-create a build will run: the dib command, or what diskimage-create.sh finds (PATH first). */
export async function dibExecutable(inputs: AmphoraImageBuildInputs): Promise<string | undefined> {
  const pathVar = inputs.env.PATH ?? process.env.PATH;
  if (inputs.frontEnd === "dib") return resolveCommand(inputs.command ?? "disk-image-create", pathVar);
  const fromPath = await resolveCommand("disk-image-create", pathVar);
  if (fromPath) return fromPath;
  const octaviaRepo = inputs.octaviaRepoPath ?? path.dirname(path.dirname(inputs.script ?? "."));
  const dibRepo = inputs.dibRepoPath ?? path.join(path.dirname(octaviaRepo), "diskimage-builder");
  return resolveCommand(path.join(dibRepo, "bin", "disk-image-create"));
}

/**
 * What identifies one installation of an executable without running it: the file (resolved through symlinks)
 * and, for a script, its interpreter, each by inode, size and times. Upgrading diskimage-builder with apt or pip
 * rewrites its `disk-image-create` script, which changes this; an editable install (`pip install -e`, a git
 * checkout) changes underneath it without doing so.
 */
export function executableIdentity(executable: string): string {
  const describe = (file: string): string => {
    const real = realpathSync(file);
    const st = statSync(real);
    return `${real}:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  };
  const parts = [describe(executable)];
  const interpreter = /^#!\s*(\S+)/.exec(readHead(executable, 256))?.[1];
  if (interpreter?.startsWith("/")) {
    try {
      parts.push(describe(interpreter));
    } catch {
      parts.push(`${interpreter}:missing`);
    }
  }
  return parts.join("|");
}

function readHead(file: string, bytes: number): string {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0)).toString("latin1");
  } finally {
    closeSync(fd);
  }
}

/** Identity → the version, or the probe still running (concurrent diffs share one probe). */
const versionCache = new Map<string, Promise<string>>();

async function probeVersion(executable: string): Promise<string> {
  try {
    const r = await capture(executable, ["--version"], { timeoutMs: 30_000, env: toolEnv() });
    if (r.exitCode === 0 && r.stdout.trim()) return r.stdout.trim().split("\n")[0] ?? "unknown";
  } catch {
    // a broken installation shows as "unknown"; the build itself will report the real problem
  }
  return "unknown";
}

/** A version already known for an identity: from the state of the last build, or probed earlier in this process. */
export interface KnownBuilder {
  builder: string;
  builderIdentity: string;
}

/**
 * `disk-image-create --version` (a Python start-up: ~0.4 s), run at most once per process and installation, and
 * not at all when the state recorded the version for the same installation.
 */
async function builderVersion(executable: string | undefined, known?: KnownBuilder): Promise<{ version: string; identity: string }> {
  if (!executable) return { version: "not found", identity: "" };
  const identity = executableIdentity(executable);
  if (known && known.builderIdentity === identity) return { version: known.builder, identity };
  let version = versionCache.get(identity);
  if (!version) {
    version = probeVersion(executable);
    versionCache.set(identity, version);
  }
  return { version: await version, identity };
}

function fileHash(p: string): string {
  return sha256(readFileSync(p));
}

/** The key parts of `inputs`; `known` (the state's parts) spares the version probe for an unchanged builder. */
export async function computeKeyParts(inputs: AmphoraImageBuildInputs, known?: KnownBuilder): Promise<KeyParts> {
  const files: Record<string, string> = {};
  const dib = await dibExecutable(inputs);
  if (inputs.frontEnd === "octavia" && inputs.script) files.script = fileHash(inputs.script);
  if (inputs.frontEnd === "dib" && dib) files.command = fileHash(dib);
  if (inputs.localImage) {
    // A base cloud image can be gigabytes: its identity is size and modification time, not a hash.
    const st = statSync(inputs.localImage);
    files.localImage = sha256(`${st.size}:${st.mtimeMs}`);
  }
  // The version probe runs in a child process while the element trees are digested here.
  const builder = builderVersion(dib, known);
  builder.catch(() => undefined);
  const elements = await digestElementRoots(await elementRoots(inputs));
  const { version, identity } = await builder;
  return {
    options: sha256(canonicalJson(contentOptions(inputs))),
    env: sha256(canonicalJson(inputs.env)),
    files,
    builder: version,
    builderIdentity: identity,
    elements,
  };
}
