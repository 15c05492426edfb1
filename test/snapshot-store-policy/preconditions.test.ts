import * as assert from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type * as pulumi from "@pulumi/pulumi";
import { useGlanceClient } from "../../provider/common/provider-context";
import { GlanceClient } from "../../provider/glance";
import { createHttp } from "../../provider/openstack/http";
import { OwnerNotAllowedError, SingleStoreError, UnknownStoreError } from "../../provider/snapshot-store-policy/errors";
import { requireTargetStore, resolveOwner } from "../../provider/snapshot-store-policy/preconditions";
import { provider } from "../../provider/snapshot-store-policy/provider";
import { withStdout } from "./helpers";

/** A Glance whose `/v2/info/stores` answers `status` with `body`; everything else 404. */
async function fakeGlance(status: number, body: unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const hit = req.url === "/v2/info/stores";
    res.writeHead(hit ? status : 404, { "content-type": "application/json" }).end(JSON.stringify(hit ? body : { message: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function clientFor(endpoint: string, roles = ["member"]): GlanceClient {
  const http = createHttp({ tls: { rejectUnauthorized: true }, retry: { limit: 0 } });
  return new GlanceClient({ endpoint, http, projectId: "p-own", roles }, { baseUrl: `${endpoint}/v2` });
}

const p = provider as Required<pulumi.dynamic.ResourceProvider>;

describe("SnapshotStorePolicy preconditions", () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));
  afterEach(() => useGlanceClient(undefined));

  it("a single-store Glance (no /v2/info/stores) is a clear error", async () => {
    const g = await fakeGlance(404, { message: "Not Found" });
    servers.push(g.server);
    await assert.rejects(requireTargetStore(clientFor(g.url), "fast"), (err: Error) => {
      assert.ok(err instanceof SingleStoreError);
      assert.match(err.message, /this Glance has a single store \(GET \/v2\/info\/stores answered 404, enabled_backends is not set\)/);
      return true;
    });
  });

  it("unknown and read-only stores are rejected with the list of stores", async () => {
    const g = await fakeGlance(200, { stores: [{ id: "ceph", default: "true" }, { id: "web", read_only: "true" }] });
    servers.push(g.server);
    const c = clientFor(g.url);
    await assert.rejects(requireTargetStore(c, "fast"), (err: Error) =>
      err instanceof UnknownStoreError && err.message === 'store "fast" is not a store of this Glance; the stores that exist are: ceph (default), web (read-only)');
    await assert.rejects(requireTargetStore(c, "web"), /store "web" is read-only and cannot receive copies/);
    await requireTargetStore(c, "ceph");
  });

  it("owner: the session's project by default; another project or 'all' needs the admin role", () => {
    const member = clientFor("http://127.0.0.1:9");
    assert.strictEqual(resolveOwner(member, undefined), "p-own");
    assert.strictEqual(resolveOwner(member, "p-own"), "p-own");
    assert.throws(() => resolveOwner(member, "all"), OwnerNotAllowedError);
    assert.throws(() => resolveOwner(member, "p-other"), /owner "p-other" is another project/);
    const admin = clientFor("http://127.0.0.1:9", ["admin", "member"]);
    assert.strictEqual(resolveOwner(admin, "all"), "all");
    assert.strictEqual(resolveOwner(admin, "p-other"), "p-other");
  });

  it("check reports an unknown store from Glance, and passes (with a note) when Glance is unreachable", async () => {
    const g = await fakeGlance(200, { stores: [{ id: "ceph", default: "true" }] });
    servers.push(g.server);
    useGlanceClient(clientFor(g.url));
    const bad = await withStdout(() => p.check({}, { store: "fast" }));
    assert.deepStrictEqual(bad.value.failures, [{ property: "store", reason: 'store "fast" is not a store of this Glance; the stores that exist are: ceph (default)' }]);

    const closed = await fakeGlance(200, {});
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    useGlanceClient(clientFor(closed.url));
    const unreachable = await withStdout(() => p.check({}, { store: "fast" }));
    assert.deepStrictEqual(unreachable.value.failures, []);
    assert.match(unreachable.lines[0] ?? "", /^SnapshotStorePolicy fast: not checked against Glance now \(.*\); checked again before any change$/);
  });
});
