import { strict as assert } from "node:assert";
import { Image } from "../../provider/glance/images/results";
import {
  COPY_TASK_CHECK_MS,
  FINISHING_FAST_MS,
  FINISHING_POLL_MS,
  initialImportWatch,
  judgeImport,
  type ImportLimits,
  type ImportVerdict,
} from "../../provider/glance/imageimport/progress";
import { Task } from "../../provider/glance/tasks/results";

const ID = "4d1c2a86-0000-4000-8000-000000000002";
const LIMITS: ImportLimits = { stuckAfterMs: 180_000, startTimeoutMs: 120_000, allowFailedStores: false, intervalMs: 1000 };

const image = (fields: Record<string, unknown>): Image =>
  Image.parse({ id: ID, name: "x", status: "importing", visibility: "private", protected: false, tags: [], created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", ...fields });
const task = (status: string, updatedAt = "2026-01-01T00:00:01", message = ""): Task =>
  Task.parse({ id: "task-1", type: "api_image_import", status, message, created_at: "2026-01-01T00:00:00", updated_at: updatedAt });

interface Poll {
  at: number;
  verdict: ImportVerdict;
  tasksRead: boolean;
}

/**
 * Polls at the given times (ms, a clock of the test's own) as waitForImport does: judge the image, read the tasks
 * when the verdict asks for them, judge again. Stops at the first verdict that ends the wait.
 */
function drive(times: readonly number[], imageAt: (t: number) => Image, tasksAt: (t: number) => Task[] | undefined, limits = LIMITS): Poll[] {
  let watch = initialImportWatch();
  const polls: Poll[] = [];
  for (const at of times) {
    const seen = imageAt(at);
    let judged = judgeImport(watch, seen, "unread", at, limits);
    const tasksRead = judged.verdict.kind === "read-tasks";
    if (tasksRead) judged = judgeImport(watch, seen, tasksAt(at), at, limits);
    assert.notEqual(judged.verdict.kind, "read-tasks", "the second judgement has the tasks");
    watch = judged.watch;
    polls.push({ at, verdict: judged.verdict, tasksRead });
    if (judged.verdict.kind !== "waiting") break;
  }
  return polls;
}

const everySecond = (until: number): number[] => Array.from({ length: until / 1000 + 1 }, (_, i) => i * 1000);
const last = (polls: readonly Poll[]): Poll => polls[polls.length - 1] as Poll;

describe("import progress (pure: the clock is the test's)", () => {
  const copying = image({ status: "active", stores: "fast", os_glance_import_task: "task-1", os_glance_importing_to_stores: "cheap" });

  it("a copy whose task never moves is stuck exactly stuckAfterMs after the last change, the task read at most every 10 s", () => {
    const polls = drive(everySecond(600_000), () => copying, () => [task("processing", "2026-01-01T00:00:01", "Copied 64 MiB")]);
    const end = last(polls);
    assert.equal(end.verdict.kind, "stuck");
    // The first poll sees the image change (from nothing); the first task read (10 s later) sees the task change.
    assert.equal(end.at, COPY_TASK_CHECK_MS + LIMITS.stuckAfterMs);
    if (end.verdict.kind !== "stuck") return;
    assert.equal(end.verdict.stuckForMs, LIMITS.stuckAfterMs);
    assert.match(end.verdict.reason, /no import progress for 180s while importing to cheap/);
    assert.match(end.verdict.reason, /60 minutes after the task's last update/);
    assert.deepEqual(end.verdict.outcome.stores, ["fast"]);
    assert.equal(end.verdict.outcome.taskMessage, "Copied 64 MiB");
    const reads = polls.filter((p) => p.tasksRead).map((p) => p.at);
    assert.ok(reads.length >= 2, `task reads: ${reads.join(", ")}`);
    for (let i = 1; i < reads.length; i++) assert.ok((reads[i] as number) - (reads[i - 1] as number) >= COPY_TASK_CHECK_MS, `reads ${reads.join(", ")}`);
  });

  it("a copy whose task keeps saving progress is never stuck, however long it takes", () => {
    const hours = 3 * 3600_000;
    const polls = drive(everySecond(hours), () => copying, (t) => [task("processing", new Date(Date.UTC(2026, 0, 1) + t).toISOString(), `Copied ${t / 1000} MiB`)]);
    assert.equal(polls.length, everySecond(hours).length);
    assert.ok(polls.every((p) => p.verdict.kind === "waiting"));
  });

  it("importing with nothing in progress: stuck after stuckAfterMs of no change; a moving task keeps it alive", () => {
    const quiet = image({ os_glance_import_task: "task-1", os_glance_importing_to_stores: "" });
    const stuck = last(drive(everySecond(600_000), () => quiet, () => [task("processing")]));
    assert.equal(stuck.at, LIMITS.stuckAfterMs);
    assert.equal(stuck.verdict.kind, "stuck");
    if (stuck.verdict.kind === "stuck") assert.equal(stuck.verdict.outcome.taskId, "task-1");

    const moving = drive(everySecond(600_000), () => quiet, (t) => [task("processing", `2026-01-01T00:${String(Math.floor(t / 60_000)).padStart(2, "0")}:00`)]);
    assert.ok(moving.every((p) => p.verdict.kind === "waiting"), "a task that updates once a minute is progress");
  });

  it("a task that never starts (image uploading under the lock) is stuck after startTimeoutMs, not stuckAfterMs", () => {
    const waiting = image({ status: "uploading", os_glance_import_task: "task-9" });
    const end = last(drive(everySecond(600_000), () => waiting, () => []));
    assert.equal(end.at, LIMITS.startTimeoutMs);
    assert.equal(end.verdict.kind, "stuck");
    if (end.verdict.kind === "stuck") assert.match(end.verdict.reason, /its import task task-9 did not start within 120s/);
  });

  it("a failed task with the image still importing is stuck on the second poll that sees it, not the first", () => {
    const failing = image({ os_glance_import_task: "task-1", os_glance_importing_to_stores: "", os_glance_failed_import: "reliable" });
    const polls = drive([0, 1000, 2000], () => failing, () => [task("failure", undefined, "Task failed due to Internal Error")]);
    assert.deepEqual(polls.map((p) => p.verdict.kind), ["waiting", "stuck"]);
    const end = last(polls).verdict;
    if (end.kind !== "stuck") return;
    assert.deepEqual(end.outcome.failedStores, ["reliable"]);
    assert.equal(end.outcome.taskMessage, "Task failed due to Internal Error");
    assert.match(end.reason, /import task failed but the image stayed importing/);
  });

  it("finishing (active, lock still held): short pauses for the first 2 s, whole intervals after", () => {
    const finishing = image({ status: "active", stores: "fast", os_glance_import_task: "task-1", os_glance_importing_to_stores: "" });
    const polls = drive([0, 500, 1999, 2000, 5000], () => finishing, () => []);
    assert.deepEqual(
      polls.map((p) => (p.verdict.kind === "waiting" ? p.verdict.nextIntervalMs : p.verdict.kind)),
      [FINISHING_POLL_MS, FINISHING_POLL_MS, FINISHING_POLL_MS, undefined, undefined],
    );
    assert.ok(FINISHING_FAST_MS === 2000);
  });

  it("lock gone: done when active with every store; failed stores are a failure naming the task that ran (read only then)", () => {
    const done = drive([0, 1000], (t) => (t ? image({ status: "active", stores: "fast,cheap" }) : copying), () => []);
    assert.deepEqual(done.map((p) => p.verdict.kind), ["waiting", "done"]);
    assert.ok(!done.some((p) => p.tasksRead), "a finished import reads no task");

    const failed = drive([0, 1000], (t) => (t ? image({ status: "active", stores: "fast", os_glance_failed_import: "cheap" }) : copying), () => [task("failure", undefined, "no space")]);
    const end = last(failed);
    assert.ok(end.tasksRead);
    assert.equal(end.verdict.kind, "failed");
    if (end.verdict.kind === "failed") {
      assert.deepEqual(end.verdict.outcome.failedStores, ["cheap"]);
      assert.equal(end.verdict.outcome.taskId, "task-1");
      assert.equal(end.verdict.outcome.taskMessage, "no space");
    }
    const allowed = drive([0], () => image({ status: "active", stores: "fast", os_glance_failed_import: "cheap" }), () => [], { ...LIMITS, allowFailedStores: true });
    assert.equal(last(allowed).verdict.kind, "done");
  });
});
