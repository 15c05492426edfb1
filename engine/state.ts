/**
 * The stack's state file (this runner's equivalent of the CLI's checkpoint), JSON:
 *   { version, project, stack, updatedAt, command, secrets?, outputs, secretOutputs, resources: [...] }
 * Resources are kept in the order their steps completed (dependencies first), as the engine orders its snapshot;
 * deletes go in reverse order. Like the engine, a dynamic resource's `__provider` is kept in its inputs and outputs.
 *
 * - Written after every completed step, atomically (temp file in the same directory, fsync, rename).
 * - Never holds the stack config. Top-level properties that are secret (a secret program input, an output with
 *   the same key, `additionalSecretOutputs`, secret stack outputs) are stored encrypted (see secrets.ts).
 * - A lock file (`<state>.lock`, holding the pid) keeps two runs from writing the same stack at once.
 */
import * as fs from "fs";
import * as path from "path";
import { processAlive } from "../provider/common/process";
import type { PropertyValue } from "./host/marshal";
import { SecretsManager, isEncrypted, type SecretsInfo } from "./secrets";

export const STATE_VERSION = 1;

export interface ResourceRecord {
  urn: string;
  type: string;
  name: string;
  /** Custom resource (false: component). */
  custom: boolean;
  /** Managed through the dynamic-provider host (type `pulumi-nodejs:dynamic...`). */
  dynamic: boolean;
  /** Read with `get()`: never deleted, only dropped from state. */
  external?: boolean;
  id: string;
  parent?: string;
  dependencies: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  /** The resource option, when set. */
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs?: string[];
  /** Checked inputs (dynamic: with `__provider`). In memory: plain values. */
  inputs: Record<string, PropertyValue>;
  /** Outputs (dynamic: with `__provider`). In memory: plain values. */
  outputs: Record<string, PropertyValue>;
  /** Top-level input / output keys that are secret (stored encrypted). */
  secretInputs: string[];
  secretOutputs: string[];
  /** Create returned an id with an error (ErrorResourceInitFailed): the next update always updates it. */
  initErrors?: string[];
  /**
   * The old half of a create-before-delete replacement whose delete has not succeeded yet (the engine's
   * `delete: true` resource): shares its URN with the live resource; deleted at the end of the next up or destroy.
   */
  pendingDelete?: boolean;
}

export interface StackState {
  version: number;
  project: string;
  stack: string;
  updatedAt: string;
  command: string;
  secrets?: SecretsInfo;
  outputs: Record<string, PropertyValue>;
  secretOutputs: string[];
  resources: ResourceRecord[];
}

export class StateError extends Error {
  override name = "StateError";
}

export function defaultStatePath(projectDir: string, project: string, stack: string): string {
  return path.join(projectDir, ".pulumi-state", `${project}.${stack}.json`);
}

export class StateStore {
  readonly secrets: SecretsManager;
  private locked = false;

  constructor(
    readonly file: string,
    readonly project: string,
    readonly stack: string,
  ) {
    this.secrets = new SecretsManager(`${file.replace(/\.json$/, "")}.key`);
  }

  /** The state (decrypted), or an empty one when the file does not exist. */
  load(): StackState {
    if (!fs.existsSync(this.file)) {
      return {
        version: STATE_VERSION,
        project: this.project,
        stack: this.stack,
        updatedAt: "",
        command: "",
        outputs: {},
        secretOutputs: [],
        resources: [],
      };
    }
    let raw: StackState;
    try {
      raw = JSON.parse(fs.readFileSync(this.file, "utf8")) as StackState;
    } catch (e) {
      throw new StateError(`cannot read the state file ${this.file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (raw.version !== STATE_VERSION) {
      throw new StateError(`${this.file}: unsupported state version ${String(raw.version)}`);
    }
    if (raw.project !== this.project || raw.stack !== this.stack) {
      throw new StateError(
        `${this.file} belongs to ${raw.project}/${raw.stack}, not ${this.project}/${this.stack}`,
      );
    }
    this.secrets.info = raw.secrets;
    return {
      ...raw,
      outputs: this.decryptMap(raw.outputs ?? {}),
      resources: (raw.resources ?? []).map((r) => ({
        ...r,
        inputs: this.decryptMap(r.inputs ?? {}),
        outputs: this.decryptMap(r.outputs ?? {}),
      })),
    };
  }

  /** Writes the state atomically, encrypting secret properties. */
  save(state: Omit<StackState, "version" | "project" | "stack" | "updatedAt" | "secrets">): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const resources = state.resources.map((r) => ({
      ...r,
      inputs: this.encryptKeys(r.inputs, r.secretInputs),
      outputs: this.encryptKeys(r.outputs, r.secretOutputs),
    }));
    const outputs = this.encryptKeys(state.outputs, state.secretOutputs);
    const doc: StackState = {
      version: STATE_VERSION,
      project: this.project,
      stack: this.stack,
      updatedAt: new Date().toISOString(),
      command: state.command,
      ...(this.secrets.info ? { secrets: this.secrets.info } : {}),
      outputs,
      secretOutputs: state.secretOutputs,
      resources,
    };
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, "w", 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(doc, null, 2) + "\n");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }

  /** Takes `<state>.lock`; a lock left by a process that no longer runs is taken over. */
  lock(): void {
    const lockFile = `${this.file}.lock`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
        this.locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const pid = Number.parseInt(fs.readFileSync(lockFile, "utf8"), 10);
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
          throw new StateError(`the stack is locked by another run (pid ${pid}, ${lockFile})`);
        }
        fs.rmSync(lockFile, { force: true });
      }
    }
    throw new StateError(`cannot lock ${lockFile}`);
  }

  unlock(): void {
    if (!this.locked) return;
    this.locked = false;
    fs.rmSync(`${this.file}.lock`, { force: true });
  }

  private encryptKeys(map: Record<string, PropertyValue>, keys: readonly string[]): Record<string, PropertyValue> {
    if (keys.length === 0) return map;
    const out: Record<string, PropertyValue> = { ...map };
    for (const k of keys) {
      if (k in out) out[k] = this.secrets.encrypt(out[k]) as unknown as PropertyValue;
    }
    return out;
  }

  private decryptMap(map: Record<string, PropertyValue>): Record<string, PropertyValue> {
    const out: Record<string, PropertyValue> = {};
    for (const [k, v] of Object.entries(map)) out[k] = isEncrypted(v) ? (this.secrets.decrypt(v) as PropertyValue) : v;
    return out;
  }
}
