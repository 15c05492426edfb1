import assert from "node:assert/strict";
import { authRequestBody, describePrincipal } from "../../provider/openstack/keystone";
import { Secret } from "../../provider/openstack/secret";

describe("openstack/keystone: auth request bodies", () => {
  const project = { name: "demo", domain: { name: "Default" } };

  it("password by user name + domain, project scope by name + domain", () => {
    const auth = { type: "password", user: { name: "demo", domain: { id: "default" } }, password: new Secret("pw"), project } as const;
    assert.deepEqual(authRequestBody(auth), {
      auth: {
        identity: { methods: ["password"], password: { user: { name: "demo", domain: { id: "default" }, password: "pw" } } },
        scope: { project: { name: "demo", domain: { name: "Default" } } },
      },
    });
    assert.equal(describePrincipal(auth), 'user "demo" (domain id default)');
  });

  it("password by ids", () => {
    const body = authRequestBody({ type: "password", user: { id: "u1" }, password: new Secret("pw"), project: { id: "p1" } });
    assert.deepEqual(body, {
      auth: { identity: { methods: ["password"], password: { user: { id: "u1", password: "pw" } } }, scope: { project: { id: "p1" } } },
    });
  });

  it("application credential by id, and by name with its user (never scoped)", () => {
    assert.deepEqual(authRequestBody({ type: "applicationCredential", id: "ac1", secret: new Secret("s") }), {
      auth: { identity: { methods: ["application_credential"], application_credential: { id: "ac1", secret: "s" } } },
    });
    const byName = { type: "applicationCredential", name: "ci", user: { name: "demo", domain: { name: "Default" } }, secret: new Secret("s") } as const;
    assert.deepEqual(authRequestBody(byName), {
      auth: {
        identity: {
          methods: ["application_credential"],
          application_credential: { name: "ci", user: { name: "demo", domain: { name: "Default" } }, secret: "s" },
        },
      },
    });
    assert.equal(describePrincipal(byName), 'application credential "ci" of user "demo" (domain "Default")');
  });

  it("token rescoping", () => {
    assert.deepEqual(authRequestBody({ type: "token", token: new Secret("t"), project: { id: "p" } }), {
      auth: { identity: { methods: ["token"], token: { id: "t" } }, scope: { project: { id: "p" } } },
    });
  });
});
