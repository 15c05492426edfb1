/**
 * A small deployment engine for Pulumi programs whose managed resources are dynamic resources, used where the
 * Pulumi CLI is not installed. The program runs in-process under `pulumi.runtime.setMocks`; every resource it
 * registers becomes a step:
 *
 * - `pulumi-nodejs:dynamic...` resources go through @pulumi/pulumi's real dynamic-provider host (one host per run,
 *   started in the project directory with the stack config, like the engine starts it) and the harness's
 *   `Lifecycle` (the engine's step generator for one resource: check/diff/create/update/replace);
 * - every other resource (components, `@pulumi/openstack` resources, explicit providers) is only recorded:
 *   outputs = inputs, id `<name>-id`, create/same/update by comparing inputs.
 *
 * Steps run one at a time, in registration order (the SDK registers a resource only once its inputs are known, so
 * this order respects dependencies). After the program: resources in state that were not registered are deleted
 * in reverse order. The state is saved after every step.
 *
 * Differences from the Pulumi engine (known, deliberate):
 * - steps run one at a time (the engine runs independent steps in parallel);
 * - non-dynamic resources are not managed (no resource plugins): recorded only; provider functions (invoke) and
 *   StackReference cannot work; the `provider` resource option is ignored;
 * - resource options honoured: protect (delete refused), retainOnDelete, deleteBeforeReplace,
 *   additionalSecretOutputs, ignoreChanges (top-level properties only), replaceOnChanges (as the engine applies it:
 *   only to keys it computed itself, i.e. when the provider's Diff answered DIFF_UNKNOWN). Aliases, import and
 *   deletedWith are ignored with a warning; customTimeouts, transforms and hooks are ignored;
 * - `--replace <urn>` replaces without calling Diff (Check with no old inputs, Create, and the old resource's
 *   Delete at the end of the deployment); `--target <urn>` runs steps for the listed resources only: others keep
 *   their state without a Check, are not created and not deleted;
 * - the old half of a create-before-delete replacement is deleted at the end of the deployment, after every other
 *   step; when that delete fails it stays in state as a pending delete and is retried by the next up or destroy;
 *   a create that failed with an id is kept and updated on the next up;
 * - the root stack resource is neither shown nor counted; no --diff view, no confirmation prompt;
 * - the program is compiled by this process's ts-node (the runner's tsconfig), not with the project's tsconfig;
 * - the state file is this runner's own JSON, not a Pulumi checkpoint.
 */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import type * as pulumiTypes from "@pulumi/pulumi";
import type * as resproto from "@pulumi/pulumi/proto/resource_pb";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { startProviderHost, type ProviderHost } from "../host/provider-host";
import { Lifecycle, type StepOp } from "../host/lifecycle";
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
import { DETAIL_INDENT, Reporter, displayType, emptyCounts, summary, type Counts, type Op } from "../report";
import { StateStore, type ResourceRecord, type StackState } from "../state";

export type Command = "up" | "preview" | "destroy" | "refresh";

export interface DeploymentOptions {
  command: Command;
  project: Project;
  stack: string;
  /** Stack config, fully qualified keys. Given to the program and to the provider host's Configure; never saved. */
  config: Record<string, string>;
  statePath: string;
  reporter?: Reporter;
  /** Print provider output live once a step has run this long (ms). */
  streamAfterMs?: number;
  /** `--target`: only these URNs get steps. */
  targets?: string[];
  /** `--replace`: these URNs are replaced without asking Diff. */
  replace?: string[];
}

const STACK_TYPE = "pulumi:pulumi:Stack";
/** The engine sets no deadline on provider calls; a gRPC deadline must stay below 2^31 ms. */
const CALL_TIMEOUT_MS = 24 * 60 * 60 * 1000;
const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";

type Wire = Record<string, PropertyValue>;

interface PendingRegistration {
  read: boolean;
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  id: string;
  inputs: Wire;
  dependencies: string[];
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs: string[];
  ignoreChanges: string[];
  replaceOnChanges: string[];
  unsupported: string[];
}

interface MonitorLike {
  registerResource(req: resproto.RegisterResourceRequest, cb: unknown): unknown;
  readResource(req: resproto.ReadResourceRequest, cb: unknown): unknown;
  registerResourceOutputs(req: resproto.RegisterResourceOutputsRequest, cb: unknown): unknown;
  newUrn(parent: string, type: string, name: string): string;
}

/** A step failure already reported to the user (the program sees it as a rejected registration). */
const STEP_FAILED_MARK = "(step failed, reported above)";
class StepFailed extends Error {
  override name = "StepFailed";
  constructor(message: string) {
    super(`${message} ${STEP_FAILED_MARK}`);
  }
}

export class Deployment {
  readonly reporter: Reporter;
  readonly counts: Counts = emptyCounts();
  private readonly store: StateStore;
  private old!: StackState;
  private oldByUrn = new Map<string, ResourceRecord>();
  /** Records written in this run, in completion order. */
  private readonly next = new Map<string, ResourceRecord>();
  /** URNs of old records that are gone (deleted, or replaced by `next`). */
  private readonly dropped = new Set<string>();
  private readonly registered = new Set<string>();
  private outputs: Wire = {};
  private secretOutputs: string[] = [];
  private hostPromise?: Promise<ProviderHost>;
  private hostCursor = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private pending?: PendingRegistration;
  private stackUrn = "";
  private capturedStackOutputs?: Wire;
  private failed = false;
  private readonly programErrors: unknown[] = [];
  private programDone = false;
  private programErrorsReported = 0;
  private readonly reportedErrors = new Set<string>();
  private readonly warned = new Set<string>();
  private readonly preview: boolean;
  /** Old halves of create-before-delete replacements, deleted at the end (loaded ones: left by an earlier run). */
  private pendingDeletes: ResourceRecord[] = [];

  constructor(private readonly opts: DeploymentOptions) {
    this.reporter = opts.reporter ?? new Reporter();
    this.store = new StateStore(opts.statePath, opts.project.name, opts.stack);
    this.preview = opts.command === "preview";
  }

  /** Runs the command; returns the process exit code. */
  async run(): Promise<number> {
    const started = Date.now();
    const { command, stack } = this.opts;
    const r = this.reporter;
    let locked = false;
    try {
      if (command !== "preview") {
        this.store.lock();
        locked = true;
      }
      this.old = this.store.load();
      this.pendingDeletes = this.old.resources.filter((rec) => rec.pendingDelete);
      this.old.resources = this.old.resources.filter((rec) => !rec.pendingDelete);
      for (const rec of this.old.resources) this.oldByUrn.set(rec.urn, rec);
      this.outputs = this.old.outputs;
      this.secretOutputs = this.old.secretOutputs;
      r.line(
        {
          up: `Updating (${stack}):`,
          preview: `Previewing update (${stack}):`,
          destroy: `Destroying (${stack}):`,
          refresh: `Refreshing (${stack}):`,
        }[command],
      );
      for (const w of this.opts.project.warnings) r.warning(w);
      // Start the provider host while the program loads (it takes ~0.7 s) when it will be needed: the state has
      // dynamic resources. Otherwise the first dynamic resource starts it.
      if (this.old.resources.some((x) => x.dynamic)) {
        this.host().catch(() => undefined); // a start failure is reported by the first step that needs the host
      }
      if (command === "up" || command === "preview") {
        await this.runProgramAndSteps();
        await new Promise((resolve) => setImmediate(resolve)); // late unhandled rejections
        this.reportProgramErrors();
      } else if (command === "destroy") await this.destroyAll();
      else await this.refreshAll();
      if (this.hostPromise) this.flushUntargeted(await this.hostPromise.catch(() => undefined));

      if (!this.failed) {
        if (command === "destroy") {
          this.outputs = {};
          this.secretOutputs = [];
        }
        if (command !== "preview") this.save();
        r.line();
        r.outputs(this.outputs, this.secretOutputs);
      }
    } catch (e) {
      this.failed = true;
      r.error(e instanceof Error ? e.message : String(e));
    } finally {
      await this.stopHost();
      if (locked) this.store.unlock();
    }
    r.line(summary(this.counts, this.preview));
    r.line(`Duration: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    if (this.failed) {
      r.error(`${command} failed`);
      return 1;
    }
    return 0;
  }

  // ---------------------------------------------------------------- program

  private async runProgramAndSteps(): Promise<void> {
    const { project, stack, config } = this.opts;
    // The program's own @pulumi/pulumi (resolved from the project, as the language host would load it).
    const projectRequire = createRequire(path.join(project.dir, "__run-program__.js"));
    const pulumi = projectRequire("@pulumi/pulumi") as typeof pulumiTypes;
    const settings = projectRequire("@pulumi/pulumi/runtime/settings") as { getMonitor(): unknown };

    await pulumi.runtime.setMocks(
      {
        newResource: (args) => this.newResource(args),
        call: (args) => {
          const message =
            `run-program: the program invokes the provider function "${args.token}", which this runner cannot ` +
            `execute (no Pulumi CLI / resource plugins); run it with "pulumi up"`;
          // The SDK rethrows `new Error(err.details)`, as for a gRPC error from the engine.
          throw Object.assign(new Error(message), { details: message });
        },
      },
      project.name,
      stack,
      this.preview,
    );
    pulumi.runtime.setAllConfig(config, []);
    this.stackUrn = `urn:pulumi:${stack}::${project.name}::${STACK_TYPE}::${project.name}-${stack}`;
    this.instrumentMonitor(settings.getMonitor() as MonitorLike);

    // Rejections the program leaves unobserved (e.g. outputs of a resource whose step failed) must not crash the
    // run; they are reported below unless they come from a step failure that was already reported. The handlers
    // stay installed: such rejections can surface after the program finished.
    const onRejection = (e: unknown) => {
      if (this.programDone && isStepFailure(e)) return;
      this.programErrors.push(e);
    };
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onRejection);
    const cwd = process.cwd();
    try {
      process.chdir(project.dir); // the language host runs the program in the project directory
      await pulumi.runtime.runInPulumiStack(async () => {
        // A directory is required with a trailing "/" (run.js), so that its index.ts/index.js is loaded.
        const entry = fs.statSync(project.program).isDirectory() ? project.program + path.sep : project.program;
        const exported = require(entry) as unknown;
        // `export = async () => {...}` programs: call it and use its result as the stack outputs (run.js).
        return (typeof exported === "function" ? (exported as () => unknown)() : exported) as Record<string, unknown>;
      });
    } catch (e) {
      this.programErrors.push(e);
    }
    try {
      await pulumi.runtime.disconnect(); // waits until every registration (and so every step) has finished
    } catch (e) {
      this.programErrors.push(e);
    }
    await this.chain;
    process.chdir(cwd);
    this.programDone = true;
    if (pulumi.log.hasErrors() && this.programErrors.length === 0 && !this.failed) {
      this.programErrors.push(new Error("the program logged errors (pulumi.log.error)"));
    }

    this.reportProgramErrors();
    if (this.failed) return;

    // Resources in state that the program no longer registers, then the old halves of replacements.
    const removed = this.old.resources.filter((rec) => !this.registered.has(rec.urn) && this.targeted(rec.urn)).reverse();
    for (const rec of removed) {
      if (this.preview) {
        this.reporter.resource("delete", rec.type, rec.name);
        this.counts.delete++;
        continue;
      }
      await this.deleteRecord(rec);
      if (this.failed) return;
    }
    await this.deletePending();
    if (this.failed) return;

    if (this.capturedStackOutputs) {
      const wire = this.capturedStackOutputs;
      this.secretOutputs = Object.keys(wire).filter((k) => containsSecrets(wire[k]));
      this.outputs = toWire(wire) as Wire;
    } else {
      this.outputs = {};
      this.secretOutputs = [];
    }
  }

  /** Reports program errors not reported yet (step failures were reported by their step). */
  private reportProgramErrors(): void {
    const fresh = this.programErrors.slice(this.programErrorsReported);
    this.programErrorsReported = this.programErrors.length;
    if (fresh.length > 0) this.failed = true;
    for (const e of fresh) {
      if (isStepFailure(e)) continue;
      const text = describeProgramError(e);
      if (this.reportedErrors.has(text)) continue;
      this.reportedErrors.add(text);
      this.reporter.error(`the program failed: ${text}`);
    }
  }

  /** Engine-faithful URNs, the registration options the mocks API does not pass, stack outputs. */
  private instrumentMonitor(mon: MonitorLike): void {
    mon.newUrn = (parent: string, type: string, name: string) => this.urnFor(parent, type, name);
    const register = mon.registerResource.bind(mon);
    mon.registerResource = (req, cb) => {
      this.pending = {
        read: false,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent(),
        custom: req.getCustom(),
        id: req.getImportid(),
        inputs: structToWire(req.getObject()),
        dependencies: req.getDependenciesList(),
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        unsupported: [
          ...(req.getAliasesList().length || req.getAliasurnsList().length ? ["aliases"] : []),
          ...(req.getImportid() ? ["import"] : []),
          ...(req.getDeletedwith() ? ["deletedWith"] : []),
        ],
      };
      try {
        return register(req, cb); // calls mocks.newResource synchronously, before its first await
      } finally {
        this.pending = undefined;
      }
    };
    const read = mon.readResource.bind(mon);
    mon.readResource = (req, cb) => {
      this.pending = {
        read: true,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent(),
        custom: true,
        id: req.getId(),
        inputs: structToWire(req.getProperties()),
        dependencies: req.getDependenciesList(),
        protect: false,
        retainOnDelete: true,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: [],
        replaceOnChanges: [],
        unsupported: [],
      };
      try {
        return read(req, cb);
      } finally {
        this.pending = undefined;
      }
    };
    const registerOutputs = mon.registerResourceOutputs.bind(mon);
    mon.registerResourceOutputs = (req, cb) => {
      const urn = req.getUrn();
      const outs = structToWire(req.getOutputs());
      if (urn === this.stackUrn) this.capturedStackOutputs = outs;
      else {
        const rec = this.next.get(urn);
        if (rec && !rec.custom && !this.preview) {
          rec.outputs = { ...rec.inputs, ...(toWire(outs) as Wire) };
          rec.secretOutputs = [...new Set([...rec.secretInputs, ...Object.keys(outs).filter((k) => containsSecrets(outs[k]))])];
        }
      }
      return registerOutputs(req, cb);
    };
  }

  private newResource(args: pulumiTypes.runtime.MockResourceArgs): Promise<pulumiTypes.runtime.MockResourceResult> {
    const reg = this.pending;
    if (!reg || reg.type !== args.type || reg.name !== args.name) {
      return Promise.reject(new Error(`run-program: internal error: no registration request for ${args.type} ${args.name}`));
    }
    if (reg.type === STACK_TYPE && !reg.parent) return Promise.resolve({ id: undefined, state: {} });
    const urn = this.urnFor(reg.parent, reg.type, reg.name);
    if (this.registered.has(urn)) {
      return Promise.reject(new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`));
    }
    this.registered.add(urn);
    for (const option of reg.unsupported) {
      this.warnOnce(`${option}`, `the "${option}" resource option is not supported by this runner and is ignored (${urn})`);
    }
    const step = () => {
      if (this.failed) throw new StepFailed(`${urn} not registered: an earlier step failed`);
      return reg.type.startsWith(DYNAMIC_PREFIX) ? this.dynamicStep(urn, reg) : this.recordedStep(urn, reg);
    };
    const result = this.chain.then(step, step);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** As the engine builds URNs: the parent's qualified type chain, except for the root stack. */
  private urnFor(parent: string, type: string, name: string): string {
    let qualified = type;
    if (parent) {
      const parentType = parent.split("::")[2] ?? "";
      if (parentType !== STACK_TYPE) qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${this.opts.stack}::${this.opts.project.name}::${qualified}::${name}`;
  }

  // ---------------------------------------------------------------- steps

  private async dynamicStep(urn: string, reg: PendingRegistration): Promise<pulumiTypes.runtime.MockResourceResult> {
    const providerText = toWire(reg.inputs[PROVIDER_KEY]);
    if (typeof providerText !== "string") {
      return this.failStep(reg.type, reg.name, new Error(`${urn} has no ${PROVIDER_KEY} input: not a pulumi.dynamic.Resource`), []);
    }
    const old = this.oldByUrn.get(urn);
    const secretInputs = Object.keys(reg.inputs).filter((k) => containsSecrets(reg.inputs[k]));
    const secretOutputKeys = (outputs: Wire) =>
      Object.keys(outputs).filter((k) => secretInputs.includes(k) || reg.additionalSecretOutputs.includes(k));

    if (reg.read) return this.readStep(urn, reg, providerText, secretOutputKeys);
    if (!this.targeted(urn)) return this.untargetedStep(urn, reg, old);
    const replace = this.opts.replace?.includes(urn) === true;

    const inputs = this.applyIgnoreChanges(urn, reg, old);
    const run = await this.runStep(reg.type, reg.name, async () => {
      const host = await this.host();
      const handle = await host.resource({ text: providerText }, reg.type, reg.name);
      const lc = new Lifecycle(handle, {
        deleteBeforeReplace: reg.deleteBeforeReplace,
        additionalSecretOutputs: reg.additionalSecretOutputs,
        replaceOnChanges: reg.replaceOnChanges,
      });
      if (old) lc.state = { id: old.id, inputs: old.inputs, outputs: old.outputs, secretOutputs: old.secretOutputs };
      if (this.preview) {
        const p = await lc.preview(inputs, { replace });
        return { lc, op: p.op, previewInputs: p.inputs };
      }
      try {
        const r = await lc.up(inputs, { replace, deferDelete: true });
        if (r.pendingDelete && old) this.pendingDeletes.push({ ...old, pendingDelete: true });
        let op: StepOp = r.op;
        if (op === "same" && old?.initErrors?.length && lc.state) {
          // The engine always updates a resource whose create failed after it got an id.
          const s = lc.state;
          const u = await handle.update(s.id, s.outputs, s.inputs, old.inputs);
          lc.state = { ...s, outputs: u.raw };
          op = "update";
        }
        return { lc, op };
      } finally {
        // Keep what completed, even when a later part of the step failed (e.g. the delete of a replace).
        this.commitLifecycle(urn, reg, lc, old, secretInputs, secretOutputKeys);
      }
    });
    if (run.error !== undefined) {
      if (run.error instanceof ProviderCallError && run.error.initFailed && !this.preview) {
        const f = run.error.initFailed;
        const checked = { ...(toWire(inputs) as Wire), [PROVIDER_KEY]: providerText };
        this.commit(urn, reg, {
          id: f.id,
          inputs: checked,
          outputs: { ...f.properties, [PROVIDER_KEY]: providerText },
          secretInputs,
          secretOutputs: secretOutputKeys(f.properties),
          initErrors: f.reasons.length ? f.reasons : [run.error.details],
        });
      }
      return this.failStep(reg.type, reg.name, run.error, run.lines);
    }
    const { lc, op, previewInputs } = run.value!;
    this.report(op, reg.type, reg.name, run);

    if (this.preview) {
      if (op === "same" && old) {
        const outs = withoutProvider(old.outputs) as Wire;
        return { id: old.id, state: markSecrets(outs, old.secretOutputs) };
      }
      // No Create/Update in preview: the program sees the checked inputs; other outputs stay unknown.
      return { id: op === "create" ? undefined : old?.id, state: markSecrets(previewInputs as Wire, secretInputs) };
    }
    const s = lc.state!;
    const outs = withoutProvider(s.outputs) as Wire;
    return { id: s.id, state: markSecrets(outs, secretOutputKeys(outs)) };
  }

  private commitLifecycle(
    urn: string,
    reg: PendingRegistration,
    lc: Lifecycle,
    old: ResourceRecord | undefined,
    secretInputs: string[],
    secretOutputKeys: (o: Wire) => string[],
  ): void {
    const s = lc.state;
    if (!s) {
      if (old) this.drop(urn);
      return;
    }
    if (old && s.id === old.id && s.outputs === old.outputs && s.inputs === old.inputs) return; // nothing ran
    this.commit(urn, reg, {
      id: s.id,
      inputs: s.inputs,
      outputs: s.outputs,
      secretInputs,
      secretOutputs: secretOutputKeys(s.outputs),
    });
  }

  private targeted(urn: string): boolean {
    const targets = this.opts.targets;
    return !targets?.length || targets.includes(urn);
  }

  /** Not targeted: the engine keeps the old state without calling Check; a new resource is not created. */
  private async untargetedStep(urn: string, reg: PendingRegistration, old: ResourceRecord | undefined): Promise<pulumiTypes.runtime.MockResourceResult> {
    if (!old) {
      this.reporter.line(`  ${displayType(reg.type)} ${reg.name}: not created (not a --target)`);
      return { id: undefined, state: {} };
    }
    this.report("same", reg.type, reg.name, { lines: [], streamed: false, ms: 0 });
    this.next.set(urn, old);
    this.dropped.add(urn);
    const outs = withoutProvider(old.outputs) as Wire;
    return { id: old.id, state: markSecrets(outs, old.secretOutputs) };
  }

  /** The old halves of replacements (this run's and those an earlier run could not delete), newest first. */
  private async deletePending(): Promise<void> {
    const pending = [...this.pendingDeletes].reverse();
    for (const rec of pending) {
      if (!this.targeted(rec.urn)) continue;
      await this.deleteRecord(rec, `delete (replaced)`);
      if (this.failed) return;
      this.pendingDeletes = this.pendingDeletes.filter((p) => p !== rec);
      this.save();
    }
  }

  private async readStep(
    urn: string,
    reg: PendingRegistration,
    providerText: string,
    secretOutputKeys: (o: Wire) => string[],
  ): Promise<pulumiTypes.runtime.MockResourceResult> {
    const run = await this.runStep(reg.type, reg.name, async () => {
      const host = await this.host();
      const handle = await host.resource({ text: providerText }, reg.type, reg.name);
      const r = await handle.read(reg.id, toWire(reg.inputs) as Wire);
      if (!r.id) throw new Error(`resource '${reg.id}' does not exist`);
      return r;
    });
    if (run.error !== undefined) return this.failStep(reg.type, reg.name, run.error, run.lines);
    const r = run.value!;
    this.report("read", reg.type, reg.name, run);
    const outputs = { ...r.raw, [PROVIDER_KEY]: providerText };
    if (!this.preview) {
      this.commit(urn, reg, {
        id: r.id,
        inputs: r.rawInputs ?? (toWire(reg.inputs) as Wire),
        outputs,
        secretInputs: [],
        secretOutputs: secretOutputKeys(r.raw),
        external: true,
      });
    }
    return { id: r.id, state: markSecrets(r.outs as Wire, secretOutputKeys(r.raw)) };
  }

  /** Not a dynamic resource: recorded in state, outputs = inputs. */
  private async recordedStep(urn: string, reg: PendingRegistration): Promise<pulumiTypes.runtime.MockResourceResult> {
    const old = this.oldByUrn.get(urn);
    const plain = toWire(this.applyIgnoreChanges(urn, reg, old)) as Wire;
    const secretInputs = Object.keys(reg.inputs).filter((k) => containsSecrets(reg.inputs[k]));
    const secretOutputs = [...new Set([...secretInputs, ...reg.additionalSecretOutputs.filter((k) => k in plain)])];
    const op: Op = reg.read ? "read" : !old ? "create" : wireEqual(old.inputs, plain) ? "same" : "update";
    const id = reg.read ? reg.id : old?.id || (reg.custom ? `${reg.name}-id` : "");
    this.report(op, reg.type, reg.name, { lines: [], streamed: false, ms: 0 });
    if (!this.preview) {
      this.commit(urn, reg, { id, inputs: plain, outputs: plain, secretInputs, secretOutputs, external: reg.read || undefined });
    }
    const known = reg.custom && !(this.preview && op === "create"); // a planned create has no id yet
    return { id: known ? id : undefined, state: markSecrets(plain, secretOutputs) };
  }

  private applyIgnoreChanges(urn: string, reg: PendingRegistration, old: ResourceRecord | undefined): Wire {
    const inputs: Wire = { ...reg.inputs };
    if (!old || reg.ignoreChanges.length === 0) return inputs;
    for (const key of reg.ignoreChanges) {
      if (/[.[\]"]/.test(key)) {
        this.warnOnce(`ignoreChanges:${urn}:${key}`, `ignoreChanges "${key}" on ${urn}: only top-level properties are supported; ignored`);
        continue;
      }
      if (key in old.inputs) inputs[key] = old.inputs[key] as PropertyValue;
      else delete inputs[key];
    }
    return inputs;
  }

  private commit(
    urn: string,
    reg: PendingRegistration,
    data: Pick<ResourceRecord, "id" | "inputs" | "outputs" | "secretInputs" | "secretOutputs"> &
      Partial<Pick<ResourceRecord, "initErrors" | "external">>,
  ): void {
    const rec: ResourceRecord = {
      urn,
      type: reg.type,
      name: reg.name,
      custom: reg.custom,
      dynamic: reg.type.startsWith(DYNAMIC_PREFIX),
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
    this.next.delete(urn);
    this.next.set(urn, rec);
    this.dropped.add(urn);
    this.save();
  }

  private drop(urn: string): void {
    this.next.delete(urn);
    this.dropped.add(urn);
    this.save();
  }

  // ---------------------------------------------------------------- delete / destroy / refresh

  private async deleteRecord(rec: ResourceRecord, label = "delete"): Promise<void> {
    if (rec.protect) {
      this.failed = true;
      this.reporter.resource("delete", rec.type, rec.name, "delete failed");
      this.reporter.error(
        `${rec.urn} is protected: unprotect it (remove the protect option and run up) before deleting it`,
        DETAIL_INDENT,
      );
      return;
    }
    if (!rec.dynamic || rec.external || rec.retainOnDelete || !rec.custom) {
      const why = rec.external ? " (external: not deleted)" : rec.retainOnDelete ? " (retainOnDelete: not deleted)" : "";
      this.reporter.resource("delete", rec.type, rec.name, "delete", why);
      this.counts.delete++;
      this.drop(rec.urn);
      return;
    }
    const text = toWire(rec.outputs[PROVIDER_KEY] ?? rec.inputs[PROVIDER_KEY]);
    const run = await this.runStep(rec.type, rec.name, async () => {
      if (typeof text !== "string") throw new Error(`${rec.urn}: no ${PROVIDER_KEY} in state`);
      const host = await this.host();
      const handle = await host.resource({ text }, rec.type, rec.name);
      await handle.delete(rec.id, rec.outputs, rec.inputs);
    });
    if (run.error !== undefined) {
      this.failStep(rec.type, rec.name, run.error, run.lines, "delete failed").catch(() => undefined);
      return;
    }
    this.report("delete", rec.type, rec.name, run, label);
    if (!rec.pendingDelete) this.drop(rec.urn);
  }

  private async destroyAll(): Promise<void> {
    await this.deletePending();
    if (this.failed) return;
    for (const rec of [...this.old.resources].reverse()) {
      await this.deleteRecord(rec);
      if (this.failed) return;
    }
  }

  private async refreshAll(): Promise<void> {
    for (const rec of this.old.resources) {
      if (!rec.dynamic || !rec.custom) {
        this.report("same", rec.type, rec.name, { lines: [], streamed: false, ms: 0 });
        continue;
      }
      const text = toWire(rec.outputs[PROVIDER_KEY] ?? rec.inputs[PROVIDER_KEY]);
      const run = await this.runStep(rec.type, rec.name, async () => {
        if (typeof text !== "string") throw new Error(`${rec.urn}: no ${PROVIDER_KEY} in state`);
        const host = await this.host();
        const lc = new Lifecycle(await host.resource({ text }, rec.type, rec.name), {
          additionalSecretOutputs: rec.additionalSecretOutputs,
        });
        lc.state = { id: rec.id, inputs: rec.inputs, outputs: rec.outputs, secretOutputs: rec.secretOutputs };
        const r = await lc.refresh();
        return { r, state: lc.state };
      });
      if (run.error !== undefined) {
        await this.failStep(rec.type, rec.name, run.error, run.lines, "refresh failed").catch(() => undefined);
        return;
      }
      const { r, state } = run.value!;
      if (r.op === "gone" || !state) {
        this.report("gone", rec.type, rec.name, run, "deleted (gone)");
        this.drop(rec.urn);
        continue;
      }
      const changed = !wireEqual(state.outputs, rec.outputs) || !wireEqual(state.inputs, rec.inputs) || state.id !== rec.id;
      this.report(changed ? "refresh" : "same", rec.type, rec.name, run, changed ? "refreshed (changed)" : "same");
      const updated: ResourceRecord = {
        ...rec,
        id: state.id,
        inputs: state.inputs,
        outputs: state.outputs,
        secretOutputs: Object.keys(state.outputs).filter(
          (k) => rec.secretInputs.includes(k) || (rec.additionalSecretOutputs ?? []).includes(k),
        ),
      };
      this.next.set(rec.urn, updated);
      this.dropped.add(rec.urn);
      this.save();
    }
  }

  // ---------------------------------------------------------------- plumbing

  private host(): Promise<ProviderHost> {
    if (!this.hostPromise) {
      this.hostPromise = startProviderHost({
        cwd: this.opts.project.dir,
        project: this.opts.project.name,
        stack: this.opts.stack,
        config: this.opts.config,
        callTimeoutMs: CALL_TIMEOUT_MS,
      });
    }
    return this.hostPromise;
  }

  private async stopHost(): Promise<void> {
    if (!this.hostPromise) return;
    try {
      const host = await this.hostPromise;
      this.flushUntargeted(host);
      await host.stop();
    } catch {
      // a host that failed to start was reported by the step that needed it
    }
  }

  /** Host lines printed outside any step (none expected): shown as info lines. */
  private flushUntargeted(host?: ProviderHost): void {
    if (!host) return;
    const lines = host.output.slice(this.hostCursor).map((l) => l.line);
    this.hostCursor = host.output.length;
    for (const l of lines) this.reporter.line(`info: ${l}`);
  }

  /** Runs one step; host lines printed meanwhile are attributed to it (streamed live when the step is slow). */
  private async runStep<T>(type: string, name: string, fn: () => Promise<T>): Promise<StepRun<T>> {
    const started = Date.now();
    let host: ProviderHost | undefined;
    if (this.hostPromise) {
      try {
        host = await this.hostPromise;
        this.flushUntargeted(host);
      } catch {
        host = undefined;
      }
    }
    let streamed = false;
    const lines: string[] = [];
    const take = (): string[] => {
      if (!host) return [];
      const fresh = host.output.slice(this.hostCursor).map((l) => l.line);
      this.hostCursor = host.output.length;
      return fresh;
    };
    const streamAfter = this.opts.streamAfterMs ?? 2_000;
    const timer = setInterval(() => {
      if (!host && this.hostPromise) void this.hostPromise.then((h) => (host = h), () => undefined);
      if (Date.now() - started < streamAfter) return;
      const fresh = take();
      if (fresh.length === 0) return;
      if (!streamed) {
        streamed = true;
        this.reporter.line(`  ${displayType(type)} ${name} ...`);
      }
      this.reporter.details(fresh);
    }, 250);
    try {
      const value = await fn();
      if (!host && this.hostPromise) host = await this.hostPromise.catch(() => undefined);
      lines.push(...take());
      return { value, lines, streamed, ms: Date.now() - started };
    } catch (error) {
      if (!host && this.hostPromise) host = await this.hostPromise.catch(() => undefined);
      lines.push(...take());
      return { error: error ?? new Error("unknown error"), lines, streamed, ms: Date.now() - started };
    } finally {
      clearInterval(timer);
    }
  }

  private report(op: Op, type: string, name: string, run: Pick<StepRun<unknown>, "lines" | "streamed" | "ms">, label?: string): void {
    const suffix = run.streamed ? ` (${(run.ms / 1000).toFixed(1)}s)` : "";
    this.reporter.resource(op, type, name, label ?? op, suffix);
    this.reporter.details(run.lines);
    if (op === "create" || op === "update" || op === "replace" || op === "same" || op === "delete" || op === "read") {
      this.counts[op]++;
    } else if (op === "refresh") this.counts.update++;
    else if (op === "gone") this.counts.delete++;
  }

  private failStep(type: string, name: string, error: unknown, lines: string[], label = "failed"): Promise<never> {
    this.failed = true;
    this.reporter.line(`x ${displayType(type)} ${name} ${label}`);
    this.reporter.details(lines);
    this.reporter.error(describeStepError(error), DETAIL_INDENT);
    return Promise.reject(new StepFailed(`${displayType(type)} ${name}: ${describeStepError(error).split("\n")[0]}`));
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.reporter.warning(message);
  }

  private save(): void {
    if (this.preview) return;
    const kept = this.old.resources.filter((r) => !this.dropped.has(r.urn));
    this.store.save({
      command: this.opts.command,
      outputs: this.outputs,
      secretOutputs: this.secretOutputs,
      resources: [...this.next.values(), ...kept, ...this.pendingDeletes],
    });
  }
}

interface StepRun<T> {
  value?: T;
  error?: unknown;
  lines: string[];
  streamed: boolean;
  ms: number;
}

function structToWire(s: Struct | undefined): Wire {
  return s ? (s.toJavaScript() as Wire) : {};
}

/** Wraps the given top-level keys in the engine's secret marker, so the program sees secret outputs. */
function markSecrets(values: Wire, keys: readonly string[]): Wire {
  const out: Wire = {};
  for (const [k, v] of Object.entries(values)) {
    out[k] = keys.includes(k) && !containsSecrets(v) ? (wrapSecret(v) as unknown as PropertyValue) : v;
  }
  return out;
}

function describeStepError(e: unknown): string {
  if (e instanceof CheckFailedError) {
    return `check failed:\n${e.failures.map((f) => `${f.property}: ${f.reason}`).join("\n")}`;
  }
  if (e instanceof ProviderCallError) return `${e.method}: ${e.details}`;
  return e instanceof Error ? e.message : String(e);
}

function isStepFailure(e: unknown): boolean {
  if (e instanceof StepFailed) return true;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.includes(STEP_FAILED_MARK);
}

function describeProgramError(e: unknown): string {
  if (e instanceof Error) {
    // ts-node compile errors carry the diagnostics in the message; other errors: the stack.
    return e.name === "TSError" ? e.message : (e.stack ?? e.message);
  }
  return String(e);
}
