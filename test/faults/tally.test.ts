import { strict as assert } from "node:assert";
import { whatHeld } from "./support";

/** The fault suite's bookkeeping, without any fault: what a scenario records as having held. */
describe("fault tally: what held", () => {
  const scenario = { held: "1 active tagged image, nothing half-made", runs: 3 };

  it("records the claim when every run kept it", () => {
    assert.equal(whatHeld({ ...scenario, bad: 0, notes: [] }), "1 active tagged image, nothing half-made");
  });

  it("says it did not hold, in how many runs and the first problem, when a run went bad", () => {
    const notes = ["runs whose leftover held a dead import task: 1", "run 2: 2 active images for one resource: a, b", "run 3: images left: c (queued)"];
    const held = whatHeld({ ...scenario, bad: 2, notes });
    assert.equal(held, "NOT HELD in 2 of 3 runs (run 2: 2 active images for one resource: a, b); expected: 1 active tagged image, nothing half-made");
    assert.doesNotMatch(whatHeld({ ...scenario, bad: 1 }), /^1 active/);
  });
});
