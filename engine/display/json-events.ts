/**
 * `up --json` (and destroy, refresh): the engine's event stream as the CLI prints it (pkg/backend/display/json.go
 * ShowJSONEvents; the apitype.EngineEvent type): one JSON object per line, written as the run goes, each with a
 * `sequence` (from 0) and a `timestamp` (Unix seconds) and one event:
 *
 *   {"sequence":0,"timestamp":…,"preludeEvent":{"config":{}}}
 *   {"sequence":1,…,"resourcePreEvent":{"metadata":{"op":"same","urn":"…::pulumi:pulumi:Stack::…",…}}}
 *   {"sequence":2,…,"diagnosticEvent":{"message":"GlanceTaggedImage amphora: tag …\n","color":"never","severity":"info"}}
 *   {"sequence":3,…,"resourcePreEvent":{"metadata":{"op":"update","urn":…,"type":…,"old":{…},"new":{…},…}}}
 *   {"sequence":9,…,"resOutputsEvent":{"metadata":{"op":"update",…,"new":{…,"outputs":{…}}}}}
 *   {"sequence":12,…,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":9,"resourceChanges":{"update":2},…}}
 *
 * A step's `resourcePreEvent` comes when it starts and its `resOutputsEvent` when it completes (a replacement is
 * a `create-replacement`, then the logical `replace`; the old half of a replacement is deleted as
 * `delete-replaced`, last, or first for delete-before-replace; a refresh starts as `refresh` and completes as its
 * result: `same`, `update` (drift) or `delete` (gone)); a failed step
 * gets an error `diagnosticEvent` on its URN and a `resOpFailedEvent`. As with `--color=never`: colour directives
 * removed, `color` is "never". Secrets are "[secret]", unknowns the engine's unknown sentinel (json-digest.ts).
 * Left out, as in the preview digest: the config (the runner's stack config may hold credentials given as plain
 * values) and provider references (the runner keeps no provider resource: `provider` is "").
 */
import { Reporter, type Counts, type Op, type RowOptions, type StartOptions } from "../report";
import type { PropertyValue } from "../host/marshal";
import { massage } from "./json-digest";
import { displayMap, type StepDetail } from "./step-detail";
import type { DisplayMap } from "./property-diff";

export interface StepEventState {
  type: string;
  urn: string;
  custom?: boolean;
  id: string;
  parent: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  provider: string;
}

export interface StepEventMetadata {
  op: string;
  urn: string;
  type: string;
  old: StepEventState | null;
  new: StepEventState | null;
  keys?: string[];
  detailedDiff: null;
  logical?: boolean;
  provider: string;
}

export interface EngineEvent {
  sequence: number;
  timestamp: number;
  preludeEvent?: { config: Record<string, string> };
  resourcePreEvent?: { metadata: StepEventMetadata };
  resOutputsEvent?: { metadata: StepEventMetadata };
  resOpFailedEvent?: { metadata: StepEventMetadata; status: number; steps: number };
  diagnosticEvent?: { urn?: string; prefix?: string; message: string; color: "never"; severity: "info" | "warning" | "error" };
  summaryEvent?: {
    maybeCorrupt: boolean;
    durationSeconds: number;
    resourceChanges: Record<string, number>;
    PolicyPacks: Record<string, string>;
    isPreview: boolean;
    result: "succeeded" | "failed";
  };
}

type EventBody = Omit<EngineEvent, "sequence" | "timestamp">;

/** The engine's op of a step as it starts and as it completes (deploy.StepOp). */
const STARTED_OP: Partial<Record<Op, string>> = {
  create: "create",
  update: "update",
  replace: "create-replacement",
  delete: "delete",
  refresh: "refresh",
};
const DONE_OP: Partial<Record<Op, string>> = {
  create: "create",
  update: "update",
  delete: "delete",
  read: "read",
  refresh: "update",
  gone: "delete",
  same: "same",
};

/** resource.Status of a failed step: the step left a partial state, or its outcome is unknown. */
const STATUS_UNKNOWN = 2;

export class JsonEventReporter extends Reporter {
  private sequence = 0;
  private readonly started = Date.now();
  private stack?: StepEventMetadata;
  private failed = false;

  constructor(private readonly out: (text: string) => void = (t) => process.stdout.write(t)) {
    super(() => undefined); // nothing but the events is printed
    this.emit({ preludeEvent: { config: {} } });
  }

  override stackStep(urn: string, existed: boolean, oldOutputs?: Record<string, PropertyValue>, secretKeys: readonly string[] = []): void {
    const state = (outputs: DisplayMap): StepEventState => ({ type: "pulumi:pulumi:Stack", urn, id: "", parent: "", inputs: {}, outputs: massage(outputs), provider: "" });
    this.stack = {
      op: existed ? "same" : "create",
      urn,
      type: "pulumi:pulumi:Stack",
      old: existed ? state(displayMap(oldOutputs ?? {}, secretKeys) ?? {}) : null,
      new: state({}),
      detailedDiff: null,
      provider: "",
    };
    this.emit({ resourcePreEvent: { metadata: this.stack } });
  }

  override stepStarted(op: Op, _type: string, _name: string, opts: StartOptions = {}): void {
    const stepOp = opts.original ? "delete-replaced" : STARTED_OP[op];
    if (!stepOp || !opts.detail) return;
    this.emit({ resourcePreEvent: { metadata: this.metadata(stepOp, opts.detail, op === "delete") } });
  }

  override row(op: Op, type: string, name: string, opts: RowOptions = {}): void {
    const stepOp = opts.original ? "delete-replaced" : op === "replace" ? "create-replacement" : DONE_OP[op];
    if (!stepOp || !opts.detail) return;
    this.emit({ resOutputsEvent: { metadata: this.metadata(stepOp, opts.detail, op === "delete" || op === "gone") } });
    if (op === "replace" && !opts.deletedFirst) this.replaceStep(type, name, opts.detail);
  }

  /** The logical replace step (OpReplace), once the replacement exists. */
  override replaceStep(_type: string, _name: string, detail?: StepDetail): void {
    if (!detail) return;
    const metadata = { ...this.metadata("replace", detail, false), logical: true };
    this.emit({ resourcePreEvent: { metadata } });
    this.emit({ resOutputsEvent: { metadata } });
  }

  override failedRow(op: Op, type: string, name: string, message: string, detail?: StepDetail): void {
    this.failed = true;
    const urn = detail?.urn ?? this.urnOf(type, name);
    this.diagnosticEvent("error", message, urn);
    const d: StepDetail = detail ?? { urn, type };
    this.emit({ resOpFailedEvent: { metadata: this.metadata(STARTED_OP[op] ?? op, d, op === "delete"), status: STATUS_UNKNOWN, steps: 0 } });
  }

  override checkFailedRow(type: string, name: string, messages: readonly string[]): void {
    this.failed = true;
    for (const m of messages) this.diagnosticEvent("error", m, this.urnOf(type, name));
  }

  override providerOutput(text: string): void {
    this.diagnosticEvent("info", text);
  }

  override stackDiagnostic(severity: "warning" | "error", message: string): void {
    if (severity === "error") this.failed = true;
    this.diagnosticEvent(severity, message);
  }

  override stackFailed(kind: string): void {
    this.stackDiagnostic("error", `${kind} failed`);
  }

  override outputs(outputs: Record<string, PropertyValue>, secretKeys: readonly string[]): void {
    if (!this.stack?.new) return;
    const metadata = { ...this.stack, new: { ...this.stack.new, outputs: massage(displayMap(outputs, secretKeys) ?? {}) } };
    this.emit({ resOutputsEvent: { metadata } });
  }

  override summary(c: Counts, preview: boolean): void {
    const resourceChanges: Record<string, number> = {};
    for (const [op, n] of Object.entries(c)) if (n > 0) resourceChanges[op] = n;
    this.emit({
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: Math.ceil((Date.now() - this.started) / 1000),
        resourceChanges,
        PolicyPacks: {},
        isPreview: preview,
        result: this.failed ? "failed" : "succeeded",
      },
    });
  }

  override duration(): void {}

  private diagnosticEvent(severity: "info" | "warning" | "error", message: string, urn?: string): void {
    const prefix = severity === "info" ? undefined : `${severity}: `;
    this.emit({ diagnosticEvent: { ...(urn ? { urn } : {}), ...(prefix ? { prefix } : {}), message: `${message}\n`, color: "never", severity } });
  }

  private metadata(op: string, d: StepDetail, deleting: boolean): StepEventMetadata {
    return {
      op,
      urn: d.urn,
      type: d.type,
      old: d.oldInputs ? this.state(d, d.oldInputs, d.oldOutputs ?? {}, d.id) : null,
      new: !deleting && d.newInputs ? this.state(d, d.newInputs, d.newOutputs ?? {}, op === "create" ? undefined : d.id) : null,
      ...(d.replaces?.length ? { keys: d.replaces } : {}),
      detailedDiff: null,
      provider: "",
    };
  }

  private state(d: StepDetail, inputs: DisplayMap, outputs: DisplayMap, id: string | undefined): StepEventState {
    return {
      type: d.type,
      urn: d.urn,
      ...(d.custom ?? true ? { custom: true } : {}),
      id: id ?? "",
      parent: d.parent || this.rootUrn,
      inputs: massage(inputs),
      outputs: massage(outputs),
      provider: "",
    };
  }

  private emit(body: EventBody): void {
    const event: EngineEvent = { sequence: this.sequence++, timestamp: Math.floor(Date.now() / 1000), ...body };
    this.out(JSON.stringify(event) + "\n");
  }
}
