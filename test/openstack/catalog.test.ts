import assert from "node:assert/strict";
import { findEndpoint, type Catalog } from "../../provider/openstack/catalog";
import { EndpointNotFoundError } from "../../provider/openstack/errors";

const catalog: Catalog = [
  {
    type: "identity",
    name: "keystone",
    endpoints: [{ interface: "public", region: "RegionOne", region_id: "RegionOne", url: "http://k:5000/v3" }],
  },
  {
    type: "image",
    name: "glance",
    endpoints: [
      { interface: "public", region: "RegionOne", region_id: "RegionOne", url: "https://glance.one/" },
      { interface: "internal", region: "RegionOne", region_id: "RegionOne", url: "http://glance.one.internal:9292" },
      { interface: "public", region: "RegionTwo", region_id: "RegionTwo", url: "https://glance.two" },
    ],
  },
];

function notFound(fn: () => unknown): EndpointNotFoundError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EndpointNotFoundError, String(err));
    assert.equal(err.code, "ERR_ENDPOINT_NOT_FOUND");
    return err;
  }
  assert.fail("expected EndpointNotFoundError");
}

describe("openstack/catalog: findEndpoint", () => {
  it("selects by type, region and interface, without trailing slash", () => {
    assert.equal(findEndpoint(catalog, { type: "image", region: "RegionOne" }), "https://glance.one");
    assert.equal(findEndpoint(catalog, { type: "image", region: "RegionOne", interface: "internal" }), "http://glance.one.internal:9292");
    assert.equal(findEndpoint(catalog, { type: "image", region: "RegionTwo", interface: "publicURL" }), "https://glance.two");
    assert.equal(findEndpoint(catalog, { type: "identity" }), "http://k:5000/v3");
  });

  it("refuses to guess between regions", () => {
    const e = notFound(() => findEndpoint(catalog, { type: "image" }));
    assert.match(e.message, /several "image" endpoints with interface "public" found \(regions RegionOne, RegionTwo\): set openstack:region/);
  });

  it("lists the regions that exist for an unknown region", () => {
    const e = notFound(() => findEndpoint(catalog, { type: "image", region: "Nowhere" }));
    assert.match(e.message, /^no "image" endpoint with interface "public" in region "Nowhere": "image" is offered in regions RegionOne, RegionTwo\. Catalog: identity \(keystone\): RegionOne \[public\]; image \(glance\): RegionOne \[public, internal\], RegionTwo \[public\]$/);
  });

  it("lists interfaces and services that exist", () => {
    assert.match(notFound(() => findEndpoint(catalog, { type: "image", region: "RegionTwo", interface: "admin" })).message, /available interfaces are public/);
    assert.match(notFound(() => findEndpoint(catalog, { type: "load-balancer" })).message, /the catalog has no "load-balancer" service/);
    assert.match(notFound(() => findEndpoint(catalog, { type: "image", interface: "private" })).message, /unknown endpoint interface "private"/);
  });
});
