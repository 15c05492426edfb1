import * as assert from "node:assert";
import { readFleet } from "../../provider/amphora-fleet-rotation/fleet";
import { amphoraFleetRotationInputsSchema } from "../../provider/amphora-fleet-rotation/inputs";
import { planLine, planRotation } from "../../provider/amphora-fleet-rotation/plan";
import { sleep } from "../../provider/common/sleep";
import { GlanceClient } from "../../provider/glance/client";
import { fakeServiceClient, sendJson, startServer, type TestServer } from "../glance/support/fake-service";

/**
 * What reading a large fleet costs (issue 16: a preview of 1,000 load balancers must be a handful of paged list
 * calls, not one per load balancer), against a fake Octavia + Glance that pages as Octavia does (`limit`/`marker`,
 * a `next` link when a page is full). Many fake rows: 1,000 load balancers over three flavors, 2,000 amphorae.
 */

const LBS = 1000;
const lbId = (i: number): string => `00000000-0000-4000-8000-${i.toString().padStart(12, "0")}`;
const FLAVORS = ["flavor-default", "flavor-canary", "flavor-big"];
const TAGS: Record<string, string | undefined> = { "flavor-default": undefined, "flavor-canary": "amphora-canary", "flavor-big": "amphora-big" };

function page(res: Parameters<typeof sendJson>[0], url: URL, key: string, rows: Array<{ id: string }>): void {
  const limit = Number(url.searchParams.get("limit") ?? 1000);
  const marker = url.searchParams.get("marker");
  const start = marker ? rows.findIndex((r) => r.id === marker) + 1 : 0;
  const items = rows.slice(start, start + limit);
  const next = items.length === limit ? [{ rel: "next", href: `${url.pathname}?limit=${limit}&marker=${items[items.length - 1]?.id}` }] : [];
  sendJson(res, 200, { [key]: items, [`${key}_links`]: next });
}

describe("AmphoraFleetRotation: the cost of reading a fleet of 1,000 load balancers", () => {
  let server: TestServer;
  /** What the fake saw, in order: amphora pages held until a flavor is asked for (2 s at most). */
  const events: string[] = [];
  let flavorAsked: () => void = () => undefined;
  const flavorSeen = new Promise<void>((resolve) => (flavorAsked = resolve));
  before(async () => {
    const lbs = Array.from({ length: LBS }, (_, i) => ({
      id: lbId(i),
      name: `lb-${i}`,
      project_id: "p",
      provisioning_status: "ACTIVE",
      operating_status: "ONLINE",
      flavor_id: FLAVORS[i % 3],
    }));
    const amphorae = lbs.flatMap((lb, i) =>
      ["MASTER", "BACKUP"].map((role) => ({ id: `${role}-${lb.id}`, loadbalancer_id: lb.id, status: "ALLOCATED", role, image_id: i % 2 ? "new" : "old" })),
    );
    server = await startServer(async (req, res) => {
      const url = new URL(req.url, "http://x");
      const p = url.pathname;
      if (p === "/v2/lbaas/loadbalancers") return page(res, url, "loadbalancers", lbs);
      if (p === "/v2/octavia/amphorae") {
        events.push("amphorae asked");
        await Promise.race([flavorSeen, sleep(2000)]);
        events.push("amphorae answered");
        return page(res, url, "amphorae", amphorae);
      }
      let m = /^\/v2\/lbaas\/flavors\/([\w-]+)$/.exec(p);
      if (m) events.push("flavor asked");
      if (m) flavorAsked();
      if (m) return sendJson(res, 200, { flavor: { id: m[1], flavor_profile_id: `profile-${m[1]}` } });
      m = /^\/v2\/lbaas\/flavorprofiles\/profile-([\w-]+)$/.exec(p);
      if (m) return sendJson(res, 200, { flavorprofile: { flavor_data: JSON.stringify(TAGS[m[1] as string] ? { amp_image_tag: TAGS[m[1] as string] } : {}) } });
      if (p === "/glance/v2/images") {
        return sendJson(res, 200, { images: [{ id: "new", name: "n", status: "active", tags: [url.searchParams.get("tag")], visibility: "public", protected: false, created_at: "2026-12-04T00:00:00Z", updated_at: "2026-12-04T00:00:00Z" }] });
      }
      return sendJson(res, 404, { faultstring: `no ${p}` });
    });
  });
  after(() => server.close());

  it("costs a handful of paged list calls, none per load balancer, the independent ones at the same time", async () => {
    const octavia = fakeServiceClient(server.origin);
    const glance = new GlanceClient(fakeServiceClient(`${server.origin}/glance`), { baseUrl: `${server.origin}/glance/v2` });
    const inputs = amphoraFleetRotationInputsSchema().parse({ imageTag: "amphora" });
    const fleet = await readFleet(octavia, glance, inputs);
    const plan = planRotation(fleet, inputs);
    assert.strictEqual(fleet.members.length, LBS);
    const line = planLine(fleet, plan);
    assert.match(line, /^500 load balancers to fail over onto /);
    // Readable in a pull request: the first batches and the last are named, the middle ones counted.
    assert.ok(line.length < 1000, `${line.length} characters`);
    const [first, second] = plan.batches as [string[], string[]];
    const lastBatch = plan.batches[plan.batches.length - 1] as string[];
    const middle = 500 - plan.canary.length - first.length - second.length - lastBatch.length;
    assert.match(line, new RegExp(`; batch 1: [^;]+; batch 2: [^;]+; batches 3–${plan.batches.length - 1}: ${middle} load balancers in order of the list; batch ${plan.batches.length}: [^;]+; `));
    const paths = server.requests.map((r) => new URL(r.url, "http://x").pathname);
    const count = (path: string): number => paths.filter((x) => x === path).length;
    assert.deepStrictEqual(
      {
        loadBalancerPages: count("/v2/lbaas/loadbalancers"),
        amphoraPages: count("/v2/octavia/amphorae"),
        flavorAndProfileReads: paths.filter((x) => x.startsWith("/v2/lbaas/flavor")).length,
        imageLists: count("/glance/v2/images"),
        total: paths.length,
      },
      // 1,000 rows fill a page: Octavia's next link costs one more (empty) page of each list.
      { loadBalancerPages: 2, amphoraPages: 3, flavorAndProfileReads: 6, imageLists: 3, total: 14 },
    );
    assert.ok(!paths.some((x) => x.includes(lbId(7))), "no request names a load balancer");
    // The amphorae and the flavors (then the tags' images) are read at the same time: a fleet read waits for the longer.
    assert.ok(events.indexOf("flavor asked") < events.indexOf("amphorae answered"), events.slice(0, 4).join(", "));
  });
});
