/**
 * The state a deployment writes as its steps complete, as the engine's snapshot manager does: records written in
 * this run (in completion order, so dependencies come first), old records still standing, and the old halves of
 * replacements waiting for their delete (pending deletes). Saved after every change; a preview saves nothing.
 */
import { containsSecrets, toWire, type PropertyValue } from "../host/marshal";
import { StateStore, type ResourceRecord, type StackState } from "../state";
import type { Registration, Wire } from "./program";

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";

export type RecordData = Pick<ResourceRecord, "id" | "inputs" | "outputs" | "secretInputs" | "secretOutputs"> &
  Partial<Pick<ResourceRecord, "initErrors" | "external">>;

export function isDynamicType(type: string): boolean {
  return type.startsWith(DYNAMIC_PREFIX);
}

export class StateCommit {
  old!: StackState;
  private readonly oldByUrn = new Map<string, ResourceRecord>();
  /** Records written in this run, in completion order. */
  private readonly next = new Map<string, ResourceRecord>();
  /** URNs of old records that are gone (deleted, or replaced by `next`). */
  private readonly dropped = new Set<string>();
  /** Old halves of create-before-delete replacements, deleted at the end (loaded ones: left by an earlier run). */
  pendingDeletes: ResourceRecord[] = [];
  outputs: Wire = {};
  secretOutputs: string[] = [];

  constructor(
    private readonly store: StateStore,
    private readonly command: string,
    private readonly preview: boolean,
  ) {}

  load(): void {
    this.old = this.store.load();
    this.pendingDeletes = this.old.resources.filter((rec) => rec.pendingDelete);
    this.old.resources = this.old.resources.filter((rec) => !rec.pendingDelete);
    for (const rec of this.old.resources) this.oldByUrn.set(rec.urn, rec);
    this.outputs = this.old.outputs;
    this.secretOutputs = this.old.secretOutputs;
  }

  oldRecord(urn: string): ResourceRecord | undefined {
    return this.oldByUrn.get(urn);
  }

  /** Writes the record of a registration's completed step. */
  record(reg: Registration, data: RecordData): void {
    const rec: ResourceRecord = {
      urn: reg.urn,
      type: reg.type,
      name: reg.name,
      custom: reg.custom,
      dynamic: isDynamicType(reg.type),
      ...(data.external ? { external: true } : {}),
      id: data.id,
      ...(reg.parent ? { parent: reg.parent } : {}),
      dependencies: reg.dependencies,
      ...(reg.protect ? { protect: true } : {}),
      ...(reg.retainOnDelete && !reg.read ? { retainOnDelete: true } : {}),
      ...(reg.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: reg.deleteBeforeReplace } : {}),
      ...(reg.additionalSecretOutputs.length ? { additionalSecretOutputs: reg.additionalSecretOutputs } : {}),
      inputs: data.inputs,
      outputs: data.outputs,
      secretInputs: data.secretInputs,
      secretOutputs: data.secretOutputs,
      ...(data.initErrors ? { initErrors: data.initErrors } : {}),
    };
    this.put(rec);
  }

  /** Keeps (or replaces) a record as it is. */
  put(rec: ResourceRecord): void {
    this.next.delete(rec.urn);
    this.next.set(rec.urn, rec);
    this.dropped.add(rec.urn);
    this.save();
  }

  /** A refreshed record: the steps that follow in this run start from it, as from the state it replaces. */
  refreshed(rec: ResourceRecord): void {
    this.old.resources = this.old.resources.map((r) => (r.urn === rec.urn ? rec : r));
    this.oldByUrn.set(rec.urn, rec);
    this.save();
  }

  /** A resource refresh found gone. */
  gone(urn: string): void {
    this.old.resources = this.old.resources.filter((r) => r.urn !== urn);
    this.oldByUrn.delete(urn);
    this.save();
  }

  drop(urn: string): void {
    this.next.delete(urn);
    this.dropped.add(urn);
    this.save();
  }

  /** A component's `registerOutputs`: its outputs are its inputs plus what it registered. */
  componentOutputs(urn: string, outs: Wire): void {
    const rec = this.next.get(urn);
    if (!rec || rec.custom || this.preview) return;
    rec.outputs = { ...rec.inputs, ...(toWire(outs) as Wire) };
    rec.secretOutputs = [...new Set([...rec.secretInputs, ...Object.keys(outs).filter((k) => containsSecrets(outs[k]))])];
  }

  addPendingDelete(rec: ResourceRecord): void {
    this.pendingDeletes.push({ ...rec, pendingDelete: true });
  }

  removePendingDelete(rec: ResourceRecord): void {
    this.pendingDeletes = this.pendingDeletes.filter((p) => p !== rec);
    this.save();
  }

  setStackOutputs(wire: Wire | undefined): void {
    if (!wire) {
      this.outputs = {};
      this.secretOutputs = [];
      return;
    }
    this.secretOutputs = Object.keys(wire).filter((k) => containsSecrets(wire[k]));
    this.outputs = toWire(wire) as Wire;
  }

  save(): void {
    if (this.preview) return;
    const kept = this.old.resources.filter((r) => !this.dropped.has(r.urn));
    this.store.save({
      command: this.command,
      outputs: this.outputs as Record<string, PropertyValue>,
      secretOutputs: this.secretOutputs,
      resources: [...this.next.values(), ...kept, ...this.pendingDeletes],
    });
  }
}
