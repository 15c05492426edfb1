import * as assert from "node:assert";
import { runPool } from "../../provider/common/pool";
import type { Inventory } from "../../provider/snapshot-store-policy/compliance";
import { enforce } from "../../provider/snapshot-store-policy/enforce";
import { CopyForbiddenError } from "../../provider/snapshot-store-policy/errors";
import { ImageGoneError, type PlacementOps } from "../../provider/snapshot-store-policy/placement";

const tick = (ms = 2): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An in-memory Glance: id → stores; records calls and the peak number of operations in flight. */
class FakeGlance implements PlacementOps {
  readonly stores = new Map<string, string[]>();
  readonly calls: string[] = [];
  inFlight = 0;
  peak = 0;
  failCopy = new Map<string, () => Error>();

  constructor(inventory: Inventory) {
    for (const [id, f] of Object.entries(inventory)) this.stores.set(id, [...f.stores]);
  }

  private async op<T>(name: string, fn: () => T): Promise<T> {
    this.calls.push(name);
    this.peak = Math.max(this.peak, ++this.inFlight);
    try {
      await tick();
      return fn();
    } finally {
      this.inFlight--;
    }
  }

  private held(id: string): string[] {
    const s = this.stores.get(id);
    if (!s) throw new ImageGoneError(id);
    return s;
  }

  copy(id: string, store: string): Promise<string[]> {
    return this.op(`copy ${id}`, () => {
      const fail = this.failCopy.get(id);
      if (fail) throw fail();
      const s = [...this.held(id), store];
      this.stores.set(id, s);
      return s;
    });
  }

  facts(id: string) {
    return this.op(`facts ${id}`, () => ({ status: "active", stores: this.held(id) }));
  }

  remove(id: string, store: string): Promise<void> {
    return this.op(`remove ${id} ${store}`, () => {
      this.stores.set(id, this.held(id).filter((s) => s !== store));
    });
  }
}

const inCheap = (...ids: string[]): Inventory => Object.fromEntries(ids.map((id) => [id, { status: "active", stores: ["cheap"] }]));

describe("SnapshotStorePolicy enforcement (fake Glance)", () => {
  it("runPool keeps to the concurrency bound, settles every item and can stop early", async () => {
    let active = 0;
    let peak = 0;
    const results = await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++active);
      await tick(3);
      active--;
      if (n === 4) throw new Error("four");
      return n * 10;
    });
    assert.strictEqual(peak, 3);
    assert.deepStrictEqual(results.map((r) => r.status), ["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled"]);
    let stop = false;
    const stopped = await runPool([1, 2, 3, 4], 1, async (n) => {
      if (n === 2) stop = true;
      return n;
    }, { stop: () => stop });
    assert.deepStrictEqual(stopped.map((r) => r.status), ["fulfilled", "fulfilled", "skipped", "skipped"]);
  });

  it("copy mode: copies what the store lacks, with bounded concurrency", async () => {
    const glance = new FakeGlance({ ...inCheap("a", "b", "c", "d", "e"), f: { status: "active", stores: ["fast"] } });
    const r = await enforce(inCheap("a", "b", "c", "d", "e"), { store: "fast", mode: "copy", concurrency: 2, ops: glance });
    assert.strictEqual(glance.peak, 2);
    assert.deepStrictEqual(r.relocated, ["a", "b", "c", "d", "e"]);
    assert.deepStrictEqual(r.failed, {});
    assert.deepStrictEqual(r.inventory.a, { status: "active", stores: ["cheap", "fast"] });
    assert.ok(!glance.calls.some((c) => c.startsWith("remove")));
  });

  it("move mode: removes other copies only after the copy, checked fresh", async () => {
    const before: Inventory = { ...inCheap("a"), b: { status: "active", stores: ["cheap", "fast", "reliable"] }, c: { status: "active", stores: ["fast"] } };
    const glance = new FakeGlance(before);
    const r = await enforce(before, { store: "fast", mode: "move", concurrency: 2, ops: glance });
    assert.deepStrictEqual([...glance.stores.entries()], [["a", ["fast"]], ["b", ["fast"]], ["c", ["fast"]]]);
    assert.deepStrictEqual(r.relocated, ["a", "b"]);
    assert.ok(glance.calls.indexOf("copy a") < glance.calls.indexOf("remove a cheap"));
    assert.ok(glance.calls.includes("facts a"), "the image is looked at again before anything is removed");
  });

  it("one image's failure does not stop the others; its copies are kept", async () => {
    const glance = new FakeGlance(inCheap("a", "b", "c", "d"));
    glance.failCopy.set("b", () => new Error("Import of image b failed for store(s) fast"));
    const r = await enforce(inCheap("a", "b", "c", "d"), { store: "fast", mode: "move", concurrency: 2, ops: glance });
    assert.deepStrictEqual(r.relocated, ["a", "c", "d"]);
    assert.deepStrictEqual(Object.keys(r.failed), ["b"]);
    assert.match(r.failed.b ?? "", /^copy to "fast": Import of image b failed/);
    assert.deepStrictEqual(glance.stores.get("b"), ["cheap"], "no removal for an image whose copy failed");
    assert.deepStrictEqual(glance.stores.get("a"), ["fast"]);
  });

  it("an image deleted meanwhile is dropped, not failed", async () => {
    const glance = new FakeGlance(inCheap("a", "b"));
    glance.stores.delete("b");
    const r = await enforce(inCheap("a", "b"), { store: "fast", mode: "copy", concurrency: 1, ops: glance });
    assert.deepStrictEqual(r.gone, ["b"]);
    assert.deepStrictEqual(r.failed, {});
    assert.deepStrictEqual(Object.keys(r.inventory), ["a"]);
  });

  it("copy-image refused by policy: no further copy, no removal at all", async () => {
    const before: Inventory = { ...inCheap("a", "b", "c"), z: { status: "active", stores: ["cheap", "fast"] } };
    const glance = new FakeGlance(before);
    for (const id of ["a", "b", "c"]) glance.failCopy.set(id, () => new CopyForbiddenError(id, "fast", "You are not authorized to complete copy_image action."));
    const r = await enforce(before, { store: "fast", mode: "move", concurrency: 1, ops: glance });
    assert.ok(r.forbidden);
    assert.deepStrictEqual(glance.calls, ["copy a"]);
    assert.deepStrictEqual(r.relocated, []);
    assert.match(r.failed.a ?? "", /policy rule "copy_image"/);
    assert.match(r.failed.b ?? "", /not attempted/);
    assert.deepStrictEqual(glance.stores.get("z"), ["cheap", "fast"], "the removal-only image is left alone");
  });

  it("move mode keeps other copies when the target no longer holds the image", async () => {
    const before: Inventory = { a: { status: "active", stores: ["cheap", "fast"] } };
    const glance = new FakeGlance(before);
    glance.stores.set("a", ["cheap"]); // someone removed the fast copy since the listing
    const r = await enforce(before, { store: "fast", mode: "move", concurrency: 1, ops: glance });
    assert.match(r.failed.a ?? "", /does not hold a usable copy now.*other copies kept/);
    assert.deepStrictEqual(glance.stores.get("a"), ["cheap"]);
  });
});
