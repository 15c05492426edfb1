/**
 * claimOrphans (claims.ts) and an upload still under way. Glance ends an upload request by writing the image's
 * record as it read it when the request began (a failed stage restores `queued` with its stale properties): a
 * claim made while a killed create's upload was still being read is undone. Seen once in CI's crash suite
 * (provider-crash.test.ts, "upload under way": the rerun's image and the killed one's, left `queued`, both there).
 * Here a fake Glance shows the pending image `uploading` for a while: the claim must wait until it has settled, and
 * an upload that never ends (another create of this name, alive) is not taken over.
 */
import { strict as assert } from "node:assert";
import { GlanceClient } from "../../provider/glance/client";
import { useFlowSettings, flowContext } from "../../provider/glance-tagged-image/context";
import { claimOrphans } from "../../provider/glance-tagged-image/claims";
import { markerValue } from "../../provider/glance-tagged-image/markers";
import { fakeServiceClient, sendJson, startServer, type TestServer } from "../glance/support/fake-service";

const KEY = "proj/dev/amphora";
const ID = "11111111-2222-3333-4444-555555555555";

describe("GlanceTaggedImage claims: an interrupted create's image is taken over once its upload has ended (no cloud)", () => {
  let glance: TestServer;
  let uploadingReads = 0;
  const events: string[] = [];
  const printed: string[] = [];

  const image = (status: string) => ({
    id: ID,
    status,
    owner: "project-1",
    name: "amphora",
    visibility: "private",
    protected: false,
    disk_format: "qcow2",
    container_format: "bare",
    created_at: "2026-12-05T08:00:00Z",
    updated_at: "2026-12-05T08:00:00Z",
    tags: [],
    pulumi_amphora_resource: markerValue(KEY),
    pulumi_amphora_instance: "old-instance",
    pulumi_amphora_pending: "true",
  });

  before(async () => {
    glance = await startServer((req, res) => {
      if (req.method === "GET" && req.url.startsWith("/v2/images?")) {
        const pending = req.url.includes("pulumi_amphora_pending=true");
        sendJson(res, 200, { images: pending ? [image(uploadingReads > 0 ? "uploading" : "queued")] : [] });
      } else if (req.method === "GET" && req.url === `/v2/images/${ID}`) {
        events.push("read");
        const status = uploadingReads > 1 ? "uploading" : "queued";
        if (uploadingReads > 0) uploadingReads--;
        sendJson(res, 200, image(status));
      } else if (req.method === "PATCH" && req.url === `/v2/images/${ID}`) {
        events.push("claim");
        sendJson(res, 200, image("queued"));
      } else sendJson(res, 404, { message: "not here" });
    });
  });
  beforeEach(() => {
    events.length = 0;
    printed.length = 0;
    useFlowSettings({ print: (l) => printed.push(l), pollMs: 1000, delay: () => Promise.resolve() });
  });
  afterEach(() => useFlowSettings());
  after(() => glance.close());

  const claim = () =>
    claimOrphans(flowContext(new GlanceClient(fakeServiceClient(glance.origin), { baseUrl: `${glance.origin}/v2` }), { resourceKey: KEY, instanceId: "new-instance" }));

  it("an image still uploading is claimed only after Glance shows the upload ended", async () => {
    uploadingReads = 3; // the list and two reads show it uploading, the third read queued
    assert.deepEqual(await claim(), [ID]);
    assert.deepEqual(events, ["read", "read", "read", "claim"]);
  });

  it("an image already settled is claimed at once", async () => {
    uploadingReads = 0;
    assert.deepEqual(await claim(), [ID]);
    assert.deepEqual(events, ["claim"]);
  });

  it("an upload that does not end within a minute is left to whoever is uploading it, and said so", async () => {
    uploadingReads = 1_000;
    assert.deepEqual(await claim(), []);
    assert.ok(!events.includes("claim"));
    assert.equal(events.length, 60);
    assert.match(printed.join("\n"), /not taking over 11111111…: its upload is still under way after 60 s/);
  });
});
