/**
 * A small deployment engine for Pulumi programs whose managed resources are dynamic resources, used where the
 * Pulumi CLI is not installed. The program runs in-process under `pulumi.runtime.setMocks` (program.ts); every
 * resource it registers becomes a step (steps.ts):
 *
 * - `pulumi-nodejs:dynamic...` resources go through @pulumi/pulumi's real dynamic-provider host (one host per run,
 *   started in the project directory with the stack config, like the engine starts it) and `Lifecycle` (the
 *   engine's step generator for one resource: check/diff/create/update/replace);
 * - every other resource (components, `@pulumi/openstack` resources, explicit providers) is only recorded:
 *   outputs = inputs, id `<name>-id`, create/same/update by comparing inputs.
 *
 * Steps run as soon as the program registers their resource, so independent steps run in parallel, as in the
 * engine (the SDK registers a resource only once its inputs and dependencies are resolved, so dependencies have
 * completed by then). After the first failure no new step starts; running ones finish. After the program:
 * resources in state that were not registered are deleted in reverse order, then the old halves of
 * create-before-delete replacements. The state is saved after every step (state-commit.ts).
 *
 * Differences from the Pulumi engine (known, deliberate):
 * - non-dynamic resources are not managed (no resource plugins): recorded only; provider functions (invoke) and
 *   StackReference cannot work; the `provider` resource option is ignored;
 * - resource options honoured: protect (delete refused), retainOnDelete, deleteBeforeReplace,
 *   additionalSecretOutputs, ignoreChanges (top-level properties only), replaceOnChanges (as the engine applies it:
 *   only to keys it computed itself, i.e. when the provider's Diff answered DIFF_UNKNOWN). Aliases, import and
 *   deletedWith are ignored with a warning; customTimeouts, transforms and hooks are ignored;
 * - `--replace <urn>` replaces without calling Diff (Check with no old inputs, Create, and the old resource's
 *   Delete at the end of the deployment); `--target <urn>` runs steps for the listed resources only: others keep
 *   their state without a Check, are not created and not deleted;
 * - deletes of removed resources run one at a time;
 * - a delete that failed leaves the old half of a replacement in state as a pending delete, retried by the next
 *   up or destroy; a create that failed with an id is kept and updated on the next up;
 * - the program is compiled by this process's ts-node (the runner's tsconfig), not with the project's tsconfig;
 * - the state file is this runner's own JSON; `export` (engine/checkpoint.ts) turns it into the deployment
 *   `pulumi stack import` accepts.
 */
import type { Project } from "../project";
import { Reporter, emptyCounts, type Counts } from "../report";
import { StateStore } from "../state";
import { ProgramRun, type Registration, type StepResult, type Wire } from "./program";
import { StateCommit } from "./state-commit";
import { StepExecutor, isStepFailure } from "./steps";

export type Command = "up" | "preview" | "destroy" | "refresh";

export interface DeploymentOptions {
  command: Command;
  project: Project;
  stack: string;
  /** Stack config, fully qualified keys. Given to the program and to the provider host's Configure; never saved. */
  config: Record<string, string>;
  statePath: string;
  reporter?: Reporter;
  /** `--target`: only these URNs get steps. */
  targets?: string[];
  /** `--target-dependents` (destroy): resources that depend on the targets are deleted too. */
  targetDependents?: boolean;
  /** `--replace`: these URNs are replaced without asking Diff. */
  replace?: string[];
  /** `--refresh` (up and preview): refresh every resource in state before the update. */
  refresh?: boolean;
}

export class Deployment {
  readonly reporter: Reporter;
  readonly counts: Counts = emptyCounts();
  private readonly store: StateStore;
  private readonly commit: StateCommit;
  private readonly steps: StepExecutor;
  private readonly preview: boolean;
  private readonly registered = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly programErrors: unknown[] = [];
  private programErrorsReported = 0;
  private readonly reportedErrors = new Set<string>();
  private programDone = false;
  private failed = false;

  constructor(private readonly opts: DeploymentOptions) {
    this.reporter = opts.reporter ?? new Reporter();
    this.preview = opts.command === "preview";
    this.store = new StateStore(opts.statePath, opts.project.name, opts.stack);
    this.commit = new StateCommit(this.store, opts.command, this.preview);
    this.steps = new StepExecutor(
      {
        project: opts.project,
        stack: opts.stack,
        config: opts.config,
        preview: this.preview,
        targets: opts.targets,
        replace: opts.replace,
      },
      this.commit,
      this.reporter,
      this.counts,
    );
  }

  /** Runs the command; returns the process exit code. */
  async run(): Promise<number> {
    const started = Date.now();
    const { command, stack, project } = this.opts;
    const r = this.reporter;
    const stackUrn = `urn:pulumi:${stack}::${project.name}::pulumi:pulumi:Stack::${project.name}-${stack}`;
    r.setStack(`${project.name}-${stack}`, this.preview, stackUrn);
    let locked = false;
    try {
      if (command !== "preview") {
        this.store.lock();
        locked = true;
      }
      this.commit.load();
      r.line(
        {
          up: `Updating (${stack}):`,
          preview: `Previewing update (${stack}):`,
          destroy: `Destroying (${stack}):`,
          refresh: `Refreshing (${stack}):`,
        }[command],
      );
      r.line();
      if (command === "up" || command === "preview") {
        const old = this.commit.old;
        r.stackStep(stackUrn, old.updatedAt !== "", old.outputs, old.secretOutputs);
      }
      for (const w of project.warnings) r.stackDiagnostic("warning", w);
      if (this.commit.old.resources.some((x) => x.dynamic)) this.steps.prestartHost();
      if (this.opts.refresh && (command === "up" || command === "preview")) await this.refreshAll();
      if (this.failed || this.steps.failed) this.failed = true;
      else if (command === "up" || command === "preview") {
        await this.runProgramAndSteps();
        await new Promise((resolve) => setImmediate(resolve)); // late unhandled rejections
        this.reportProgramErrors();
      } else if (command === "destroy") await this.destroyAll();
      else await this.refreshAll();
      if (this.steps.failed) this.failed = true;
      if (this.steps.applyFailed) r.stackFailed(command === "up" ? "update" : command);

      if (!this.failed) {
        if (command === "destroy") this.commit.setStackOutputs(undefined);
        this.commit.save();
      }
    } catch (e) {
      this.failed = true;
      r.stackDiagnostic("error", e instanceof Error ? e.message : String(e));
    } finally {
      await this.steps.stopHost();
      if (locked) this.store.unlock();
    }
    r.endOfSteps();
    r.printDiagnostics();
    if (!this.failed) r.outputs(this.commit.outputs, this.commit.secretOutputs);
    r.summary(this.counts, this.preview);
    if (!this.preview) r.duration(Date.now() - started); // the CLI prints no duration for a preview
    return this.failed ? 1 : 0;
  }

  // ---------------------------------------------------------------- up / preview

  private async runProgramAndSteps(): Promise<void> {
    const { project, stack, config } = this.opts;
    const program = new ProgramRun(project, stack, config, this.preview, {
      register: (reg) => this.register(reg),
      componentOutputs: (urn, outs) => this.commit.componentOutputs(urn, outs),
    });
    // Rejections the program leaves unobserved (e.g. outputs of a resource whose step failed) must not crash the
    // run; they are reported below unless they come from a step failure that was already reported. The handlers
    // stay installed: such rejections can surface after the program finished.
    const onRejection = (e: unknown) => {
      if (this.programDone && isStepFailure(e)) return;
      this.programErrors.push(e);
    };
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onRejection);
    const result = await program.run(this.programErrors);
    await Promise.allSettled([...this.inFlight]);
    this.programDone = true;
    if (result.loggedErrors && this.programErrors.length === 0 && !this.steps.failed) {
      this.programErrors.push(new Error("the program logged errors (pulumi.log.error)"));
    }
    this.reportProgramErrors();
    if (this.failed || this.steps.failed) {
      this.failed = true;
      return;
    }

    // Resources in state that the program no longer registers, then the old halves of replacements.
    const removed = this.commit.old.resources
      .filter((rec) => !this.registered.has(rec.urn) && this.steps.targeted(rec.urn))
      .reverse();
    for (const rec of removed) {
      if (!(await this.steps.deleteRecord(rec))) return;
    }
    if (!(await this.deletePending())) return;
    this.commit.setStackOutputs(result.stackOutputs);
  }

  private register(reg: Registration): Promise<StepResult> {
    if (this.registered.has(reg.urn)) {
      return Promise.reject(new Error(`Duplicate resource URN '${reg.urn}'; try giving it a unique name`));
    }
    this.registered.add(reg.urn);
    const step = this.steps.register(reg);
    const settled = step.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return step;
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
      this.reporter.stackDiagnostic("error", `the program failed: ${text}`);
    }
  }

  // ---------------------------------------------------------------- delete / destroy / refresh

  /** The old halves of replacements (this run's and those an earlier run could not delete), newest first. */
  private async deletePending(): Promise<boolean> {
    for (const rec of [...this.commit.pendingDeletes].reverse()) {
      if (!this.steps.targeted(rec.urn)) continue;
      if (!(await this.steps.deleteRecord(rec))) return false;
      this.commit.removePendingDelete(rec);
    }
    return true;
  }

  /**
   * `destroy`, or `destroy --target`: the targets and what depends on them (dependencies and children, transitively),
   * as the engine's GenerateDeletes; without `--target-dependents`, a dependent that is not a target itself is an
   * error and nothing is deleted.
   */
  private async destroyAll(): Promise<void> {
    const doomed = this.destroySet();
    if (doomed) {
      const untargeted = this.opts.targetDependents ? [] : this.commit.old.resources.filter((rec) => doomed.has(rec.urn) && !this.steps.targeted(rec.urn));
      for (const rec of untargeted) {
        this.reporter.stackDiagnostic(
          "error",
          `Resource '${rec.urn}' will be destroyed but was not specified in --target list.\nEither include resource in --target list or pass --target-dependents to proceed.`,
        );
      }
      if (untargeted.length) {
        this.failed = true;
        return;
      }
    }
    if (!(await this.deletePending())) return;
    for (const rec of [...this.commit.old.resources].reverse()) {
      if (doomed && !doomed.has(rec.urn)) continue;
      if (!(await this.steps.deleteRecord(rec))) return;
    }
  }

  /** The URNs a targeted destroy deletes (undefined: no targets, everything). */
  private destroySet(): Set<string> | undefined {
    const targets = this.opts.targets;
    if (!targets?.length) return undefined;
    const doomed = new Set(this.commit.old.resources.filter((rec) => targets.includes(rec.urn)).map((rec) => rec.urn));
    for (let grew = true; grew; ) {
      grew = false;
      for (const rec of this.commit.old.resources) {
        if (doomed.has(rec.urn)) continue;
        if ((rec.parent && doomed.has(rec.parent)) || rec.dependencies.some((d) => doomed.has(d))) {
          doomed.add(rec.urn);
          grew = true;
        }
      }
    }
    return doomed;
  }

  /** Independent reads in parallel, as the engine runs a refresh. */
  private async refreshAll(): Promise<void> {
    await Promise.all(this.commit.old.resources.map((rec) => this.steps.refreshRecord(rec)));
  }
}

function describeProgramError(e: unknown): string {
  if (e instanceof Error) {
    // ts-node compile errors carry the diagnostics in the message; other errors: the stack.
    return e.name === "TSError" ? e.message : (e.stack ?? e.message);
  }
  return String(e);
}

export type { Wire };
