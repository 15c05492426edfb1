/**
 * claimOrphans (claims.ts) and an interrupted create's image whose data never arrived. Glance ends an upload
 * request by writing the image's record as it read it when the request began (a failed stage restores `queued`
 * with its stale properties): a claim made while a killed create's upload was still being read was undone, once in
 * CI's crash suite (provider-crash.test.ts, "upload under way": the rerun's image and the killed one's, left
 * `queued`, both there). An upload that died with Glance stays `uploading` for good (glance-kill.test.ts), so
 * waiting for it to end cannot be the answer either. Such images are deleted by id; finished ones are claimed.
 * A fake Glance, to show the statuses on demand.
 */
import { strict as assert } from "node:assert";
import { GlanceClient } from "../../provider/glance/client";
import { useFlowSettings, flowContext } from "../../provider/glance-tagged-image/context";
import { claimOrphans } from "../../provider/glance-tagged-image/claims";
import { markerValue } from "../../provider/glance-tagged-image/markers";
import { fakeServiceClient, sendJson, startServer, type TestServer } from "../glance/support/fake-service";

const KEY = "proj/dev/amphora";
const ID = "11111111-2222-3333-4444-555555555555";

describe("GlanceTaggedImage claims: an interrupted create's image without data is deleted, a finished one claimed (no cloud)", () => {
  let glance: TestServer;
  let status = "uploading";
  let importTask: string | undefined;
  const events: string[] = [];
  const printed: string[] = [];

  const image = () => ({
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
    ...(importTask ? { os_glance_import_task: importTask } : {}),
  });

  before(async () => {
    glance = await startServer((req, res) => {
      if (req.method === "GET" && req.url.startsWith("/v2/images?")) {
        sendJson(res, 200, { images: req.url.includes("pulumi_amphora_pending=true") ? [image()] : [] });
      } else if (req.url === `/v2/images/${ID}`) {
        events.push(req.method ?? "?");
        if (req.method === "DELETE") {
          res.statusCode = 204;
          res.end();
        } else sendJson(res, 200, image());
      } else sendJson(res, 404, { message: "not here" });
    });
  });
  beforeEach(() => {
    events.length = 0;
    printed.length = 0;
    importTask = undefined;
    useFlowSettings({ print: (l) => printed.push(l), pollMs: 1000, delay: () => Promise.resolve() });
  });
  afterEach(() => useFlowSettings());
  after(() => glance.close());

  const claim = () =>
    claimOrphans(flowContext(new GlanceClient(fakeServiceClient(glance.origin), { baseUrl: `${glance.origin}/v2` }), { resourceKey: KEY, instanceId: "new-instance" }));

  for (const s of ["queued", "uploading", "saving"]) {
    it(`an image left ${s} is deleted by id, never claimed (a claim could be undone by Glance's restore)`, async () => {
      status = s;
      assert.deepEqual(await claim(), []);
      assert.deepEqual(events, ["DELETE"]);
      assert.match(printed.join("\n"), new RegExp(`deleted image ${ID} \\(left ${s} by an interrupted publish\\)`));
    });
  }

  it("an image being imported is claimed (the import may finish; publish waits for it or deletes it)", async () => {
    status = "importing";
    importTask = "task-1";
    assert.deepEqual(await claim(), [ID]);
    assert.deepEqual(events, ["PATCH"]);
  });

  it("a finished image is claimed, not deleted", async () => {
    status = "active";
    assert.deepEqual(await claim(), [ID]);
    assert.deepEqual(events, ["PATCH"]);
    assert.match(printed.join("\n"), /taking over 11111111…/);
  });
});
