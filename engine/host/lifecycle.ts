/**
 * A mini engine for one resource, following the engine's step generator (pkg/resource/deploy/step_generator.go):
 *
 * up(inputs):
 *   - no state: Check(olds={}, news) -> Create(checked inputs)                                        op "create"
 *   - state:    Check(olds=old inputs, news) -> Diff(id, olds=OLD OUTPUTS, news=checked, oldInputs)
 *       DIFF_UNKNOWN (provider has no opinion): the engine compares old and new inputs (incl. __provider) itself
 *       no changes                          -> nothing is called; state keeps old outputs, new inputs     op "same"
 *       changes, no replaces                -> Update(id, olds=OLD OUTPUTS, news=checked, oldInputs)      op "update"
 *       changes with replaces               -> re-Check(olds={}, news) (defaults recomputed), then
 *            create-before-delete (default): Create(new) then Delete(old id, OLD OUTPUTS)                op "replace"
 *              (with `deferDelete` the old resource is handed back as `pendingDelete`: the engine deletes it at
 *              the end of the deployment, after every other step)
 *            delete-before-replace (diff.deleteBeforeReplace, or the resource option overriding it):
 *                                            Delete(old) then Create(new)
 *   - `--replace <urn>` / `pulumi state taint`: no Diff at all; Check(olds={}, news), then the replacement as above
 *     (the engine blames the id; only the resource option can make it delete-before-replace).
 *   - `replaceOnChanges`: the engine turns changed keys into replace keys, and it knows changed keys only when the
 *     provider's Diff left them to it (DIFF_UNKNOWN): the dynamic-provider host never reports changed keys, so
 *     for a provider whose diff answers changes true/false the option has no effect, as under the engine.
 * preview(inputs): Check and Diff only (the dynamic-provider host does not support preview, so the engine never
 *   calls Create/Update during preview); unknown inputs may be passed as UNKNOWN.
 * refresh(): Read(id, props=OLD OUTPUTS, inputs=OLD INPUTS); an empty id means the resource is gone.
 * destroy(): Delete(id, OLD OUTPUTS, OLD INPUTS).
 *
 * Check failures throw CheckFailedError; provider errors throw ProviderCallError; state is left as the engine would
 * leave it for the steps that completed.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DiffResult, ResourceHandle } from "./provider-host";
import { CheckFailedError } from "./errors";
import { secretOutputPaths, wireEqual, withoutProvider, type PropertyMap, type PropertyValue } from "./marshal";
import { serializeProvider } from "./serialize";

export interface LifecycleOptions {
  /** The `deleteBeforeReplace` resource option: overrides the provider's choice when set. */
  deleteBeforeReplace?: boolean;
  /** The `additionalSecretOutputs` resource option (only reflected in `secretOutputs`). */
  additionalSecretOutputs?: string[];
  /** The `replaceOnChanges` resource option: top-level property names (or `*`). */
  replaceOnChanges?: string[];
}

export interface ResourceState {
  id: string;
  /** Checked inputs as stored by the engine (with `__provider`). */
  inputs: Record<string, PropertyValue>;
  /** Outputs as stored by the engine (with `__provider`). */
  outputs: Record<string, PropertyValue>;
  /** Output paths the engine would store as secrets. */
  secretOutputs: string[];
}

export type StepOp = "create" | "same" | "update" | "replace";

/**
 * A step about to be carried out, as the engine emits its ResourcePreEvent: its op (a replacement is the create of
 * the new resource and, for delete-before-replace, first the delete of the old one), the checked inputs the
 * provider gets, and the Diff behind it.
 */
export type StepStart = (
  op: "create" | "update" | "create-replacement" | "delete-replaced",
  checked: Record<string, PropertyValue>,
  diff?: DiffResult,
) => void;

export interface StepResult {
  op: StepOp;
  id: string;
  /** Outputs after the step, without `__provider`. */
  outputs: Record<string, PropertyValue>;
  /** Checked inputs, without `__provider`. */
  inputs: Record<string, PropertyValue>;
  /** The provider's Diff answer (absent for a create). */
  diff?: DiffResult;
  /** For a replace: the replaced resource's id, and whether it was deleted first. */
  oldId?: string;
  deleteBeforeReplace?: boolean;
  /** For a create-before-delete replace with `deferDelete`: the old resource, still to be deleted. */
  pendingDelete?: ResourceState;
  secretOutputs: string[];
  /** Host output lines printed during the step, in order (the "plan lines"). */
  output: string[];
}

export interface PreviewResult {
  op: StepOp;
  inputs: Record<string, PropertyValue>;
  diff?: DiffResult;
  output: string[];
}

export interface RefreshResult {
  op: "refresh" | "gone";
  id?: string;
  outputs?: Record<string, PropertyValue>;
  output: string[];
}

export class Lifecycle {
  /** The engine's view of the resource; settable to start from a given (e.g. older) state. */
  state?: ResourceState;

  constructor(
    public handle: ResourceHandle,
    readonly options: LifecycleOptions = {},
  ) {}

  /**
   * Deploys `inputs` (secrets allowed). Pass `provider` to simulate a new version of the program's provider
   * (a new `__provider` in the inputs; deletes of old resources still use the old one from state).
   */
  async up(
    inputs: PropertyMap,
    opts: {
      provider?: pulumi.dynamic.ResourceProvider | { text: string };
      /** `pulumi up --replace <urn>` or a tainted resource: replaced without asking Diff. */
      replace?: boolean;
      /** Leave the delete of a create-before-delete replacement to the caller (the engine runs it last). */
      deferDelete?: boolean;
      /**
       * Called once the step is decided and before the provider is asked to carry it out (the engine's
       * ResourcePreEvent): with the checked inputs it will send, and the Diff that decided it.
       */
      onStart?: StepStart;
    } = {},
  ): Promise<StepResult> {
    if (opts.provider) await this.useProvider(opts.provider);
    const h = this.handle;
    const output: string[] = [];
    const old = this.state;
    if (old && opts.replace) {
      const rechecked = await this.checkOrThrow(inputs, undefined, output);
      const forced: DiffResult = { changes: "some", replaces: ["id"], deleteBeforeReplace: false, output: [] };
      return this.replace(old, inputs, rechecked, output, forced, opts.deferDelete, opts.onStart);
    }
    const checked = await this.checkOrThrow(inputs, this.state?.inputs, output);

    if (!old) {
      opts.onStart?.("create", checked);
      const created = await h.create(checked);
      output.push(...created.output);
      this.state = this.newState(created.id, inputs, checked, created.raw);
      return this.result("create", output);
    }

    const diff = await this.diffWithFallback(old, checked, output);
    if (diff.changes === "none") {
      this.state = { ...old, inputs: checked };
      return this.result("same", output, { diff });
    }
    if (diff.replaces.length === 0) {
      opts.onStart?.("update", checked, diff);
      const updated = await h.update(old.id, old.outputs, checked, old.inputs);
      output.push(...updated.output);
      this.state = this.newState(old.id, inputs, checked, updated.raw);
      return this.result("update", output, { diff });
    }

    // Replacement: defaults are recomputed with a Check against no olds.
    const rechecked = await this.checkOrThrow(inputs, undefined, output);
    return this.replace(old, inputs, rechecked, output, diff, opts.deferDelete, opts.onStart);
  }

  private async replace(
    old: ResourceState,
    inputs: PropertyMap,
    rechecked: Record<string, PropertyValue>,
    output: string[],
    diff: DiffResult,
    deferDelete = false,
    onStart?: StepStart,
  ): Promise<StepResult> {
    const h = this.handle;
    const dbr = this.options.deleteBeforeReplace ?? diff.deleteBeforeReplace;
    if (dbr) {
      onStart?.("delete-replaced", rechecked, diff);
      const deleted = await h.delete(old.id, old.outputs, old.inputs);
      output.push(...deleted.output);
      this.state = undefined;
      onStart?.("create-replacement", rechecked, diff);
      const created = await h.create(rechecked);
      output.push(...created.output);
      this.state = this.newState(created.id, inputs, rechecked, created.raw);
    } else {
      onStart?.("create-replacement", rechecked, diff);
      const created = await h.create(rechecked);
      output.push(...created.output);
      this.state = this.newState(created.id, inputs, rechecked, created.raw);
      if (deferDelete) return this.result("replace", output, { diff, oldId: old.id, deleteBeforeReplace: false, pendingDelete: old });
      const deleted = await h.delete(old.id, old.outputs, old.inputs);
      output.push(...deleted.output);
    }
    return this.result("replace", output, { diff, oldId: old.id, deleteBeforeReplace: dbr });
  }

  /** What `pulumi preview` would decide: Check + Diff, no Create/Update. */
  async preview(inputs: PropertyMap, opts: { replace?: boolean } = {}): Promise<PreviewResult> {
    const output: string[] = [];
    if (this.state && opts.replace) {
      const rechecked = await this.checkOrThrow(inputs, undefined, output);
      return { op: "replace", inputs: withoutProvider(rechecked), output };
    }
    const checked = await this.checkOrThrow(inputs, this.state?.inputs, output);
    if (!this.state) return { op: "create", inputs: withoutProvider(checked), output };
    const diff = await this.diffWithFallback(this.state, checked, output);
    const op: StepOp = diff.changes === "none" ? "same" : diff.replaces.length > 0 ? "replace" : "update";
    return { op, inputs: withoutProvider(checked), diff, output };
  }

  /** `pulumi refresh` for this resource. */
  async refresh(): Promise<RefreshResult> {
    const old = this.requireState("refresh");
    const read = await this.handle.read(old.id, old.outputs, old.inputs);
    if (!read.id) {
      this.state = undefined;
      return { op: "gone", output: read.output };
    }
    const inputs = read.rawInputs ?? old.inputs;
    this.state = {
      id: read.id,
      inputs,
      outputs: read.raw,
      secretOutputs: secretOutputPaths(inputs, read.raw, this.options.additionalSecretOutputs),
    };
    return { op: "refresh", id: read.id, outputs: read.outs, output: read.output };
  }

  /** `pulumi destroy` for this resource. */
  async destroy(): Promise<{ output: string[] }> {
    const old = this.requireState("destroy");
    const r = await this.handle.delete(old.id, old.outputs, old.inputs);
    this.state = undefined;
    return r;
  }

  private async useProvider(provider: pulumi.dynamic.ResourceProvider | { text: string }): Promise<void> {
    const text = "text" in provider && typeof provider.text === "string"
      ? provider.text
      : (await serializeProvider(provider as pulumi.dynamic.ResourceProvider)).text;
    this.handle = await this.handle.host.resource({ text }, this.handle.type, this.handle.name);
  }

  private async checkOrThrow(
    inputs: PropertyMap,
    olds: PropertyMap | undefined,
    output: string[],
  ): Promise<Record<string, PropertyValue>> {
    const checked = await this.handle.check(inputs, olds);
    output.push(...checked.output);
    if (checked.failures.length > 0) throw new CheckFailedError(this.handle.urn, checked.failures);
    return checked.raw;
  }

  private async diffWithFallback(
    old: ResourceState,
    checked: Record<string, PropertyValue>,
    output: string[],
  ): Promise<DiffResult> {
    const diff = await this.handle.diff(old.id, old.outputs, checked, old.inputs);
    output.push(...diff.output);
    if (diff.changes !== "unknown") return diff;
    // The engine's own diff of old inputs vs new inputs (including __provider); only here does it know which keys
    // changed, and so only here can replaceOnChanges turn a change into a replacement.
    const changed = [...new Set([...Object.keys(old.inputs), ...Object.keys(checked)])].filter(
      (k) => !wireEqual(old.inputs[k] ?? null, checked[k] ?? null),
    );
    if (changed.length === 0) return { ...diff, changes: "none" };
    const replaceOn = this.options.replaceOnChanges ?? [];
    const replaces = changed.filter((k) => replaceOn.includes("*") || replaceOn.includes(k));
    return { ...diff, changes: "some", replaces: [...diff.replaces, ...replaces] };
  }

  private newState(
    id: string,
    programInputs: PropertyMap,
    checked: Record<string, PropertyValue>,
    outputs: Record<string, PropertyValue>,
  ): ResourceState {
    return {
      id,
      inputs: checked,
      outputs,
      // secretness comes from the program's inputs (the checked inputs came back from the host without markers)
      secretOutputs: secretOutputPaths(programInputs, outputs, this.options.additionalSecretOutputs),
    };
  }

  private result(op: StepOp, output: string[], extra: Partial<StepResult> = {}): StepResult {
    const s = this.requireState(op);
    return {
      op,
      id: s.id,
      outputs: withoutProvider(s.outputs),
      inputs: withoutProvider(s.inputs),
      secretOutputs: s.secretOutputs,
      output,
      ...extra,
    };
  }

  private requireState(what: string): ResourceState {
    if (!this.state) throw new Error(`${what}: resource ${this.handle.urn} has no state`);
    return this.state;
  }
}
