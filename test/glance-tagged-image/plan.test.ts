import { strict as assert } from "node:assert";
import { glanceTaggedImageInputsSchema, type GlanceTaggedImageInputs } from "../../provider/glance-tagged-image/inputs";
import type { GlanceTaggedImageOutputs } from "../../provider/glance-tagged-image/outputs";
import { planUpdate } from "../../provider/glance-tagged-image/plan";
import { planLine, retentionAfterMove } from "../../provider/glance-tagged-image/plan-line";
import { sourceKey } from "../../provider/glance-tagged-image/source-key";
import { parseOutputs } from "../../provider/glance-tagged-image/state";

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
    // What the image has after an apply of `news` (a published image: the defaults where not set).
    attributes: {
      name: news.name ?? news.tag,
      visibility: news.visibility ?? "private",
      protected: news.protected ?? false,
      minDisk: news.minDisk ?? 0,
      minRam: news.minRam ?? 0,
      properties: news.properties ?? {},
    },
    memberStatus: {},
    drift: [],
    octavia: { ampImageTag: "amphora", ampImageOwnerId: "owner", ampImageId: OLD, configSnippet: "" },
    ...extra,
  };
}

describe("GlanceTaggedImage plan", () => {
  it("projectId naming the owner it already has is recorded: a change to the state, nothing for Glance", () => {
    const before = inputs();
    const news = inputs({ projectId: "owner" });
    const plan = planUpdate(state(before), news, sourceKey(news));
    assert.deepEqual([plan.changed, plan.newImage, plan.recorded], [true, false, ["projectId"]]);
    assert.equal(planUpdate(state(news), news, sourceKey(news)).changed, false);
  });

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

  it("acceptMembers: a member not accepted (refresh saw it pending) is a change that accepts it; without it, no change", () => {
    const member = "4a1b2c3d4e5f40718293a4b5c6d7e8f9";
    const sharing = { visibility: "shared", members: [member] };
    const olds = state(inputs(sharing), { memberStatus: { [member]: "pending" } });
    const accepting = inputs({ ...sharing, acceptMembers: true });
    const plan = planUpdate({ ...olds, acceptMembers: true }, accepting, sourceKey(accepting));
    assert.deepEqual(plan.members.accept, [member]);
    assert.equal(plan.changed, true);
    assert.match(planLine(olds, accepting, plan), new RegExp(`members: accepted for ${member}`));
    const leftPending = inputs(sharing);
    assert.equal(planUpdate(olds, leftPending, sourceKey(leftPending)).changed, false, "without acceptMembers the member accepts itself");
    const accepted = planUpdate({ ...olds, acceptMembers: true, memberStatus: { [member]: "accepted" } }, accepting, sourceKey(accepting));
    assert.equal(accepted.changed, false);
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

  it("a state written by 0.1.0 (defaults recorded, no attributes, members or memberStatus) shows no change", () => {
    for (const source of [{}, { file: undefined, expectedSha512: undefined, imageId: OLD }]) {
      const news = inputs(source);
      const { stores: _stores, ...recorded } = news;
      // 0.1.0 applied the defaults in check and recorded them; it knew no attributes, members, memberStatus, adopted.
      const v010 = { ...state(news), ...recorded, visibility: "private", protected: false, properties: {} } as Record<string, unknown>;
      for (const key of ["attributes", "memberStatus", "adopted", "members"]) delete v010[key];
      const olds = parseOutputs(v010);
      assert.ok(olds, "a 0.1.0 state still parses");
      const plan = planUpdate(olds, news, sourceKey(news));
      assert.equal(plan.changed, false, planLine(olds, news, plan));
      // ...and an argument set now is compared with the value 0.1.0 recorded.
      const shared = inputs({ ...source, visibility: "shared" });
      assert.match(planLine(olds, shared, planUpdate(olds, shared, sourceKey(shared))), /update visibility private → shared$/);
    }
  });

  it("adopted image: arguments left out are no change; those set are compared with what the image has", () => {
    const news = inputs({ file: undefined, expectedSha512: undefined, imageId: OLD });
    const image = { name: "by hand", visibility: "shared", protected: false, minDisk: 0, minRam: 0, properties: { x: "a", y: "b" } };
    const olds = state(news, { attributes: image });
    assert.equal(planUpdate(olds, news, sourceKey(news)).changed, false, "visibility shared stays: not asked");
    const asked = inputs({ file: undefined, expectedSha512: undefined, imageId: OLD, visibility: "private", protected: true, properties: { x: "c" } });
    const plan = planUpdate(olds, asked, sourceKey(asked));
    assert.deepEqual(plan.metadata, ["visibility", "properties", "protected"]);
    assert.match(planLine(olds, asked, plan), /^tag "amphora": update visibility shared → private, property x: a → c, protected false → true$/);
  });

  it("adopting another image: the attributes asked for are listed, the image is read only when applied", () => {
    const olds = state(inputs());
    const news = inputs({ file: undefined, expectedSha512: undefined, imageId: PREV[0], visibility: "private" });
    const line = planLine(olds, news, planUpdate(olds, news, sourceKey(news)));
    assert.match(line, /11111111… → adopt image 22222222…; .*; set where it differs: visibility private$/);
    const unset = inputs({ file: undefined, expectedSha512: undefined, imageId: PREV[0] });
    assert.doesNotMatch(planLine(olds, unset, planUpdate(olds, unset, sourceKey(unset))), /visibility/);
  });

  it("members: added and removed in place, all of them on a new image before the tag moves", () => {
    const sharedWith = (members: string[], extra: Record<string, unknown> = {}) => inputs({ visibility: "shared", members, ...extra });
    const olds = state(sharedWith(["octavia", "old"]), { memberStatus: { octavia: "accepted", old: "pending", byhand: "accepted" } });
    const news = sharedWith(["octavia", "new"]);
    const plan = planUpdate(olds, news, sourceKey(news));
    assert.deepEqual(plan.members, { add: ["new"], remove: ["old", "byhand"], accept: [] }, "an image it created: the list is the whole list");
    assert.match(planLine(olds, news, plan), /members: \+new -old -byhand$/);
    const adopted = state(sharedWith(["octavia"], { file: undefined, expectedSha512: undefined, imageId: OLD }), {
      memberStatus: { octavia: "accepted", byhand: "accepted" },
      adopted: { imageId: OLD, original: {}, originalProperties: {}, addedProperties: [], addedMembers: ["octavia"] },
    });
    const dropped = sharedWith([], { file: undefined, expectedSha512: undefined, imageId: OLD });
    assert.deepEqual(planUpdate(adopted, dropped, sourceKey(dropped)).members, { add: [], remove: ["octavia"], accept: [] }, "an adopted image: only what it added");
    const republished = sharedWith(["octavia"], { expectedSha512: "cd".repeat(64) });
    const line = planLine(olds, republished, planUpdate(olds, republished, sourceKey(republished)));
    assert.match(line, /members: \+octavia \(on the new image, before the tag moves\)/);
    assert.equal(planUpdate(olds, sharedWith(["octavia", "old"]), sourceKey(news)).changed, true, "byhand is removed: the list is declarative");
  });

  it("rollback to a kept image takes it out of the history", () => {
    const { kept, expired } = retentionAfterMove(OLD, PREV, 2, PREV[1]);
    assert.deepEqual(kept, [OLD, PREV[0]]);
    assert.deepEqual(expired, []);
  });
});
