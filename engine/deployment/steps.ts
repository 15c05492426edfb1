/**
 * Step execution: what the engine does for one resource, through the dynamic-provider host (`Lifecycle` holds the
 * engine's step generator for one resource: check/diff/create/update/replace) or, for resources that are not
 * dynamic, by recording them. Each step reports its row and commits what completed, even when a later part of the
 * step failed, as the engine's snapshot keeps it.
 */
import { startProviderHost, type DiffChanges, type ProviderHost } from "../host/provider-host";
import { Lifecycle, type StepOp, type StepStart } from "../host/lifecycle";
import { CheckFailedError, ProviderCallError } from "../host/errors";
import {
  PROVIDER_KEY,
  containsSecrets,
  secret as wrapSecret,
  toWire,
  wireEqual,
  withoutProvider,
  type PropertyValue,
} from "../host/marshal";
import type { Project } from "../project";
import type { Counts, Op, Reporter, RowOptions } from "../report";
import { displayMap, type StepDetail } from "../display/step-detail";
import type { ResourceRecord } from "../state";
import { isDynamicType, type StateCommit } from "./state-commit";
import type { Registration, StepResult, Wire } from "./program";

/** The engine sets no deadline on provider calls; a gRPC deadline must stay below 2^31 ms. */
const CALL_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** A step failure already reported to the user (the program sees it as a rejected registration). */
const STEP_FAILED_MARK = "(step failed, reported above)";
export class StepFailed extends Error {
  override name = "StepFailed";
  constructor(message: string) {
    super(`${message} ${STEP_FAILED_MARK}`);
  }
}

export function isStepFailure(e: unknown): boolean {
  if (e instanceof StepFailed) return true;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.includes(STEP_FAILED_MARK);
}

export interface StepOptions {
  project: Project;
  stack: string;
  config: Record<string, string>;
  preview: boolean;
  targets?: string[];
  replace?: string[];
}

export class StepExecutor {
  /** Set by the first failed step: the engine starts no new step after a failure. */
  failed = false;
  /** A step failed in the provider (not in Check): the engine then reports `<update|preview|…> failed` on the stack. */
  applyFailed = false;
  private hostPromise?: Promise<ProviderHost>;
  private readonly warned = new Set<string>();
  /** The step each resource started last (a replacement's failure is shown on its create or delete). */
  private readonly running = new Map<string, Parameters<StepStart>[0]>();

  constructor(
    private readonly opts: StepOptions,
    private readonly commit: StateCommit,
    private readonly reporter: Reporter,
    private readonly counts: Counts,
  ) {}

  // ---------------------------------------------------------------- program registrations

  /** The step of one registration; resolves with what the program sees. */
  async register(reg: Registration): Promise<StepResult> {
    if (this.failed) throw new StepFailed(`${reg.urn} not registered: an earlier step failed`);
    for (const option of reg.unsupported) {
      this.warnOnce(option, `the "${option}" resource option is not supported by this runner and is ignored (${reg.urn})`);
    }
    return isDynamicType(reg.type) ? this.dynamicStep(reg) : this.recordedStep(reg);
  }

  targeted(urn: string): boolean {
    const targets = this.opts.targets;
    return !targets?.length || targets.includes(urn);
  }

  private async dynamicStep(reg: Registration): Promise<StepResult> {
    const { urn } = reg;
    const providerText = toWire(reg.inputs[PROVIDER_KEY]);
    if (typeof providerText !== "string") {
      return this.failStep("create", reg.type, reg.name, new Error(`${urn} has no ${PROVIDER_KEY} input: not a pulumi.dynamic.Resource`));
    }
    const old = this.commit.oldRecord(urn);
    const secretInputs = Object.keys(reg.inputs).filter((k) => containsSecrets(reg.inputs[k]));
    const secretOutputKeys = (outputs: Wire) =>
      Object.keys(outputs).filter((k) => secretInputs.includes(k) || reg.additionalSecretOutputs.includes(k));

    if (reg.read) return this.readStep(reg, providerText, secretOutputKeys);
    if (!this.targeted(urn)) return this.untargetedStep(reg, old);
    const replace = this.opts.replace?.includes(urn) === true;
    const preview = this.opts.preview;

    const inputs = this.applyIgnoreChanges(reg, old);
    const started = Date.now();
    let lc: Lifecycle | undefined;
    let op: StepOp = old ? "update" : "create";
    let deletedFirst = false;
    try {
      const handle = await (await this.host()).resource({ text: providerText }, reg.type, reg.name);
      lc = new Lifecycle(handle, {
        deleteBeforeReplace: reg.deleteBeforeReplace,
        additionalSecretOutputs: reg.additionalSecretOutputs,
        replaceOnChanges: reg.replaceOnChanges,
      });
      if (old) lc.state = { id: old.id, inputs: old.inputs, outputs: old.outputs, secretOutputs: old.secretOutputs };
      if (preview) {
        const p = await lc.preview(inputs, { replace });
        this.report(p.op, reg, started, {
          ...oldDetail(reg, old),
          newInputs: displayMap({ ...p.inputs, [PROVIDER_KEY]: providerText }, secretInputs),
          replaces: p.op === "replace" ? (p.diff?.replaces ?? ["id"]) : undefined,
        });
        return this.plannedResult(reg, p.op, p.inputs, old);
      }
      try {
        const r = await lc.up(inputs, { replace, deferDelete: true, onStart: this.startReporter(reg, old, providerText, secretInputs) });
        op = r.op;
        deletedFirst = r.deleteBeforeReplace === true;
        if (r.pendingDelete && old) this.commit.addPendingDelete(old);
        if (op === "same" && old?.initErrors?.length && lc.state) {
          // The engine always updates a resource whose create failed after it got an id.
          const s = lc.state;
          const u = await handle.update(s.id, s.outputs, s.inputs, old.inputs);
          lc.state = { ...s, outputs: u.raw };
          op = "update";
        }
      } finally {
        this.commitLifecycle(reg, lc, old, secretInputs, secretOutputKeys);
      }
    } catch (error) {
      if (error instanceof ProviderCallError && error.initFailed && !preview) {
        const f = error.initFailed;
        const checked = { ...(toWire(inputs) as Wire), [PROVIDER_KEY]: providerText };
        this.commit.record(reg, {
          id: f.id,
          inputs: checked,
          outputs: { ...f.properties, [PROVIDER_KEY]: providerText },
          secretInputs,
          secretOutputs: secretOutputKeys(f.properties),
          initErrors: f.reasons.length ? f.reasons : [error.details],
        });
      }
      const running = this.running.get(reg.urn);
      const replacement = running === "create-replacement" ? "create" : running === "delete-replaced" ? "delete" : undefined;
      return this.failStep(op === "same" ? "update" : (op as Op), reg.type, reg.name, error, inputs, replacement);
    }
    const s = lc.state!;
    this.report(
      op,
      reg,
      started,
      { ...oldDetail(reg, old), newInputs: displayMap(s.inputs, secretInputs), newOutputs: displayMap(s.outputs, secretOutputKeys(s.outputs)) },
      { deletedFirst },
    );
    const outs = withoutProvider(s.outputs) as Wire;
    return { id: lc.state!.id, state: markSecrets(outs, secretOutputKeys(outs)) };
  }

  /**
   * The rows of a step as the engine starts its parts: the create or update; for a replacement, the create of the
   * new resource, and for delete-before-replace first the delete of the old one (then the logical replace step).
   */
  private startReporter(reg: Registration, old: ResourceRecord | undefined, providerText: string, secretInputs: string[]): StepStart {
    let deleting: number | undefined;
    return (startOp, checked, diff) => {
      this.running.set(reg.urn, startOp);
      const replacing = startOp === "create-replacement" || startOp === "delete-replaced";
      const detail: StepDetail = {
        ...oldDetail(reg, old),
        newInputs: displayMap({ ...checked, [PROVIDER_KEY]: providerText }, secretInputs),
        replaces: replacing ? (diff?.replaces ?? ["id"]) : undefined,
      };
      if (startOp === "delete-replaced") {
        deleting = Date.now();
        this.reporter.stepStarted("delete", reg.type, reg.name, { detail: oldDetail(reg, old), original: true });
        return;
      }
      if (startOp === "create-replacement" && deleting !== undefined) {
        this.reporter.row("delete", reg.type, reg.name, { detail: oldDetail(reg, old), original: true, seconds: (Date.now() - deleting) / 1000 });
        this.reporter.replaceStep(reg.type, reg.name, detail);
      }
      this.reporter.stepStarted(startOp === "create-replacement" ? "replace" : startOp, reg.type, reg.name, { detail });
    };
  }

  /** What the program sees of a planned step: no Create/Update in preview, so the checked inputs; other outputs stay unknown. */
  private plannedResult(reg: Registration, op: StepOp, checked: Wire, old: ResourceRecord | undefined): StepResult {
    if (op === "same" && old) {
      return { id: old.id, state: markSecrets(withoutProvider(old.outputs) as Wire, old.secretOutputs) };
    }
    const secretInputs = Object.keys(reg.inputs).filter((k) => containsSecrets(reg.inputs[k]));
    return { id: op === "create" ? undefined : old?.id, state: markSecrets(checked, secretInputs) };
  }

  private commitLifecycle(
    reg: Registration,
    lc: Lifecycle,
    old: ResourceRecord | undefined,
    secretInputs: string[],
    secretOutputKeys: (o: Wire) => string[],
  ): void {
    const s = lc.state;
    if (!s) {
      if (old) this.commit.drop(reg.urn);
      return;
    }
    if (old && s.id === old.id && s.outputs === old.outputs && s.inputs === old.inputs) return; // nothing ran
    this.commit.record(reg, {
      id: s.id,
      inputs: s.inputs,
      outputs: s.outputs,
      secretInputs,
      secretOutputs: secretOutputKeys(s.outputs),
    });
  }

  /** Not targeted: the engine keeps the old state without calling Check; a new resource is not created. */
  private untargetedStep(reg: Registration, old: ResourceRecord | undefined): StepResult {
    if (!old) {
      this.reporter.stackDiagnostic("warning", `${reg.type} ${reg.name}: not created (not a --target)`);
      return { id: undefined, state: {} };
    }
    this.counts.same++;
    this.commit.put(old);
    return { id: old.id, state: markSecrets(withoutProvider(old.outputs) as Wire, old.secretOutputs) };
  }

  private async readStep(reg: Registration, providerText: string, secretOutputKeys: (o: Wire) => string[]): Promise<StepResult> {
    const started = Date.now();
    let r;
    try {
      const handle = await (await this.host()).resource({ text: providerText }, reg.type, reg.name);
      r = await handle.read(reg.id, toWire(reg.inputs) as Wire);
      if (!r.id) throw new Error(`resource '${reg.id}' does not exist`);
    } catch (error) {
      return this.failStep("read", reg.type, reg.name, error);
    }
    this.report("read", reg, started);
    if (!this.opts.preview) {
      this.commit.record(reg, {
        id: r.id,
        inputs: r.rawInputs ?? (toWire(reg.inputs) as Wire),
        outputs: { ...r.raw, [PROVIDER_KEY]: providerText },
        secretInputs: [],
        secretOutputs: secretOutputKeys(r.raw),
        external: true,
      });
    }
    return { id: r.id, state: markSecrets(r.outs as Wire, secretOutputKeys(r.raw)) };
  }

  /** Not a dynamic resource: recorded in state, outputs = inputs. */
  private recordedStep(reg: Registration): StepResult {
    const old = this.commit.oldRecord(reg.urn);
    const plain = toWire(this.applyIgnoreChanges(reg, old)) as Wire;
    const secretInputs = Object.keys(reg.inputs).filter((k) => containsSecrets(reg.inputs[k]));
    const secretOutputs = [...new Set([...secretInputs, ...reg.additionalSecretOutputs.filter((k) => k in plain)])];
    const op: Op = reg.read ? "read" : !old ? "create" : wireEqual(old.inputs, plain) ? "same" : "update";
    const id = reg.read ? reg.id : old?.id || (reg.custom ? `${reg.name}-id` : "");
    const detail: StepDetail = { ...oldDetail(reg, old), newInputs: displayMap(plain, secretInputs) };
    if (op !== "same") this.reporter.stepStarted(op, reg.type, reg.name, { detail });
    this.report(op, reg, undefined, {
      ...detail,
      newOutputs: this.opts.preview ? undefined : displayMap(plain, secretOutputs),
    });
    if (!this.opts.preview) {
      this.commit.record(reg, { id, inputs: plain, outputs: plain, secretInputs, secretOutputs, external: reg.read || undefined });
    }
    const known = reg.custom && !(this.opts.preview && op === "create"); // a planned create has no id yet
    return { id: known ? id : undefined, state: markSecrets(plain, secretOutputs) };
  }

  private applyIgnoreChanges(reg: Registration, old: ResourceRecord | undefined): Wire {
    const inputs: Wire = { ...reg.inputs };
    if (!old || reg.ignoreChanges.length === 0) return inputs;
    for (const key of reg.ignoreChanges) {
      if (/[.[\]"]/.test(key)) {
        this.warnOnce(`ignoreChanges:${reg.urn}:${key}`, `ignoreChanges "${key}" on ${reg.urn}: only top-level properties are supported; ignored`);
        continue;
      }
      if (key in old.inputs) inputs[key] = old.inputs[key] as PropertyValue;
      else delete inputs[key];
    }
    return inputs;
  }

  // ---------------------------------------------------------------- delete / refresh of a state record

  /** Deletes a record's resource (a pending delete stays in state until the caller removes it). */
  async deleteRecord(rec: ResourceRecord): Promise<boolean> {
    if (rec.protect) {
      return this.failRecord("delete", rec, new Error(`${rec.urn} is protected: unprotect it (remove the protect option and run up) before deleting it`));
    }
    const detail = recordDetail(rec);
    if (this.opts.preview) {
      this.reporter.row("delete", rec.type, rec.name, { preview: true, detail });
      this.counts.delete++;
      return true;
    }
    this.reporter.stepStarted("delete", rec.type, rec.name, { detail, original: rec.pendingDelete });
    if (!rec.dynamic || rec.external || rec.retainOnDelete || !rec.custom) {
      const why = rec.external ? "(external: not deleted)" : rec.retainOnDelete ? "(retainOnDelete: not deleted)" : undefined;
      this.reporter.row("delete", rec.type, rec.name, { note: why, detail });
      this.counts.delete++;
      this.commit.drop(rec.urn);
      return true;
    }
    const started = Date.now();
    try {
      const handle = await this.recordHandle(rec);
      await handle.delete(rec.id, rec.outputs, rec.inputs);
    } catch (error) {
      return this.failRecord("delete", rec, error);
    }
    this.reporter.row("delete", rec.type, rec.name, {
      seconds: (Date.now() - started) / 1000,
      original: rec.pendingDelete,
      detail,
    });
    // The delete of a replaced resource's original is counted in its replacement (engine: DeleteStep.Logical).
    if (!rec.pendingDelete) this.counts.delete++;
    if (!rec.pendingDelete) this.commit.drop(rec.urn);
    return true;
  }

  /** Read, then Diff of the refreshed state against its inputs, as `pulumi refresh` does. */
  async refreshRecord(rec: ResourceRecord): Promise<boolean> {
    if (!rec.dynamic || !rec.custom) {
      this.counts.same++;
      return true;
    }
    const started = Date.now();
    const before = recordDetail(rec);
    this.reporter.stepStarted("refresh", rec.type, rec.name, { detail: before });
    let outcome: { gone: true } | { gone: false; state: NonNullable<Lifecycle["state"]>; drift: DiffChanges };
    try {
      const handle = await this.recordHandle(rec);
      const lc = new Lifecycle(handle, { additionalSecretOutputs: rec.additionalSecretOutputs });
      lc.state = { id: rec.id, inputs: rec.inputs, outputs: rec.outputs, secretOutputs: rec.secretOutputs };
      const r = await lc.refresh();
      if (r.op === "gone" || !lc.state) outcome = { gone: true };
      else {
        const diff = await handle.diff(lc.state.id, lc.state.outputs, lc.state.inputs);
        outcome = { gone: false, state: lc.state, drift: diff.changes };
      }
    } catch (error) {
      return this.failRecord("refresh", rec, error);
    }
    const seconds = (Date.now() - started) / 1000;
    if (outcome.gone) {
      this.reporter.row("gone", rec.type, rec.name, { seconds, preview: this.opts.preview, detail: before });
      this.counts.delete++;
      this.commit.gone(rec.urn);
      return true;
    }
    const s = outcome.state;
    // The engine's result of a refresh (RefreshStep.ResultOp): an update when the Diff after Read finds the
    // resource differing from its inputs, else unchanged; a provider without an opinion: whether the read changed it.
    const changed = !wireEqual(s.outputs, rec.outputs) || !wireEqual(s.inputs, rec.inputs) || s.id !== rec.id;
    const drifted = outcome.drift === "some" || (outcome.drift === "unknown" && changed);
    const shown: Op = drifted ? (this.opts.preview ? "refresh" : "update") : "same";
    const after = { ...before, newInputs: displayMap(s.inputs, rec.secretInputs), newOutputs: displayMap(s.outputs, rec.secretOutputs) };
    this.reporter.row(shown, rec.type, rec.name, { seconds, preview: this.opts.preview, refreshed: true, detail: after });
    if (drifted) this.counts.update++;
    else this.counts.same++;
    {
      this.commit.refreshed({
        ...rec,
        id: s.id,
        inputs: s.inputs,
        outputs: s.outputs,
        secretOutputs: Object.keys(s.outputs).filter((k) => rec.secretInputs.includes(k) || (rec.additionalSecretOutputs ?? []).includes(k)),
      });
    }
    return true;
  }

  // ---------------------------------------------------------------- plumbing

  host(): Promise<ProviderHost> {
    if (!this.hostPromise) {
      this.hostPromise = startProviderHost({
        cwd: this.opts.project.dir,
        project: this.opts.project.name,
        stack: this.opts.stack,
        config: this.opts.config,
        callTimeoutMs: CALL_TIMEOUT_MS,
        onOutput: (l) => this.reporter.providerOutput(l.line),
      });
    }
    return this.hostPromise;
  }

  /** Starts the host now (it takes ~0.7 s) when the state shows it will be needed. */
  prestartHost(): void {
    this.host().catch(() => undefined); // a start failure is reported by the first step that needs the host
  }

  async stopHost(): Promise<void> {
    if (!this.hostPromise) return;
    try {
      await (await this.hostPromise).stop();
    } catch {
      // a host that failed to start was reported by the step that needed it
    }
  }

  warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.reporter.stackDiagnostic("warning", message);
  }

  private async recordHandle(rec: ResourceRecord) {
    const text = toWire(rec.outputs[PROVIDER_KEY] ?? rec.inputs[PROVIDER_KEY]);
    if (typeof text !== "string") throw new Error(`${rec.urn}: no ${PROVIDER_KEY} in state`);
    return (await this.host()).resource({ text }, rec.type, rec.name);
  }

  private report(
    op: StepOp | Op,
    reg: Pick<Registration, "type" | "name" | "custom">,
    started?: number,
    detail?: StepDetail,
    extra: Pick<RowOptions, "deletedFirst"> = {},
  ): void {
    const shown = op as Op;
    if (shown === "create" || shown === "update" || shown === "replace" || shown === "same" || shown === "delete" || shown === "read") {
      this.counts[shown]++;
    }
    // As the CLI's non-interactive display: no row for an unchanged custom resource.
    if (shown === "same") return;
    this.reporter.row(shown, reg.type, reg.name, {
      ...extra,
      preview: this.opts.preview,
      seconds: started === undefined ? undefined : (Date.now() - started) / 1000,
      detail,
    });
  }

  private failStep(op: Op, type: string, name: string, error: unknown, inputs: Wire = {}, replacement?: "create" | "delete"): Promise<never> {
    this.failed = true;
    if (error instanceof CheckFailedError) {
      const messages = error.failures.map((f) => checkFailureMessage(type, name, f, inputs));
      this.reporter.checkFailedRow(type, name, messages);
      return Promise.reject(new StepFailed(`${type} ${name}: ${messages[0] ?? "check failed"}`));
    }
    this.applyFailed = true;
    const message = describeStepError(error);
    this.reporter.failedRow(op, type, name, message, undefined, replacement);
    return Promise.reject(new StepFailed(`${type} ${name}: ${message.split("\n")[0]}`));
  }

  private failRecord(op: Op, rec: ResourceRecord, error: unknown): false {
    this.failed = true;
    this.applyFailed = true;
    this.reporter.failedRow(op, rec.type, rec.name, describeStepError(error));
    return false;
  }
}

/** The old state of a registration's resource as the display sees it (none for a create). */
function oldDetail(reg: Pick<Registration, "urn" | "type" | "custom" | "parent">, old: ResourceRecord | undefined): StepDetail {
  const base = { urn: reg.urn, type: reg.type, custom: reg.custom, parent: reg.parent || undefined };
  if (!old) return base;
  return {
    ...base,
    id: old.id || undefined,
    oldInputs: displayMap(old.inputs, old.secretInputs),
    oldOutputs: displayMap(old.outputs, old.secretOutputs),
  };
}

/** A state record as the display sees the resource it deletes. */
function recordDetail(rec: ResourceRecord): StepDetail {
  return { ...oldDetail({ ...rec, parent: rec.parent ?? "" }, rec), newInputs: undefined };
}

/** Wraps the given top-level keys in the engine's secret marker, so the program sees secret outputs. */
function markSecrets(values: Wire, keys: readonly string[]): Wire {
  const out: Wire = {};
  for (const [k, v] of Object.entries(values)) {
    out[k] = keys.includes(k) && !containsSecrets(v) ? (wrapSecret(v) as unknown as PropertyValue) : v;
  }
  return out;
}

/** The error as the engine shows it: the provider's own message. */
function describeStepError(e: unknown): string {
  if (e instanceof ProviderCallError) return e.details;
  return e instanceof Error ? e.message : String(e);
}

/**
 * A check failure as the engine reports it (diag errors 2002/2003, step_generator.go issueCheckFailures):
 * `<type> resource '<name>': property <property> value {<value>} has a problem: <reason>`, the value being the
 * program's input of that key as Go prints it (`{<nil>}` when there is none); a secret is not shown.
 */
export function checkFailureMessage(type: string, name: string, f: { property: string; reason: string }, inputs: Wire): string {
  if (!f.property) return `${type} resource '${name}' has a problem: ${f.reason}`;
  const v: unknown = inputs[f.property];
  const shown = containsSecrets(v) ? "[secret]" : v === undefined || v === null ? "<nil>" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return `${type} resource '${name}': property ${f.property} value {${shown}} has a problem: ${f.reason}`;
}

