/**
 * The runner's displays (engine/report.ts and engine/display/): when a step is shown. The CLI shows a step when it
 * starts (the engine's ResourcePreEvent) and again when it completes; a preview only plans, so each step is shown
 * once, as planned. End to end through the real host: test/run-program.test.ts.
 */
import * as assert from "node:assert";
import { Reporter } from "../engine/report";
import { DiffReporter } from "../engine/display/diff-reporter";
import { JsonEventReporter } from "../engine/display/json-events";
import type { StepDetail } from "../engine/display/step-detail";
import { secret } from "../engine/host/marshal";

const TYPE = "pulumi-nodejs:dynamic/amphora:GlanceTaggedImage";
const URN = `urn:pulumi:dev::amphora::${TYPE}::amphora`;
const STACK = "urn:pulumi:dev::amphora::pulumi:pulumi:Stack::amphora-dev";
const started: StepDetail = { urn: URN, type: TYPE, id: "img-1", oldInputs: { tag: "a", name: "old" }, newInputs: { tag: "a", name: "new" } };
const completed: StepDetail = { ...started, oldOutputs: { tag: "a", name: "old", imageId: "1" }, newOutputs: { tag: "a", name: "new", imageId: "2" } };

function capture(): { text: () => string; write: (t: string) => void } {
  let text = "";
  return { text: () => text, write: (t) => (text += t) };
}

describe("runner displays: a step shown when it starts and when it completes", () => {
  it("the CLI's rows: the stack running, the step starting with its [diff: …], completed, the stack done with its message count", () => {
    const out = capture();
    const r = new Reporter(out.write);
    r.setStack("amphora-dev", false, STACK);
    r.stackStep(STACK, true);
    r.providerOutput("GlanceTaggedImage amphora: plan");
    r.stepStarted("update", TYPE, "amphora", { detail: started });
    r.row("update", TYPE, "amphora", { seconds: 3, detail: completed });
    r.stepStarted("delete", TYPE, "old", { original: true });
    r.stackDiagnostic("warning", "careful");
    r.endOfSteps();
    assert.deepStrictEqual(out.text().split("\n"), [
      "    pulumi:pulumi:Stack amphora-dev running",
      "    pulumi:pulumi:Stack amphora-dev running GlanceTaggedImage amphora: plan",
      ` ~  ${TYPE} amphora updating (0s) [diff: ~name]`,
      ` ~  ${TYPE} amphora updated (3s) [diff: ~name]`,
      ` -- ${TYPE} old deleting original (0s)`,
      "    pulumi:pulumi:Stack amphora-dev running warning: careful",
      "    pulumi:pulumi:Stack amphora-dev 1 warning; 1 message",
      "",
      "",
    ]);
  });

  it("a completed step's time as the CLI prints it: hundredths under a second, else whole seconds, truncated", () => {
    const out = capture();
    const r = new Reporter(out.write);
    for (const seconds of [0.4, 1.99, 61.9]) r.row("create", TYPE, "amphora", { seconds });
    assert.deepStrictEqual(out.text().trimEnd().split("\n"), [
      ` +  ${TYPE} amphora created (0.40s)`,
      ` +  ${TYPE} amphora created (1s)`,
      ` +  ${TYPE} amphora created (61s)`,
    ]);
  });

  it("a preview prints each step once, as planned, and no done row for the stack", () => {
    const out = capture();
    const r = new Reporter(out.write);
    r.setStack("amphora-dev", true, STACK);
    r.stackStep(STACK, true);
    r.stepStarted("update", TYPE, "amphora", { detail: started });
    r.row("update", TYPE, "amphora", { preview: true, detail: started });
    r.endOfSteps();
    assert.deepStrictEqual(out.text().split("\n"), ["    pulumi:pulumi:Stack amphora-dev running", ` ~  ${TYPE} amphora update [diff: ~name]`, "", ""]);
  });

  it("--diff on up: the step's detail when it starts, only its outputs when it completes", () => {
    const out = capture();
    const r = new DiffReporter(false, out.write, () => undefined);
    r.stepStarted("update", TYPE, "amphora", { detail: started });
    const atStart = out.text();
    assert.match(atStart, /~ pulumi-nodejs:dynamic\/amphora:GlanceTaggedImage: \(update\)/);
    assert.match(atStart, /~ name: "old" => "new"/);
    r.row("update", TYPE, "amphora", { seconds: 1, detail: completed });
    const atEnd = out.text().slice(atStart.length);
    assert.doesNotMatch(atEnd, /\(update\)/, "the step is not printed twice");
    assert.match(atEnd, /--outputs:--/);
    assert.match(atEnd, /imageId: "1" => "2"/);
  });

  it("--show-secrets: --diff prints secret values where it would print [secret]", () => {
    const withSecret: StepDetail = { urn: URN, type: TYPE, newInputs: { tag: "a", password: secret("pw-1") } };
    const printed = (show: boolean) => {
      const out = capture();
      const r = new DiffReporter(true, out.write, () => undefined);
      r.showSecrets = show;
      r.row("create", TYPE, "amphora", { preview: true, detail: withSecret });
      return out.text();
    };
    assert.match(printed(false), /password: \[secret\]/);
    assert.doesNotMatch(printed(false), /pw-1/);
    assert.match(printed(true), /password: "pw-1"/);
  });

  it("refresh --json: each refresh starts as `refresh` and completes as its result (same, update, delete)", () => {
    const out = capture();
    const r = new JsonEventReporter(out.write);
    r.setStack("amphora-dev", false, STACK);
    const before: StepDetail = { urn: URN, type: TYPE, id: "img-1", oldInputs: { tag: "a" }, oldOutputs: { tag: "a" } };
    for (const [op, refreshed] of [["same", true], ["update", true], ["gone", false]] as const) {
      r.stepStarted("refresh", TYPE, "amphora", { detail: before });
      r.row(op, TYPE, "amphora", { refreshed, detail: op === "gone" ? before : { ...before, newInputs: { tag: "a" }, newOutputs: { tag: "b" } } });
    }
    const ops = out
      .text()
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { resourcePreEvent?: { metadata: { op: string } }; resOutputsEvent?: { metadata: { op: string; new: unknown } } })
      .flatMap((e) => (e.resourcePreEvent ? [`pre ${e.resourcePreEvent.metadata.op}`] : e.resOutputsEvent ? [`out ${e.resOutputsEvent.metadata.op}`] : []));
    assert.deepStrictEqual(ops, ["pre refresh", "out same", "pre refresh", "out update", "pre refresh", "out delete"]);
  });

  it("up --json: a resourcePreEvent when the step starts, a resOutputsEvent when it completes, numbered from 0", () => {
    const out = capture();
    const r = new JsonEventReporter(out.write);
    r.setStack("amphora-dev", false, STACK);
    r.stackStep(STACK, true);
    r.stepStarted("replace", TYPE, "amphora", { detail: { ...started, replaces: ["region"] } });
    r.row("replace", TYPE, "amphora", { detail: { ...completed, replaces: ["region"] } });
    r.failedRow("delete", TYPE, "other", "Glance said no");
    r.summary({ create: 0, update: 0, replace: 1, same: 1, delete: 0, read: 0 }, false);
    const events = out.text().trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, { metadata?: { op: string; urn: string; keys?: string[] } } & Record<string, unknown>>);
    const kind = (e: Record<string, unknown>) => Object.keys(e).find((k) => k.endsWith("Event"));
    assert.deepStrictEqual(events.map(kind), [
      "preludeEvent",
      "resourcePreEvent",
      "resourcePreEvent",
      "resOutputsEvent",
      "resourcePreEvent",
      "resOutputsEvent",
      "diagnosticEvent",
      "resOpFailedEvent",
      "summaryEvent",
    ]);
    assert.deepStrictEqual(events.map((e) => e.sequence), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const pre = events[2]!.resourcePreEvent!.metadata!;
    assert.deepStrictEqual([pre.op, pre.urn, pre.keys], ["create-replacement", URN, ["region"]]);
    assert.strictEqual(events[3]!.resOutputsEvent!.metadata!.op, "create-replacement");
    assert.deepStrictEqual([events[4]!.resourcePreEvent!.metadata!.op, events[5]!.resOutputsEvent!.metadata!.op], ["replace", "replace"]);
    assert.deepStrictEqual(events[6]!.diagnosticEvent, {
      urn: `urn:pulumi:dev::amphora::${TYPE}::other`,
      prefix: "error: ",
      message: "Glance said no\n",
      color: "never",
      severity: "error",
    });
    assert.deepStrictEqual(events[8]!.summaryEvent, {
      maybeCorrupt: false,
      durationSeconds: (events[8]!.summaryEvent as { durationSeconds: number }).durationSeconds,
      resourceChanges: { replace: 1, same: 1 },
      PolicyPacks: {},
      isPreview: false,
      result: "failed",
    });
  });
});
