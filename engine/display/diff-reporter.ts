/**
 * The CLI's diff display (`--diff`; pkg/backend/display/diff.go ShowDiffEvents), for the runner:
 *
 *   Previewing update (dev):
 *
 *     pulumi:pulumi:Stack: (same)
 *       [urn=urn:pulumi:dev::amphora::pulumi:pulumi:Stack::amphora-dev]
 *       ~ pulumi-nodejs:dynamic/amphora:GlanceTaggedImage: (update)
 *           [id=…]
 *           [urn=…]
 *         ~ file: "/srv/a.qcow2" => [unknown]
 *           name: "amphora-x64-haproxy"
 *   Resources:
 *       ~ 1 to update
 *       2 unchanged
 *
 * Each step is printed with its property detail (diff-view.ts); unchanged resources are not printed. Diagnostics
 * (provider output, warnings, errors) go to STDERR as they arrive, as the CLI writes diagnostic events there in
 * this display; there is no `Diagnostics:` section and no `Outputs:` section: the stack's outputs are printed
 * under the stack (`--outputs:--`). As in the CLI, an up prints a step when it starts and its outputs when it
 * completes (a preview: the step once planned). Differences from the CLI: the stack's outputs after the deletes of
 * removed resources (the CLI before them); a refresh step is printed only when it found drift (as an update).
 */
import { Reporter, type Op, type RowOptions, type StartOptions } from "../report";
import { toWire, type PropertyValue } from "../host/marshal";
import { renderOutputs, renderStackOutputs, renderStep } from "./diff-view";
import { displayMap, type StepDetail } from "./step-detail";
import type { DisplayMap } from "./property-diff";
import type { DiffOp } from "./property-print";

const DIFF_OP: Record<Op, DiffOp | undefined> = {
  create: "create",
  update: "update",
  same: undefined,
  replace: "replace",
  delete: "delete",
  read: undefined, // reads are not shown as steps (the CLI's ShowReads is off)
  refresh: undefined,
  gone: undefined,
};

export class DiffReporter extends Reporter {
  private oldStackOutputs?: { outputs: Record<string, PropertyValue>; secretKeys: readonly string[] };
  /** Steps printed when they started, by URN. */
  private readonly started = new Set<string>();

  constructor(
    private readonly preview: boolean,
    private readonly out: (text: string) => void = (t) => process.stdout.write(t),
    private readonly err: (text: string) => void = (t) => process.stderr.write(t),
  ) {
    super(out);
  }

  /** The stack's step, first: `(create)` for a stack without state, else `(same)`. */
  override stackStep(urn: string, existed: boolean, oldOutputs?: Record<string, PropertyValue>, secretKeys: readonly string[] = []): void {
    const op: DiffOp = existed ? "same" : "create";
    this.out(renderStep(op, { urn, type: "pulumi:pulumi:Stack" }, 0, this.preview));
    if (existed) this.oldStackOutputs = { outputs: oldOutputs ?? {}, secretKeys };
  }

  /** A step that starts is printed then (ShowDiffEvents on ResourcePreEvent); its outputs follow when it completes. */
  override stepStarted(op: Op, _type: string, _name: string, opts: StartOptions = {}): void {
    const diffOp = DIFF_OP[op];
    // The delete of a replaced resource's old half is not a logical step: the diff display does not show it.
    if (!diffOp || !opts.detail || this.preview || opts.original) return;
    this.started.add(opts.detail.urn);
    this.out(renderStep(diffOp, this.shown(opts.detail), 1, false));
  }

  override row(op: Op, type: string, name: string, opts: RowOptions = {}): void {
    const diffOp = DIFF_OP[op];
    if (!diffOp || !opts.detail || opts.original) return;
    const detail = this.shown(opts.detail);
    if (!this.started.delete(detail.urn)) this.out(renderStep(diffOp, detail, 1, this.preview));
    if (!this.preview && detail.newOutputs && diffOp !== "delete") this.out(renderOutputs(diffOp, detail, 1));
  }

  override replaceStep(): void {
    // the replacement was printed when it started, as one `(replace)` step
  }

  /** The step's detail as displayed: with `--show-secrets`, secret values unwrapped. */
  private shown(d: StepDetail): StepDetail {
    if (!this.showSecrets) return d;
    const reveal = (m: DisplayMap | undefined) => (m ? (toWire(m) as DisplayMap) : undefined);
    return { ...d, oldInputs: reveal(d.oldInputs), oldOutputs: reveal(d.oldOutputs), newInputs: reveal(d.newInputs), newOutputs: reveal(d.newOutputs) };
  }

  override failedRow(op: Op, type: string, name: string, message: string): void {
    this.diagnostic(type, name, `error: ${message}`);
    this.err(`error: ${message}\n`);
  }

  override providerOutput(text: string): void {
    this.err(`${text}\n`);
  }

  override stackDiagnostic(severity: "warning" | "error", message: string): void {
    this.err(`${severity}: ${message}\n`);
  }

  override checkFailedRow(_type: string, _name: string, messages: readonly string[]): void {
    // no step ran: the diff display counts no errored resource, only prints the diagnostics
    for (const m of messages) this.err(`error: ${m}\n`);
  }

  override stackFailed(kind: string): void {
    this.err(`error: ${kind} failed\n`);
  }

  override endOfSteps(): void {
    // the diff display goes straight on with the stack's outputs and the summary
  }

  override printDiagnostics(): void {
    // printed to stderr as they arrived
  }

  override outputs(outputs: Record<string, PropertyValue>, secretKeys: readonly string[]): void {
    const old = this.oldStackOutputs;
    const shown = (values: Record<string, PropertyValue>, keys: readonly string[]) =>
      this.showSecrets ? (toWire(values) as DisplayMap) : (displayMap(values, keys) ?? {});
    this.out(renderStackOutputs("pulumi:pulumi:Stack", old ? shown(old.outputs, old.secretKeys) : undefined, shown(outputs, secretKeys), this.preview));
  }
}
