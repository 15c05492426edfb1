import { strict as assert } from "node:assert";
import { readAmphoraUse, type AmphoraUse } from "../../provider/glance-tagged-image/amphora-use";
import { actionParts, type KnownInputs } from "../../provider/glance-tagged-image/action-line";
import { decide, decideRetention, type GlanceView } from "../../provider/glance-tagged-image/decide";
import { glanceTaggedImageInputsSchema } from "../../provider/glance-tagged-image/inputs";
import { INSTANCE_MARKER, markerValue, RESOURCE_MARKER, SOURCE_MARKER } from "../../provider/glance-tagged-image/markers";
import type { GlanceTaggedImageOutputs } from "../../provider/glance-tagged-image/outputs";
import { appliedLine } from "../../provider/glance-tagged-image/summary";
import type { Image } from "../../provider/glance/images";
import { EndpointNotFoundError, HttpError } from "../../provider/openstack/errors";
import type { ServiceClient } from "../../provider/openstack/service-client";

const who = { resourceKey: "p/s/amp", instanceId: "00000000-0000-4000-8000-000000000001" };
const id = (n: number): string => `${n}${n}${n}${n}${n}${n}${n}${n}-0000-4000-8000-000000000000`;
const short = (n: number): string => `${id(n).slice(0, 8)}…`;

/** This instance's images, newest first: 1 is the current one, 2..4 its history. */
function ownImage(n: number, extra: Partial<Image> = {}): Image {
  return {
    id: id(n),
    name: `amp-${n}`,
    status: "active",
    visibility: "private",
    protected: false,
    owner: "owner",
    tags: n === 1 ? ["amphora"] : [],
    created_at: `2026-12-0${5 - n}T00:00:00Z`,
    updated_at: `2026-12-0${5 - n}T00:00:00Z`,
    [RESOURCE_MARKER]: markerValue(who.resourceKey),
    [INSTANCE_MARKER]: who.instanceId,
    [SOURCE_MARKER]: markerValue(`file:${n}`),
    ...extra,
  } as Image;
}

const history = [ownImage(1), ownImage(2), ownImage(3), ownImage(4)];
const deleteAll = { keep: 0, action: "delete" as const };
const verdicts = (use?: AmphoraUse) =>
  decideRetention(history, id(1), deleteAll, use).expired.map((e) => [e.image.id, e.verdict, e.amphorae ?? null]);

describe("GlanceTaggedImage retention asks Octavia before it removes an image", () => {
  it("an image amphorae boot from is kept, with their count; the others get the action", () => {
    assert.deepEqual(verdicts({ inUse: new Map([[id(3), 2]]) }), [
      [id(2), "delete", null],
      [id(3), "in-use", 2],
      [id(4), "delete", null],
    ]);
  });

  it("the session may not read the amphora API: the action goes ahead and the decision says it was not checked", () => {
    const decision = decideRetention(history, id(1), deleteAll, { unknown: "this session may not read Octavia's amphora API (403 …)" });
    assert.deepEqual(decision.expired.map((e) => e.verdict), ["delete", "delete", "delete"]);
    assert.equal(decision.amphoraUseNote, "amphora use not checked: this session may not read Octavia's amphora API (403 …)");
  });

  it("Octavia did not answer: nothing is removed this run, and the decision says why", () => {
    const decision = decideRetention(history, id(1), { keep: 1, action: "deactivate" }, { failed: "Octavia's amphora list: 503 Service Unavailable" });
    assert.deepEqual(decision.expired.map((e) => e.verdict), ["use-unknown", "use-unknown"]);
    assert.equal(decision.amphoraUseNote, "kept until Octavia answers: Octavia's amphora list: 503 Service Unavailable");
  });

  it("tags and protection still come first; action keep never needs Octavia", () => {
    const images = [ownImage(1), ownImage(2, { tags: ["canary"] }), ownImage(3, { protected: true })];
    const use = { inUse: new Map([[id(2), 1], [id(3), 1]]) };
    assert.deepEqual(decideRetention(images, id(1), deleteAll, use).expired.map((e) => e.verdict), ["tagged", "protected"]);
    const kept = decideRetention(history, id(1), { keep: 0, action: "keep" }, { failed: "down" });
    assert.deepEqual(kept.expired.map((e) => e.verdict), ["keep", "keep", "keep"]);
    assert.equal(kept.amphoraUseNote, undefined);
  });

  it("the plan line names the kept image and its amphorae, as the update does", () => {
    const news = glanceTaggedImageInputsSchema().parse({ resourceKey: who.resourceKey, instanceId: who.instanceId, tag: "amphora", imageId: id(1), retention: deleteAll });
    const olds = { ...news, imageId: id(1), ownerId: "owner", instanceId: who.instanceId, sourceKey: `image:${id(1)}`, previousImageIds: [] } as unknown as GlanceTaggedImageOutputs;
    const view: GlanceView = { owner: "owner", stateImage: history[0], holders: [history[0]!], oldHolders: [], ownImages: history, amphoraUse: { inUse: new Map([[id(3), 2]]) } };
    const line = actionParts(olds, news as KnownInputs, { view, action: decide(who, olds, news, olds.sourceKey, view) }, { retentionChanged: true }).join("; ");
    assert.match(line, new RegExp(`${short(2)}, ${short(4)} deleted by retention`));
    assert.match(line, new RegExp(`${short(3)} \\(2 amphorae\\) kept: amphorae boot from it`));
    const noMove = { untagged: [], foreign: [], oldTagRemoved: [], siblings: [] };
    const applied = appliedLine("amphora", id(1), noMove, { kept: [], expired: [{ id: id(3), outcome: "in-use", detail: "2 amphorae" }], leftovers: [] });
    assert.match(applied, new RegExp(`${short(3)} \\(2 amphorae\\) kept: amphorae boot from it`));
  });
});

describe("readAmphoraUse: what Octavia says, never an empty answer from silence", () => {
  const octavia = (get: () => Promise<unknown>): ServiceClient =>
    ({ endpoint: "http://octavia", projectId: "p", roles: ["admin"], http: { get: () => ({ json: get }) } }) as unknown as ServiceClient;
  const httpError = (status: number, serviceMessage: string) =>
    new HttpError({ status, method: "GET", url: "http://octavia/v2/octavia/amphorae", serviceMessage });

  it("no load-balancer endpoint in the region's catalog: no Octavia boots from this Glance", async () => {
    const use = await readAmphoraUse(() => Promise.reject(new EndpointNotFoundError("no endpoint of type load-balancer")));
    assert.deepEqual(use, { inUse: new Map() });
  });

  it("403 from the admin-only amphora API: unknown, with Octavia's words", async () => {
    const use = await readAmphoraUse(async () => octavia(() => Promise.reject(httpError(403, "Policy does not allow this request to be performed."))));
    assert.ok("unknown" in use, JSON.stringify(use));
    assert.match(use.unknown, /403 Policy does not allow/);
  });

  it("Octavia fails (5xx, connection): failed, so retention keeps the images", async () => {
    const use = await readAmphoraUse(async () => octavia(() => Promise.reject(httpError(503, "Service Unavailable"))));
    assert.deepEqual(use, { failed: "Octavia's amphora list: 503 Service Unavailable" });
    const refused = await readAmphoraUse(() => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5000")));
    assert.deepEqual(refused, { failed: "connecting to Octavia: connect ECONNREFUSED 127.0.0.1:5000" });
  });
});
