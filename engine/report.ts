/**
 * The Pulumi CLI's non-interactive display (pkg/backend/display of pulumi/pulumi), for the runner:
 *
 *   Updating (dev):
 *    +  pulumi-nodejs:dynamic/amphora:AmphoraImageBuild amphora-image created (183s)
 *       pulumi:pulumi:Stack amphora-dev running AmphoraImageBuild amphora-image: build 3/9 ...
 *    ~  pulumi-nodejs:dynamic/amphora:GlanceTaggedImage amphora updated (12s)
 *   Diagnostics:
 *     pulumi:pulumi:Stack (amphora-dev):
 *       <every line the provider host printed, in order>
 *
 *   Outputs:
 *       imageId: "5f0c..."
 *
 *   Resources:
 *       + 1 created
 *       ~ 1 updated
 *       2 changes
 *
 *   Duration: 3m15s
 *
 * As in the CLI, provider output reaches the display as diagnostics of the stack (the host's stdout/stderr carry
 * no resource): shown live on the stack's row and grouped under the stack at the end. Errors of a step are
 * diagnostics of its resource. As the CLI's display when stdout is not a terminal (progress.go processNormalEvent,
 * jsonmessage.go rowUpdated): the stack's row when the run starts (`running`) and once it is done (with the count
 * of its messages); a step's row when it starts (`creating (0s)`, the engine's ResourcePreEvent; a replacement
 * starts by `creating replacement`, a pending delete by `deleting original`) and again when it completes;
 * unchanged custom resources get no row. A preview prints one row per step, its plan.
 */
import { toWire, type PropertyValue } from "./host/marshal";
import { rowDiff, type StepDetail } from "./display/step-detail";

export type Op = "create" | "update" | "same" | "replace" | "delete" | "read" | "refresh" | "gone";

export const SYMBOLS: Record<Op, string> = {
  create: "+ ",
  update: "~ ",
  same: "  ",
  replace: "+-",
  delete: "- ",
  read: "> ",
  refresh: "~ ",
  gone: "- ",
};

const DONE: Record<Op, string> = {
  create: "created",
  update: "updated",
  same: "",
  replace: "replaced",
  delete: "deleted",
  read: "read",
  refresh: "refresh",
  gone: "deleted",
};

/** A failed step's status; the CLI marks it with `**` (its error colour, without colours). */
const FAILED: Record<Op, string> = {
  create: "**creating failed**",
  update: "**updating failed**",
  same: "**failed**",
  replace: "**replacing failed**",
  delete: "**deleting failed**",
  read: "**reading failed**",
  refresh: "**refreshing failed**",
  gone: "**refreshing failed**",
};

/** A step's status while it runs (progress.go getStepInProgressOpText), and the op column it shows then. */
const STARTED: Partial<Record<Op, { symbol: string; text: string }>> = {
  create: { symbol: "+ ", text: "creating" },
  update: { symbol: "~ ", text: "updating" },
  replace: { symbol: "++", text: "creating replacement" },
  delete: { symbol: "- ", text: "deleting" },
  refresh: { symbol: "~ ", text: "refreshing" },
};
const DELETING_ORIGINAL = { symbol: "--", text: "deleting original" };

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const DETAIL_INDENT = "    ";

export interface Counts {
  create: number;
  update: number;
  replace: number;
  same: number;
  delete: number;
  read: number;
}

export function emptyCounts(): Counts {
  return { create: 0, update: 0, replace: 0, same: 0, delete: 0, read: 0 };
}

/** The row of a resource: ` +  <type> <name> <status>`. */
export function rowText(op: Op, type: string, name: string, status: string): string {
  return rowLine(SYMBOLS[op], type, name, status);
}

/** A row with the op column given as its text (the engine's `++`, `--` of a replacement's steps). */
function rowLine(symbol: string, type: string, name: string, status: string): string {
  return ` ${symbol} ${type} ${name}${status ? ` ${status}` : ""}`;
}

export interface StartOptions {
  /** What the display knows of the step: old inputs and the checked inputs the provider gets. */
  detail?: StepDetail;
  /** The delete of a replaced resource's old half (a pending delete). */
  original?: boolean;
}

export interface RowOptions {
  preview?: boolean;
  /** The delete of a replaced resource's old half (a pending delete). */
  original?: boolean;
  /** The completion of a refresh step: a row even when nothing changed (the engine shows every refresh). */
  refreshed?: boolean;
  /** A replacement that deleted the old resource first (its logical replace step was shown before the create). */
  deletedFirst?: boolean;
  seconds?: number;
  note?: string;
  /** What the display knows of the step: old and new inputs (and outputs once it ran). */
  detail?: StepDetail;
}

export class Reporter {
  /** `--show-secrets`: secret values are shown where the display would print `[secret]`. */
  showSecrets = false;

  /** Diagnostics per resource (type and name), in the order resources first reported one. */
  private readonly diagnostics = new Map<string, { type: string; name: string; lines: string[] }>();
  private stackType = "pulumi:pulumi:Stack";
  private stackName = "";
  private planOnly = false;
  /** Whether the stack's row was shown when the run started (up and preview). */
  private stackShown = false;
  private stackFailedShown = false;
  /** The stack's diagnostics by severity, for its done row. */
  private readonly stackMessages = { error: 0, warning: 0, info: 0 };

  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  line(text = ""): void {
    this.write(text + "\n");
  }

  /** The URN of the stack (`urn:pulumi:<stack>::<project>::pulumi:pulumi:Stack::<project>-<stack>`). */
  protected rootUrn = "";

  /** The stack row's name (`<project>-<stack>`), under which provider output is grouped, and its URN. */
  setStack(name: string, preview = false, urn = ""): void {
    this.stackName = name;
    this.planOnly = preview;
    this.rootUrn = urn;
  }

  /** The URN of a resource of this stack, parented by the stack. */
  protected urnOf(type: string, name: string): string {
    return `${this.rootUrn.split("::").slice(0, 2).join("::")}::${type}::${name}`;
  }

  /** The stack's own step, before any other: its row, `running`. */
  stackStep(_urn: string, _existed: boolean, _oldOutputs?: Record<string, PropertyValue>, _secretKeys?: readonly string[]): void {
    this.stackShown = true;
    this.line(rowText("same", this.stackType, this.stackName, "running"));
  }

  /**
   * A step starts (not in a preview, whose rows are the plan): `<op> <type> <name> creating (0s)`, with the
   * engine's `[diff: …]` of old and checked inputs.
   */
  stepStarted(op: Op, type: string, name: string, opts: StartOptions = {}): void {
    const started = opts.original ? DELETING_ORIGINAL : STARTED[op];
    if (!started || this.planOnly) return;
    const diff = rowDiff(opts.detail);
    this.line(rowLine(started.symbol, type, name, `${started.text} (0s)${diff ? ` ${diff}` : ""}`));
  }

  /**
   * The row of a completed (or, in preview, planned) step; with the step's detail, the engine's `[diff: …]` of
   * old and new inputs after the status (rows.go getInfoColumn).
   */
  row(op: Op, type: string, name: string, opts: RowOptions = {}): void {
    const time = opts.seconds !== undefined && !opts.preview ? ` (${stepDuration(opts.seconds)})` : "";
    const diff = rowDiff(opts.detail);
    const info = [opts.note, diff].filter(Boolean).join(" ");
    const rest = `${time}${info ? ` ${info}` : ""}`;
    if (!opts.preview && op === "replace") {
      // The replacement's create, then (create-before-delete) the logical replace step; the old half is deleted
      // last, as `deleted original`.
      this.line(rowLine("++", type, name, `created replacement${rest}`));
      if (!opts.deletedFirst) this.replaceStep(type, name, opts.detail);
      return;
    }
    if (!opts.preview && op === "delete" && opts.original) {
      this.line(rowLine(DELETING_ORIGINAL.symbol, type, name, `deleted original${rest}`));
      return;
    }
    if (op === "same" && opts.refreshed) {
      // unchanged: no status and no time (progress.go getStepDoneDescription for OpSame)
      if (!opts.preview) this.line(rowText("same", type, name, ""));
      return;
    }
    const status = opts.preview ? (op === "gone" ? "delete" : op === "same" ? "" : op) : DONE[op];
    this.line(rowText(op, type, name, `${status}${rest}`.trim()));
  }

  /** The logical step of a replacement (the engine's OpReplace): it starts and completes at once. */
  replaceStep(type: string, name: string, detail?: StepDetail): void {
    const diff = rowDiff(detail);
    for (const status of ["replacing (0s)", `replaced (${stepDuration(0)})`]) this.line(rowText("replace", type, name, `${status}${diff ? ` ${diff}` : ""}`));
  }

  /**
   * The row of a failed step (as the CLI's row once the engine reported the failure: `**creating failed**`, then
   * `[diff: …]; error: <first line of the error>`); the error becomes the resource's diagnostic, shown once
   * under it in `Diagnostics:`. `replacement`: the step that failed was a replacement's create or delete.
   */
  failedRow(op: Op, type: string, name: string, message: string, detail?: StepDetail, replacement?: "create" | "delete"): void {
    const info = [rowDiff(detail), `error: ${message.split("\n")[0] ?? ""}`].filter(Boolean).join("; ");
    // A replacement's create or delete that failed keeps its step's op column (`++`, `--`; progress.go getDescription).
    const status = `${FAILED[replacement ?? op]} ${info}`;
    this.line(replacement ? rowLine(replacement === "create" ? "++" : "--", type, name, status) : rowText(op, type, name, status));
    this.diagnostic(type, name, `error: ${message}`);
  }

  /**
   * Check failures: the engine reports one error per failure on the resource before any step, so its row has no
   * step symbol and ends as `**failed** N errors` (TestCheckFailureRecord in the engine's lifecycle tests).
   */
  checkFailedRow(type: string, name: string, messages: readonly string[]): void {
    for (const m of messages) this.line(rowText("same", type, name, ` error: ${m}`));
    this.line(rowText("same", type, name, `**failed** ${plural(messages.length, "error")}`));
    for (const m of messages) this.diagnostic(type, name, `error: ${m}`);
  }

  /**
   * After a step failed, the engine's error on the stack (`update failed`, `preview failed`, …) and the stack's
   * row marked failed, as the CLI prints them.
   */
  stackFailed(kind: string): void {
    this.stackFailedShown = true;
    this.stackDiagnostic("error", `${kind} failed`);
    const errors = this.diagnosticsOf(this.stackType, this.stackName).filter((l) => l.startsWith("error: ")).length;
    this.line(`    ${this.stackType} ${this.stackName} **failed** ${plural(errors, "error")}`);
  }

  /** A line the provider host printed: live on the stack's row, kept for the stack's diagnostics. */
  providerOutput(text: string): void {
    this.stackMessages.info++;
    this.line(`    ${this.stackType} ${this.stackName} running ${text}`);
    this.record(this.stackType, this.stackName, [text]);
  }

  /** A warning or error of the stack (the runner's own, or the program's). */
  stackDiagnostic(severity: "warning" | "error", message: string): void {
    this.stackMessages[severity]++;
    this.line(`    ${this.stackType} ${this.stackName} running ${severity}: ${message.split("\n")[0] ?? ""}`);
    this.diagnostic(this.stackType, this.stackName, `${severity}: ${message}`);
  }

  diagnostic(type: string, name: string, message: string): void {
    this.record(type, name, message.split("\n"));
  }

  /** `Diagnostics:`, grouped by resource, as the CLI prints them at the end. */
  printDiagnostics(): void {
    if (this.diagnostics.size === 0) return;
    this.line("Diagnostics:");
    for (const d of this.diagnostics.values()) {
      this.line(`  ${d.type} (${d.name}):`);
      for (const l of d.lines) this.line(`${DETAIL_INDENT}${l.trimEnd()}`);
      this.line();
    }
  }

  /** Lines of the diagnostics recorded for a resource (the stack: its type and `<project>-<stack>`). */
  diagnosticsOf(type: string, name: string): readonly string[] {
    return this.diagnostics.get(`${type}\0${name}`)?.lines ?? [];
  }

  outputs(outputs: Record<string, PropertyValue>, secretKeys: readonly string[]): void {
    const keys = Object.keys(outputs).sort();
    if (keys.length === 0) return;
    this.line("Outputs:");
    const width = Math.max(...keys.map((k) => k.length));
    for (const k of keys) {
      const value = outputs[k] as PropertyValue;
      const shown = this.showSecrets ? formatValue(toWire(value)) : secretKeys.includes(k) ? "[secret]" : formatValue(value);
      this.line(`${DETAIL_INDENT}${k.padEnd(width)}: ${shown}`);
    }
    this.line();
  }

  /** The `Resources:` block (renderSummaryEvent). */
  summary(c: Counts, preview: boolean): void {
    const to = preview ? "to " : "";
    const kinds: [Op, number, string][] = [
      ["create", c.create, preview ? "create" : "created"],
      ["update", c.update, preview ? "update" : "updated"],
      ["delete", c.delete, preview ? "delete" : "deleted"],
      ["replace", c.replace, preview ? "replace" : "replaced"],
    ];
    this.line("Resources:");
    let changes = 0;
    let changeKinds = 0;
    for (const [op, n, word] of kinds) {
      if (n === 0) continue;
      changes += n;
      changeKinds++;
      this.line(`${DETAIL_INDENT}${SYMBOLS[op]}${n} ${to}${word}`);
    }
    const pieces = [...(changeKinds >= 2 ? [`${changes} change${changes === 1 ? "" : "s"}`] : []), ...(c.same ? [`${c.same} unchanged`] : [])];
    if (pieces.length) this.line(`${DETAIL_INDENT}${pieces.join(". ")}`);
    // rows (resources and the stack) with at least one error diagnostic
    const errored = [...this.diagnostics.values()].filter((d) => d.lines.some((l) => l.startsWith("error: "))).length;
    if (errored > 0) this.line(`${DETAIL_INDENT}${errored} errored`);
    this.line();
  }

  /**
   * The stack's row once the run is done (not in a preview; a failed run already marked it failed): no status,
   * the count of its diagnostics (rows.go getInfoColumn); then the blank line before the end-of-run sections.
   */
  endOfSteps(): void {
    if (this.stackShown && !this.planOnly && !this.stackFailedShown) {
      const m = this.stackMessages;
      const counts: [number, string][] = [[m.error, "error"], [m.warning, "warning"], [m.info, "message"]];
      const info = counts.filter(([n]) => n > 0).map(([n, word]) => plural(n, word));
      this.line(rowText("same", this.stackType, this.stackName, info.join("; ")));
    }
    this.line();
  }

  duration(ms: number): void {
    this.line(`Duration: ${formatDuration(ms)}`);
  }

  private record(type: string, name: string, lines: readonly string[]): void {
    const key = `${type}\0${name}`;
    let d = this.diagnostics.get(key);
    if (!d) this.diagnostics.set(key, (d = { type, name, lines: [] }));
    d.lines.push(...lines);
  }
}

/** A completed step's duration as the CLI prints it: hundredths under a second, else whole seconds (truncated). */
function stepDuration(seconds: number): string {
  return seconds < 1 ? `${seconds.toFixed(2)}s` : `${Math.floor(seconds)}s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Go's time.Duration rounded to seconds, as the CLI prints it: `7s`, `3m15s`. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** JSON-ish rendering; unknowns (preview) as `[unknown]`, nested secrets as `[secret]`. */
export function formatValue(v: PropertyValue): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === UNKNOWN) return "[unknown]";
    if (typeof x === "object" && x !== null && (x as Record<string, unknown>)["4dabf18193072939515e22adb298388d"]) {
      return "[secret]";
    }
    return x;
  }).replace(/"\[(unknown|secret)\]"/g, "[$1]");
}
