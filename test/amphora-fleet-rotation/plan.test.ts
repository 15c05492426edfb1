import * as assert from "node:assert";
import type { Fleet, FleetMember } from "../../provider/amphora-fleet-rotation/fleet";
import { amphoraFleetRotationInputsSchema, type AmphoraFleetRotationArgsInput } from "../../provider/amphora-fleet-rotation/inputs";
import { planLine, planRotation } from "../../provider/amphora-fleet-rotation/plan";

/** planRotation and planLine on hand-made fleets (pure: no cloud). */

const OLD = "00000000-0000-0000-0000-0000000000aa";
const NEW = "11111111-0000-0000-0000-0000000000bb";
const FLAVOR_IMAGE = "22222222-0000-0000-0000-0000000000cc";

function lb(name: string, over: Partial<FleetMember> = {}): FleetMember {
  return {
    id: `${name}-id-0000-0000-0000-000000000000`,
    name,
    provisioningStatus: "ACTIVE",
    operatingStatus: "ONLINE",
    standalone: false,
    tag: "amphora",
    images: [OLD, OLD],
    amphoraIds: [`${name}-amphora-1`, `${name}-amphora-2`],
    ...over,
  };
}

const inputs = (args: Partial<AmphoraFleetRotationArgsInput> = {}) => amphoraFleetRotationInputsSchema().parse({ imageTag: "amphora", ...args });

describe("AmphoraFleetRotation plan", () => {
  const fleet: Fleet = {
    members: [
      lb("a"),
      lb("b", { standalone: true, images: [OLD] }),
      lb("c"),
      lb("d", { images: [NEW, NEW] }),
      lb("e", { images: [NEW, OLD] }),
      lb("f", { provisioningStatus: "PENDING_UPDATE" }),
      lb("g", { provisioningStatus: "ERROR" }),
      lb("h", { tag: "per-flavor", images: [FLAVOR_IMAGE, FLAVOR_IMAGE] }),
      lb("i", { tag: "no-image" }),
    ],
    targets: { amphora: NEW, "per-flavor": FLAVOR_IMAGE },
  };
  const id = (name: string): string => `${name}-id-0000-0000-0000-000000000000`;

  it("rotates every load balancer with an amphora off its tag's image: canary first, batches, SINGLE last", () => {
    const plan = planRotation(fleet, inputs({ canary: 1, batchSize: 2, allowStandalone: true }));
    assert.deepStrictEqual(plan.canary, [id("a")]);
    assert.deepStrictEqual(plan.batches, [[id("c"), id("e")], [id("f"), id("b")]]);
    assert.deepStrictEqual(plan.onTarget, [id("d"), id("h")], "a per-flavor tag's image counts as on target");
    assert.deepStrictEqual(plan.amphoraeByImage, { [OLD]: 12, [NEW]: 3, [FLAVOR_IMAGE]: 2 });
  });

  it("skips what Octavia would refuse or the inputs exclude, with the reason", () => {
    const plan = planRotation(fleet, inputs());
    assert.deepStrictEqual(plan.skipped, {
      [id("b")]: "SINGLE topology: its VIP is down during a failover (set allowStandalone)",
      [id("g")]: "provisioning status ERROR (set includeErrored to rotate it)",
      [id("i")]: 'no active image has tag "no-image"',
    });
    assert.ok(planRotation(fleet, inputs()).batches.flat().includes(id("f")), "a PENDING_UPDATE one is waited for at its turn by default");
    assert.strictEqual(
      planRotation(fleet, inputs({ whenPending: "skip" })).skipped[id("f")],
      "provisioning status PENDING_UPDATE: another operation is running on it (whenPending is skip)",
    );
    assert.deepStrictEqual(planRotation(fleet, inputs({ includeErrored: true })).batches.flat().includes(id("g")), true);
  });

  it("prints the plan in one line naming each load balancer", () => {
    const small: Fleet = { members: [lb("a"), lb("c"), lb("d", { images: [NEW, NEW] })], targets: { amphora: NEW } };
    assert.strictEqual(
      planLine(small, planRotation(small, inputs({ canary: 1, batchSize: 5 }))),
      `2 load balancers to fail over onto image 11111111 (tag "amphora"): canary a (a-id-000); batch 1: c (c-id-000); 1 on target`,
    );
    const none: Fleet = { members: [lb("d", { images: [NEW, NEW] })], targets: { amphora: NEW } };
    assert.strictEqual(planLine(none, planRotation(none, inputs())), "0 load balancers to fail over; 1 on target");
  });

  it("refuses bad inputs in check with the field named", () => {
    const r = amphoraFleetRotationInputsSchema().safeParse({
      imageTag: "",
      batchSize: 0,
      healthGate: { operatingStatuses: ["UP"] },
      maxFailures: -1,
      whenPending: "later",
      timeouts: { pendingSeconds: -1 },
    });
    assert.ok(!r.success);
    assert.deepStrictEqual(r.error.issues.map((i) => i.path.join(".")).sort(), [
      "batchSize",
      "healthGate.operatingStatuses.0",
      "imageTag",
      "maxFailures",
      "timeouts.pendingSeconds",
      "whenPending",
    ]);
  });
  it("a long plan names the first few of each step it shows and counts the middle batches and the skipped by reason", () => {
    const many: Fleet = {
      members: [...Array.from({ length: 30 }, (_, i) => lb(`lb${i}`)), ...Array.from({ length: 4 }, (_, i) => lb(`err${i}`, { provisioningStatus: "ERROR" }))],
      targets: { amphora: NEW },
    };
    const line = planLine(many, planRotation(many, inputs({ canary: 1, batchSize: 5 })));
    assert.match(line, /^30 load balancers to fail over onto image 11111111 \(tag "amphora"\): canary lb0 \(lb0-id-0\); batch 1: lb1 \(lb1-id-0\), lb2 \(lb2-id-0\), lb3 \(lb3-id-0\) and 2 more; batch 2: .* and 2 more; batches 3–5: 15 load balancers in order of the list; batch 6: .* and 1 more; 0 on target, 4 skipped \(4: provisioning status ERROR \(set includeErrored to rotate it\)\)$/);
  });
});
