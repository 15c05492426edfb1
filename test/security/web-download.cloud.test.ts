/**
 * web-download: only http/https URLs are accepted (rejected in `check`, naming `url`, nothing created), and a
 * URL Glance's `[import_filtering_opts]` refuses fails with an error that explains the filtering, leaving no
 * image behind. The local Glance allows 127.0.0.1/localhost on any port (a test-only setting), so a server on
 * 127.0.0.2, or [::1], is filtered; the same bytes from 127.0.0.1 are the positive control. Through the real
 * provider host, as local-demo.
 */
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getImage, type GlanceClient } from "../../provider/glance";
import { listMarkedImages } from "../../provider/glance-tagged-image/markers";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { cleanupImages, Files, startFileServer, uniqueTag, type TestImage } from "../glance-tagged-image/support";
import { CheckFailedError, ProviderCallError, useProviderHost } from "../harness";
import { glanceFor, runId } from "../snapshot-store-policy/cloud-support";
import { cloudsFile } from "../support/cloud";
import { assertBuilt, hostEnv, REPO_ROOT, TYPES } from "./support";

const provider = packageProvider("glance-tagged-image/provider");

describe("security: web-download takes http(s) only; Glance's URL filtering is explained @cloud", function () {
  this.timeout(60_000);
  const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: { "openstack:cloud": "local-demo" }, env: hostEnv({ OS_CLIENT_CONFIG_FILE: cloudsFile() }) }));
  const files = new Files();
  const keys: string[] = [];
  let demo: GlanceClient;
  let image: TestImage;
  let filtered: Server;
  let filteredHits = 0;
  let filteredPort = 0;

  before(async () => {
    assertBuilt();
    demo = await glanceFor("local-demo");
    image = await files.image(16 * 1024);
    // A server Glance could reach but must not be allowed to: 127.0.0.2 (loopback, not in allowed_hosts).
    filtered = createServer((_req, res) => {
      filteredHits++;
      res.writeHead(200, { "content-length": String(image.data.length) }).end(image.data);
    });
    await new Promise<void>((resolve) => filtered.listen(0, "127.0.0.2", resolve));
    filteredPort = (filtered.address() as AddressInfo).port;
  });
  after(async function () {
    this.timeout(30_000);
    await new Promise<void>((resolve) => (filtered ? filtered.close(() => resolve()) : resolve()));
    await cleanupImages(keys);
    await files.remove();
  });

  const key = (label: string): string => {
    const k = `amphora-sec/${runId}/wd-${label}`;
    keys.push(k);
    return k;
  };
  const leftBehind = async (resourceKey: string) => listMarkedImages(demo, demo.projectId, resourceKey);

  const NOT_HTTP = [
    "file:///etc/passwd",
    "ftp://127.0.0.1/amphora.qcow2",
    "gopher://127.0.0.1:70/_x",
    "data:application/octet-stream;base64,AAAA",
    "javascript:alert(1)",
    "ssh://127.0.0.1/x",
    "//127.0.0.1/amphora.qcow2",
    "127.0.0.1/amphora.qcow2",
    "/srv/amphora.qcow2",
    "http//127.0.0.1/x",
  ];

  it(`check rejects ${NOT_HTTP.length} non-http(s) URLs naming url; nothing is created`, async () => {
    const r = await ctx.host.resource(provider, TYPES.image, "bad-url");
    for (const url of NOT_HTTP) {
      const resourceKey = key("scheme");
      const { failures } = await r.check({ resourceKey, tag: uniqueTag("wd-bad"), url, diskFormat: "raw" });
      assert.deepEqual(failures.map((f) => f.property), ["url"], url);
      assert.match(failures[0]?.reason ?? "", /must be an http:\/\/ or https:\/\/ URL/, url);
    }
    const resourceKey = key("scheme-up");
    const lc = await ctx.host.lifecycle(provider, TYPES.image, "bad-url");
    await assert.rejects(lc.up({ resourceKey, tag: uniqueTag("wd-bad"), url: "file:///etc/passwd", diskFormat: "raw" }), CheckFailedError);
    assert.equal(lc.state, undefined);
    assert.deepEqual(await leftBehind(resourceKey), []);
  });

  for (const host of ["127.0.0.2", "[::1]"]) {
    it(`a URL Glance filters (${host}): the error explains [import_filtering_opts]; no image left, nothing fetched`, async () => {
      const resourceKey = key(`filtered-${host}`);
      const url = `http://${host}:${host === "127.0.0.2" ? filteredPort : 9}/amphora.raw`;
      const lc = await ctx.host.lifecycle(provider, TYPES.image, "filtered");
      const err = await lc.up({ resourceKey, tag: uniqueTag("wd-f"), url, diskFormat: "raw" }).then(
        () => assert.fail("Glance must refuse the URL"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProviderCallError, String(err));
      assert.match(err.details, new RegExp(`web-download of ${url.replace(/[.[\]]/g, "\\$&")} as image [0-9a-f-]{36}`));
      assert.match(err.details, /400 URI for web-download does not pass filtering/);
      assert.match(err.details, /400 URI for web-download does not pass filtering: .* \(Glance's \[import_filtering_opts\] in glance-api\.conf rejected the URL: allowed_schemes\/disallowed_schemes, allowed_hosts\/disallowed_hosts and allowed_ports\/disallowed_ports decide/);
      assert.match(err.details, /by default only http and https on ports 80 and 443 \(or no explicit port\) pass\. Serve the image from a host and port the operator allows/);
      assert.match(err.details, /the image was deleted/);
      assert.equal(lc.state, undefined);
      const id = /as image ([0-9a-f-]{36})/.exec(err.details)?.[1] ?? "";
      await assert.rejects(getImage(demo, id), /404/);
      assert.deepEqual(await leftBehind(resourceKey), []);
      assert.equal(filteredHits, 0, "Glance never fetched from the filtered host");
    });
  }

  it("positive control: the same bytes from 127.0.0.1 (allowed) publish, then destroy", async () => {
    const server = await startFileServer({ "/amphora.raw": image.data });
    try {
      const resourceKey = key("allowed");
      const lc = await ctx.host.lifecycle(provider, TYPES.image, "allowed");
      const created = await lc.up({ resourceKey, tag: uniqueTag("wd-ok"), url: server.url("/amphora.raw"), diskFormat: "raw", expectedSha512: image.sha512, keepLastTaggedImage: false });
      assert.equal(created.outputs.osHashValue, image.sha512);
      assert.deepEqual(server.hits, ["/amphora.raw"]);
      await lc.destroy();
      assert.deepEqual(await leftBehind(resourceKey), []);
    } finally {
      await server.close();
    }
  });
});
