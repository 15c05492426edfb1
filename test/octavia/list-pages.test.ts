import { strict as assert } from "node:assert";
import { readFleet } from "../../provider/amphora-fleet-rotation/fleet";
import { amphoraFleetRotationInputsSchema } from "../../provider/amphora-fleet-rotation/inputs";
import type { GlanceClient } from "../../provider/glance/client";
import { listLoadBalancers } from "../../provider/octavia/client";
import type { ServiceClient } from "../../provider/openstack/service-client";

/**
 * Octavia's list paging as Octavia 11 (Zed) writes it (api/common/pagination.py): the `next` link carries only
 * limit, sort and marker, whatever filters the request had. A stand-in serving three projects' load balancers that
 * way, and the requests the client sends to it.
 */
function octaviaStandIn(): { client: ServiceClient; urls: string[] } {
  const rows = ["p1", "p2", "p1", "p2", "p1", "p2", "p1"].map((project, i) => ({
    id: `lb-${i}`,
    name: `lb-${i}`,
    project_id: project,
    provisioning_status: "ACTIVE",
    operating_status: "ONLINE",
    flavor_id: null,
  }));
  const urls: string[] = [];
  const endpoint = "http://octavia.test";
  const get = (url: string) => ({
    json: async () => {
      urls.push(url);
      const q = new URL(url).searchParams;
      const limit = Number(q.get("limit"));
      const filtered = rows.filter((r) => !q.has("project_id") || r.project_id === q.get("project_id"));
      const start = q.has("marker") ? filtered.findIndex((r) => r.id === q.get("marker")) + 1 : 0;
      const page = filtered.slice(start, start + limit);
      const last = page[page.length - 1];
      const links = page.length === limit && last ? [{ rel: "next", href: `${endpoint}/v2/lbaas/loadbalancers?limit=${limit}&marker=${last.id}` }] : [];
      return { loadbalancers: page, loadbalancers_links: links };
    },
  });
  return { client: { endpoint, projectId: "p1", roles: ["admin"], http: { get } } as unknown as ServiceClient, urls };
}

describe("Octavia lists: every page keeps the request's filters", () => {
  it("a list filtered by project_id stays in that project past the first page (Octavia's next link drops the filter)", async () => {
    const { client, urls } = octaviaStandIn();
    const lbs = await listLoadBalancers(client, { project_id: "p1" }, 2);
    assert.deepEqual(lbs.map((lb) => lb.id), ["lb-0", "lb-2", "lb-4", "lb-6"]);
    assert.ok(urls.length >= 2, urls.join("\n"));
    for (const url of urls) assert.equal(new URL(url).searchParams.get("project_id"), "p1", url);
    assert.equal(new URL(urls[1] as string).searchParams.get("marker"), "lb-2");
  });

  it("the fleet of a project never holds another project's load balancer, whatever the list returned", async () => {
    const { client } = octaviaStandIn();
    const foreign = { ...client, http: { get: () => ({ json: async () => ({ loadbalancers: [{ id: "x", name: "x", project_id: "p2", provisioning_status: "ACTIVE", operating_status: "ONLINE", flavor_id: null }], loadbalancers_links: [] }) }) } } as unknown as ServiceClient;
    const inputs = amphoraFleetRotationInputsSchema().parse({ imageTag: "amphora", projectId: "p1" });
    const fleet = await readFleet(foreign, {} as GlanceClient, inputs);
    assert.deepEqual(fleet.members.map((m) => m.id), []);
  });
});
