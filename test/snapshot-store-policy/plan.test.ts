import * as assert from "node:assert";
import type * as pulumi from "@pulumi/pulumi";
import { useGlanceClient } from "../../provider/common/provider-context";
import { GlanceClient } from "../../provider/glance";
import type { ServiceClient } from "../../provider/openstack/service-client";
import { assess, verdictFor, type Inventory } from "../../provider/snapshot-store-policy/compliance";
import { deleteLine, planLine, planUpdate } from "../../provider/snapshot-store-policy/plan";
import { provider } from "../../provider/snapshot-store-policy/provider";
import { assertNoUndefined, inputs, stateFor, withStdout } from "./helpers";

const p = provider as Required<pulumi.dynamic.ResourceProvider>;

/** `n` images named `<prefix>-<i>` in `stores`. */
function images(prefix: string, n: number, stores: string[], status = "active"): Inventory {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}-${String(i).padStart(2, "0")}`, { status, stores }]));
}

describe("SnapshotStorePolicy compliance and plan (pure)", () => {
  it("judges each image for copy and move mode", () => {
    const active = (stores: string[]) => ({ status: "active", stores });
    assert.deepStrictEqual(verdictFor(active(["cheap"]), "fast", "copy"), { kind: "copy", remove: [] });
    assert.deepStrictEqual(verdictFor(active(["cheap", "fast"]), "fast", "copy"), { kind: "compliant" });
    assert.deepStrictEqual(verdictFor(active(["reliable", "cheap"]), "fast", "move"), { kind: "copy", remove: ["cheap", "reliable"] });
    assert.deepStrictEqual(verdictFor(active(["cheap", "fast"]), "fast", "move"), { kind: "remove", remove: ["cheap"] });
    assert.deepStrictEqual(verdictFor(active(["fast"]), "fast", "move"), { kind: "compliant" });
    assert.deepStrictEqual(verdictFor({ status: "saving", stores: [] }, "fast", "copy"), { kind: "skipped", reason: "status saving" });
    assert.deepStrictEqual(verdictFor(active([]), "fast", "copy"), { kind: "skipped", reason: "no image data in any store" });
  });

  it("prints the issue's plan line", () => {
    const inventory = { ...images("a", 12, ["cheap"]), ...images("b", 40, ["fast"]) };
    for (const id of ["b-00", "b-01", "b-02"]) inventory[id] = { status: "active", stores: ["fast", "cheap"] };
    const a = assess(inventory, "fast", "copy");
    assert.strictEqual(planLine("fast", a), '12 images to copy, 40 compliant');
    const move = assess({ ...images("a", 12, ["fast"]), ...images("b", 40, ["fast"]), ...images("c", 1, ["reliable"]) }, "fast", "move");
    assert.strictEqual(planLine("fast", move), '1 image to copy, 1 to remove from "reliable", 52 compliant');
    const mixed = { ...images("a", 12, ["cheap"]), ...images("b", 37, ["fast"]), ...images("c", 3, ["fast", "cheap"]) };
    // 12 to copy; in move mode these and the 3 in both stores leave "cheap"
    assert.strictEqual(planLine("fast", assess(mixed, "fast", "move")), '12 images to copy, 15 to remove from "cheap", 37 compliant');
  });

  it("diff reports a change only when inputs changed or the last refresh found non-compliant images", async () => {
    const compliant = stateFor({ store: "fast" }, images("a", 3, ["fast"]));
    const same = await withStdout(() => p.diff("id", compliant, inputs({ store: "fast" })));
    assert.strictEqual(same.value.changes, false);
    assert.deepStrictEqual(same.lines, []);

    const drift = stateFor({ store: "fast" }, { ...images("a", 3, ["fast"]), "new-1": { status: "active", stores: ["cheap"] } });
    const d = await withStdout(() => p.diff("id", drift, inputs({ store: "fast" })));
    assert.strictEqual(d.value.changes, true);
    assert.deepStrictEqual(d.value.replaces, []);
    assert.deepStrictEqual(d.lines, ['SnapshotStorePolicy fast: 1 image to copy, 3 compliant']);

    const toMove = await withStdout(() => p.diff("id", stateFor({ store: "fast" }, images("a", 2, ["cheap", "fast"])), inputs({ store: "fast", mode: "move" })));
    assert.deepStrictEqual(toMove.lines, ['SnapshotStorePolicy fast: mode copy → move: 0 images to copy, 2 to remove from "cheap", 0 compliant']);

    const newStore = await withStdout(() => p.diff("id", compliant, inputs({ store: "cheap", concurrency: 4 })));
    assert.deepStrictEqual(newStore.lines, ['SnapshotStorePolicy cheap: store "fast" → "cheap": 3 images to copy, 0 compliant; record concurrency']);

    const selection = await withStdout(() => p.diff("id", compliant, inputs({ store: "fast", imageTypes: ["snapshot"] })));
    assert.strictEqual(selection.value.changes, true);
    assert.match(selection.lines[0] ?? "", /selection changed \(imageTypes\): images are listed again/);
  });

  it("diff is pure: no Glance client is needed", async () => {
    let calls = 0;
    const trap = new Proxy({}, { get: () => { calls++; throw new Error("diff used the network"); } });
    useGlanceClient(new GlanceClient(trap as ServiceClient));
    try {
      const r = await withStdout(() => p.diff("id", stateFor({ store: "fast" }, images("a", 1, ["cheap"])), inputs({ store: "fast" })));
      assert.strictEqual(r.value.changes, true);
      assert.strictEqual(calls, 0);
    } finally {
      useGlanceClient(undefined);
    }
  });

  it("diff with unknown inputs (preview) reports a change without failing", async () => {
    const r = await p.diff("id", stateFor({ store: "fast" }, {}), { store: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
    assert.strictEqual(r.changes, true);
  });

  it("skipped images are not drift", () => {
    const plan = planUpdate(stateFor({ store: "fast" }, images("s", 2, [], "queued")), inputs({ store: "fast" }));
    assert.strictEqual(plan.changed, false);
    assert.match(planLine("fast", plan.assessment), /2 skipped \(not active or without data\)/);
  });

  it("outputs never contain undefined; delete says it moves no data", async () => {
    const state = stateFor({ store: "fast", extraImages: ["amphora"] }, images("a", 2, ["cheap"]));
    assertNoUndefined(state);
    assert.strictEqual(state.novaConfig.split("\n")[1], "images_rbd_glance_store_name = fast");
    assert.strictEqual(deleteLine(state), 'policy deleted; no image data is moved or removed (2 images stay where they are)');
    const d = await withStdout(() => p.delete("id", state));
    assert.deepStrictEqual(d.lines, [`SnapshotStorePolicy fast: ${deleteLine(state)}`]);
  });
});
