import { strict as assert } from "node:assert";
import { glanceTaggedImageInputsSchema, type GlanceTaggedImageInputs } from "../../provider/glance-tagged-image/inputs";
import type { GlanceTaggedImageOutputs } from "../../provider/glance-tagged-image/outputs";
import { planUpdate } from "../../provider/glance-tagged-image/diff";
import { planLine, retentionAfterMove } from "../../provider/glance-tagged-image/plan-line";
import { sourceKey } from "../../provider/glance-tagged-image/source-key";

const SHA = "ab".repeat(64);
const OLD = "11111111-1111-4111-8111-111111111111";
const PREV = ["22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"];

function inputs(extra: Record<string, unknown> = {}): GlanceTaggedImageInputs {
  return glanceTaggedImageInputsSchema().parse({
    resourceKey: "p/s/amp",
    tag: "amphora",
    file: "/nonexistent/amphora.qcow2",
    expectedSha512: SHA,
    ...extra,
  });
}

function state(news: GlanceTaggedImageInputs, extra: Partial<GlanceTaggedImageOutputs> = {}): GlanceTaggedImageOutputs {
  const { stores: _stores, ...rest } = news;
  return {
    ...rest,
    imageId: OLD,
    ownerId: "owner",
    status: "active",
    size: 1,
    virtualSize: 1,
    checksum: "",
    osHashAlgo: "sha512",
    osHashValue: SHA,
    stores: ["fast"],
    createdAt: "2026-11-21T00:00:00Z",
    previousImageIds: PREV,
    sourceKey: sourceKey(news),
    drift: [],
    octavia: { ampImageTag: "amphora", ampImageOwnerId: "owner", ampImageId: OLD, configSnippet: "" },
    ...extra,
  };
}

describe("GlanceTaggedImage diff", () => {
  it("reports no change for identical inputs", () => {
    const news = inputs();
    const plan = planUpdate(state(news), news, sourceKey(news));
    assert.equal(plan.changed, false);
    assert.match(planLine(state(news), news, plan), /no change$/);
  });

  it("a new source hash means a new image, and the plan line names retention", () => {
    const olds = state(inputs());
    const news = inputs({ expectedSha512: "cd".repeat(64), retention: { keep: 1, action: "delete" } });
    const plan = planUpdate(olds, news, sourceKey(news));
    assert.equal(plan.newImage, true);
    const line = planLine(olds, news, plan);
    assert.match(line, /^tag "amphora": 11111111… → new upload \(sha512 cdcdcdcd…/);
    assert.match(line, /11111111… kept untagged/);
    assert.match(line, /22222222…, 33333333… deleted by retention/);
  });

  it("a disk format change is a new image, a name change is an in-place update", () => {
    const olds = state(inputs());
    assert.equal(planUpdate(olds, inputs({ diskFormat: "raw" }), sourceKey(inputs({ diskFormat: "raw" }))).newImage, true);
    const renamed = inputs({ name: "amphora-2026" });
    const plan = planUpdate(olds, renamed, sourceKey(renamed));
    assert.equal(plan.newImage, false);
    assert.deepEqual(plan.metadata, ["name"]);
  });

  it("stores converge in place: added and removed stores are listed", () => {
    const news = inputs({ stores: ["cheap", "reliable"] });
    const olds = state(news, { stores: ["cheap", "fast"] });
    const plan = planUpdate(olds, news, sourceKey(news));
    assert.deepEqual(plan.storesToAdd, ["reliable"]);
    assert.deepEqual(plan.storesToRemove, ["fast"]);
    assert.match(planLine(olds, news, plan), /copy 11111111… to reliable; remove 11111111… from fast/);
  });

  it("drift found by refresh is a change even with identical inputs", () => {
    const news = inputs();
    const olds = state(news, { drift: ["tag removed from 11111111…"] });
    const plan = planUpdate(olds, news, sourceKey(news));
    assert.equal(plan.changed, true);
    assert.match(planLine(olds, news, plan), /repair: tag removed/);
  });

  it("properties compare by content, not key order", () => {
    const a = inputs({ properties: { a: "1", b: "2" } });
    const b = inputs({ properties: { b: "2", a: "1" } });
    assert.equal(planUpdate(state(a), b, sourceKey(b)).changed, false);
  });

  it("rollback to a kept image takes it out of the history", () => {
    const { kept, expired } = retentionAfterMove(OLD, PREV, 2, PREV[1]);
    assert.deepEqual(kept, [OLD, PREV[0]]);
    assert.deepEqual(expired, []);
  });
});
