/**
 * `preview --json`: the preview digest the CLI prints (pkg/backend/display/json.go ShowPreviewDigest, the
 * display.PreviewDigest type), the document CI bots post on pull requests. Printed once, at the end, indented
 * with 4 spaces, and nothing else on stdout.
 *
 * The subset written here (stable; fields the runner cannot know are left out rather than invented):
 *   {
 *     "steps": [                                   the root stack first, then every step that changes something
 *       { "op": "same"|"create"|"update"|"replace"|"delete",
 *         "urn": "...",
 *         "oldState": { "urn", "custom", "id"?, "type", "inputs", "outputs", "parent"? },   absent for a create
 *         "newState": { same shape },                                                      absent for a delete
 *         "replaceReasons": ["..."]?,               the keys the provider's Diff said force a replacement
 *         "detailedDiff": null }                    the dynamic-provider host gives no detailed diff
 *     ],
 *     "diagnostics": [ { "urn"?, "message", "severity": "info"|"warning"|"error" } ],
 *     "duration": <nanoseconds>,
 *     "changeSummary": { "create": 1, "update": 2, "same": 3, ... }
 *   }
 * As in the CLI: secrets are "[secret]"; unknown values (known only after the update) are the engine's unknown
 * sentinel "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; a dynamic resource's planned `outputs` are its checked inputs
 * (the dynamic-provider host does not preview, so the engine takes the inputs as the planned state); provider
 * output lines are `info` diagnostics without a URN, errors of a step carry the resource's URN; messages end with
 * a newline. Left out: `config` (the runner's stack config may hold credentials given as plain values, which the
 * CLI would print), `provider` references (the runner keeps no provider resource), `diffReasons`, `maybeCorrupt`.
 */
import { Reporter, type Counts, type Op, type RowOptions } from "../report";
import { isSecret, type PropertyValue } from "../host/marshal";
import { displayMap, type StepDetail } from "./step-detail";
import type { DisplayMap, DisplayValue } from "./property-diff";

export interface DigestState {
  urn: string;
  custom: boolean;
  id?: string;
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  parent?: string;
}

export interface DigestStep {
  op: string;
  urn: string;
  oldState?: DigestState;
  newState?: DigestState;
  replaceReasons?: string[];
  detailedDiff: null;
}

export interface DigestDiagnostic {
  urn?: string;
  message: string;
  severity: "info" | "warning" | "error";
}

export interface PreviewDigest {
  steps: DigestStep[];
  diagnostics?: DigestDiagnostic[];
  duration: number;
  changeSummary: Record<string, number>;
}

const STEP_OP: Partial<Record<Op, string>> = { create: "create", update: "update", replace: "replace", delete: "delete", gone: "delete" };

export class JsonDigestReporter extends Reporter {
  private readonly steps: DigestStep[] = [];
  private readonly events: DigestDiagnostic[] = [];
  private readonly started = Date.now();
  private stack?: DigestStep;

  constructor(private readonly out: (text: string) => void = (t) => process.stdout.write(t)) {
    super(() => undefined); // nothing but the digest is printed
  }

  override stackStep(urn: string, existed: boolean, oldOutputs?: Record<string, PropertyValue>, secretKeys: readonly string[] = []): void {
    const state = (outputs: DisplayMap): DigestState => ({ urn, custom: false, type: "pulumi:pulumi:Stack", inputs: {}, outputs: massage(outputs) });
    this.stack = {
      op: existed ? "same" : "create",
      urn,
      ...(existed ? { oldState: state(displayMap(oldOutputs ?? {}, secretKeys) ?? {}) } : {}),
      newState: state({}),
      detailedDiff: null,
    };
    this.steps.push(this.stack);
  }

  override row(op: Op, _type: string, _name: string, opts: RowOptions = {}): void {
    const stepOp = STEP_OP[op];
    const d = opts.detail;
    if (!stepOp || !d) return;
    this.steps.push({
      op: stepOp,
      urn: d.urn,
      ...(d.oldInputs ? { oldState: this.state(d, d.oldInputs, d.oldOutputs ?? {}, d.id) } : {}),
      // planned state: the checked inputs are the outputs the engine expects (see above)
      ...(d.newInputs ? { newState: this.state(d, d.newInputs, d.newOutputs ?? d.newInputs, op === "create" ? undefined : d.id) } : {}),
      ...(d.replaces?.length ? { replaceReasons: d.replaces } : {}),
      detailedDiff: null,
    });
  }

  override failedRow(_op: Op, type: string, name: string, message: string): void {
    this.diagnostic(type, name, `error: ${message}`);
    this.events.push({ urn: this.urnOf(type, name), message: `error: ${message}\n`, severity: "error" });
  }

  override checkFailedRow(type: string, name: string, messages: readonly string[]): void {
    for (const m of messages) this.events.push({ urn: this.urnOf(type, name), message: `error: ${m}\n`, severity: "error" });
  }

  override providerOutput(text: string): void {
    this.events.push({ message: `${text}\n`, severity: "info" });
  }

  override stackDiagnostic(severity: "warning" | "error", message: string): void {
    this.events.push({ message: `${severity}: ${message}\n`, severity });
  }

  override outputs(outputs: Record<string, PropertyValue>, secretKeys: readonly string[]): void {
    if (this.stack?.newState) this.stack.newState.outputs = massage(displayMap(outputs, secretKeys) ?? {});
  }

  override summary(c: Counts): void {
    const changeSummary: Record<string, number> = {};
    for (const [op, n] of Object.entries(c)) if (n > 0) changeSummary[op] = n;
    const digest: PreviewDigest = {
      steps: this.steps,
      ...(this.events.length ? { diagnostics: this.events } : {}),
      duration: (Date.now() - this.started) * 1e6,
      changeSummary,
    };
    this.out(JSON.stringify(digest, null, 4) + "\n");
  }

  private state(d: StepDetail, inputs: DisplayMap, outputs: DisplayMap, id: string | undefined): DigestState {
    return {
      urn: d.urn,
      custom: d.custom ?? true,
      ...(id ? { id } : {}),
      type: d.type,
      inputs: massage(inputs),
      outputs: massage(outputs),
      parent: d.parent || this.rootUrn,
    };
  }

}

/** MassageSecrets: every secret becomes the string "[secret]". */
export function massage(m: DisplayMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) out[k] = massageValue(v);
  return out;
}

function massageValue(v: DisplayValue): unknown {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map((e) => massageValue(e));
  if (typeof v === "object" && v !== null) return massage(v as DisplayMap);
  return v;
}
