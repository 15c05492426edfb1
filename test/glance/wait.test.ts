import { strict as assert } from "node:assert";
import { GlanceClient } from "../../provider/glance/client";
import { ImportFailedError, ImportStuckError, UnexpectedStateError } from "../../provider/glance/errors";
import { waitForImport } from "../../provider/glance/imageimport";
import { waitForImageStatus } from "../../provider/glance/images";
import { waitFor } from "../../provider/glance/wait";
import { WaitTimeoutError } from "../../provider/openstack/errors";
import { fakeServiceClient, sendJson, startServer, version, type TestServer } from "./support/fake-service";

const ID = "4d1c2a86-0000-4000-8000-000000000001";

const image = (fields: Record<string, unknown>): Record<string, unknown> => ({
  id: ID,
  name: "x",
  status: "importing",
  visibility: "private",
  protected: false,
  tags: [],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  ...fields,
});

const task = (status: string, updatedAt = "2026-01-01T00:00:01", message = ""): Record<string, unknown> => ({
  id: "task-1",
  type: "api_image_import",
  status,
  message,
  created_at: "2026-01-01T00:00:00",
  updated_at: updatedAt,
});

describe("glance waits", () => {
  describe("waitFor", () => {
    it("polls while pending and returns the value at a target state", async () => {
      const states = ["queued", "saving", "active"];
      let calls = 0;
      const value = await waitFor({
        pending: ["queued", "saving"],
        target: ["active"],
        refresh: async () => ({ state: states[calls] ?? "active", value: ++calls }),
        timeoutMs: 5000,
        intervalMs: 1,
      });
      assert.equal(value, 3);
    });

    it("fails on a state that is neither pending nor target", async () => {
      await assert.rejects(
        waitFor({ pending: ["saving"], target: ["active"], refresh: async () => ({ state: "killed", value: 0 }), timeoutMs: 1000, description: "image x" }),
        (err: unknown) => {
          assert.ok(err instanceof UnexpectedStateError);
          assert.equal(err.state, "killed");
          assert.match(err.message, /image x: unexpected state 'killed'/);
          return true;
        },
      );
    });

    it("is bounded by timeoutMs (WaitTimeoutError with the last state)", async () => {
      let refreshes = 0;
      const saving = async () => {
        refreshes++;
        return { state: "saving", value: 0 };
      };
      await assert.rejects(
        waitFor({ pending: ["saving"], target: ["active"], refresh: saving, timeoutMs: 120, intervalMs: 20 }),
        (err: unknown) => {
          assert.ok(err instanceof WaitTimeoutError);
          assert.equal(err.lastState, "saving");
          assert.equal(err.timeoutMs, 120);
          return true;
        },
      );
      // One at the start, at most one per interval, and one after the last sleep, which is cut short at the deadline
      // (timers may fire a little early, so that can add one); a slow machine makes fewer.
      assert.ok(refreshes >= 1 && refreshes <= 120 / 20 + 2, `${refreshes} refreshes`);
    });

    it("stops when the signal aborts", async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("stop")), 30);
      await assert.rejects(
        waitFor({ pending: ["saving"], target: ["active"], refresh: async () => ({ state: "saving", value: 0 }), timeoutMs: 10_000, intervalMs: 1000, signal: controller.signal }),
        /stop/,
      );
    });
  });

  describe("waitForImport against a scripted Glance", () => {
    let server: TestServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    /** Serves the image/tasks returned by `script(poll)`, poll counting GETs of the image. */
    async function glance(script: (poll: number) => { image: Record<string, unknown>; tasks?: unknown[] | number }): Promise<GlanceClient> {
      let poll = 0;
      let current = script(0);
      server = await startServer((req, res) => {
        if (req.url === "/") return sendJson(res, 300, { versions: [version("v2.15", "CURRENT")] });
        if (req.url === `/v2/images/${ID}`) {
          current = script(poll++);
          return sendJson(res, 200, current.image);
        }
        if (req.url === `/v2/images/${ID}/tasks`) {
          const tasks = current.tasks ?? [];
          return typeof tasks === "number" ? sendJson(res, tasks, { message: "no" }) : sendJson(res, 200, { tasks });
        }
        return sendJson(res, 404, { message: "?" });
      });
      return new GlanceClient(fakeServiceClient(server.origin));
    }

    it("copy-image: done when the import lock is gone, even though the image was active throughout", async () => {
      const c = await glance((poll) =>
        poll < 3
          ? { image: image({ status: "active", stores: "fast", os_glance_import_task: "task-1", os_glance_importing_to_stores: "cheap" }) }
          : { image: image({ status: "active", stores: "fast,cheap", os_glance_importing_to_stores: "", os_glance_failed_import: "" }) },
      );
      const done = await waitForImport(c, ID, { intervalMs: 5, timeoutMs: 5000 });
      assert.equal(done.stores, "fast,cheap");
    });

    it("finishing (active, nothing left to import, lock still held): the next polls come quickly, not after a whole interval", async function () {
      this.timeout(10_000);
      const c = await glance((poll) =>
        poll < 3
          ? { image: image({ status: "active", stores: "fast", os_glance_import_task: "task-1", os_glance_importing_to_stores: "" }) }
          : { image: image({ status: "active", stores: "fast", os_glance_importing_to_stores: "" }) },
      );
      // Three pauses while finishing: short ones, or this would take three minutes.
      const done = await waitForImport(c, ID, { intervalMs: 60_000, timeoutMs: 600_000 });
      assert.equal(done.os_glance_import_task ?? "", "");
    });

    it("waitFor: a refresh may ask for a shorter next pause", async function () {
      this.timeout(10_000);
      let calls = 0;
      const value = await waitFor({
        pending: ["saving"],
        target: ["active"],
        refresh: async () => ({ state: ++calls < 20 ? "saving" : "active", value: calls, nextIntervalMs: 1 }),
        timeoutMs: 600_000,
        intervalMs: 60_000,
      });
      assert.equal(value, 20);
    });

    it("a copy whose task never moves (lost to a Glance restart) is stuck after stuckAfterMs, naming the stores and the lock's expiry", async () => {
      const c = await glance(() => ({
        image: image({ status: "active", stores: "fast", os_glance_import_task: "task-1", os_glance_importing_to_stores: "cheap" }),
        tasks: [task("processing", "2026-01-01T00:00:01", "Copied 64 MiB")],
      }));
      await assert.rejects(waitForImport(c, ID, { intervalMs: 5, timeoutMs: 10_000, stuckAfterMs: 300 }), (err: unknown) => {
        assert.ok(err instanceof ImportStuckError, String(err));
        assert.match(err.message, /no import progress for \d+s while importing to cheap/);
        assert.match(err.message, /60 minutes after the task's last update/);
        return true;
      });
    });

    it("a copy whose task keeps saving progress is waited for, however long, until the lock is gone", async () => {
      let taskReads = 0;
      server = await startServer((req, res) => {
        if (req.url === "/") return sendJson(res, 300, { versions: [version("v2.15", "CURRENT")] });
        // Longer than stuckAfterMs in total: each task read comes after the image was quiet for stuckAfterMs / 6.
        const done = taskReads >= 8;
        if (req.url === `/v2/images/${ID}`) {
          return sendJson(res, 200, done
            ? image({ status: "active", stores: "fast,cheap", os_glance_importing_to_stores: "" })
            : image({ status: "active", stores: "fast", os_glance_import_task: "task-1", os_glance_importing_to_stores: "cheap" }));
        }
        if (req.url === `/v2/images/${ID}/tasks`) {
          taskReads++;
          return sendJson(res, 200, { tasks: [task("processing", `2026-01-01T00:00:${10 + taskReads}`, `Copied ${taskReads * 64} MiB`)] });
        }
        return sendJson(res, 404, { message: "?" });
      });
      const c = new GlanceClient(fakeServiceClient(server.origin));
      const done = await waitForImport(c, ID, { intervalMs: 5, timeoutMs: 10_000, stuckAfterMs: 300 });
      assert.equal(done.stores, "fast,cheap");
      assert.ok(taskReads >= 8, `the task was read ${taskReads} times`);
    });

    it("stuck without a failed task: nothing moves for stuckAfterMs → ImportStuckError", async () => {
      const c = await glance(() => ({
        image: image({ os_glance_import_task: "task-1", os_glance_importing_to_stores: "" }),
        tasks: [task("processing")],
      }));
      await assert.rejects(waitForImport(c, ID, { intervalMs: 20, stuckAfterMs: 200, timeoutMs: 5000 }), (err: unknown) => {
        assert.ok(err instanceof ImportStuckError, String(err));
        assert.match(err.message, /no import progress/);
        assert.ok(err.stuckForMs >= 200);
        assert.equal(err.taskId, "task-1");
        return true;
      });
    });

    it("task progress (updated_at moving) keeps the wait going until the timeout", async () => {
      const c = await glance((poll) => ({
        image: image({ os_glance_import_task: "task-1", os_glance_importing_to_stores: "" }),
        tasks: [task("processing", `2026-01-01T00:00:${String(poll).padStart(2, "0")}`, `Copied ${poll} MiB`)],
      }));
      await assert.rejects(waitForImport(c, ID, { intervalMs: 20, stuckAfterMs: 100, timeoutMs: 400 }), (err: unknown) => {
        assert.ok(err instanceof WaitTimeoutError, String(err));
        assert.equal(err.lastState, "importing");
        assert.match(err.message, new RegExp(ID));
        return true;
      });
    });

    it("a failed task with the image still importing is stuck once confirmed on a second poll", async () => {
      const c = await glance(() => ({
        image: image({ os_glance_import_task: "task-1", os_glance_importing_to_stores: "", os_glance_failed_import: "reliable" }),
        tasks: [task("failure", undefined, "Task failed due to Internal Error")],
      }));
      await assert.rejects(waitForImport(c, ID, { intervalMs: 5, stuckAfterMs: 60_000, timeoutMs: 5000 }), (err: unknown) => {
        assert.ok(err instanceof ImportStuckError, String(err));
        assert.deepEqual(err.failedStores, ["reliable"]);
        assert.equal(err.taskMessage, "Task failed due to Internal Error");
        assert.match(err.message, /import task failed/);
        return true;
      });
    });

    it("failed stores without a readable task list still give ImportFailedError", async () => {
      const c = await glance(() => ({ image: image({ status: "queued", os_glance_failed_import: "cheap,reliable" }), tasks: 403 }));
      await assert.rejects(waitForImport(c, ID, { intervalMs: 5, timeoutMs: 5000 }), (err: unknown) => {
        assert.ok(err instanceof ImportFailedError, String(err));
        assert.deepEqual(err.failedStores, ["cheap", "reliable"]);
        assert.equal(err.taskMessage, undefined);
        assert.equal(err.message, `Import of image ${ID} failed for store(s) cheap, reliable (image status queued)`);
        return true;
      });
    });

    it("waitForImageStatus (target active): `killed` is an UnexpectedStateError", async () => {
      const c = await glance((poll) => ({ image: image({ status: poll < 2 ? "saving" : "killed" }) }));
      await assert.rejects(waitForImageStatus(c, ID, { target: ["active"], intervalMs: 5, timeoutMs: 5000 }), UnexpectedStateError);
    });
  });
});
