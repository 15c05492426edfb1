import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { stringify } from "yaml";
import {
  AuthError,
  EndpointNotFoundError,
  OpenStackSession,
  resolveSessionConfig,
  clearTokenCache,
  type ServiceClient,
} from "../../provider/openstack";
import { localCloudDir, localPorts, localRelease, readCloud, sessionFor } from "../support/cloud";
import { rejection } from "../support/rejection";

const AUTH_URL = `http://127.0.0.1:${localPorts().keystone}/v3`;
const GLANCE_PORT = localPorts().glance;

/** OS_* variables of the local cloud's openstack.env (admin). */
function adminEnv(): Record<string, string> {
  const text = readFileSync(join(localCloudDir, "openstack.env"), "utf8");
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export (OS_[A-Z_]+)=(.*)$/gm)) env[m[1] as string] = (m[2] as string).replace(/^["']|["']$/g, "");
  return env;
}

async function listImages(glance: ServiceClient): Promise<unknown[]> {
  const body = await glance.http.get(`${glance.endpoint}/v2/images`, { searchParams: { limit: 1 } }).json<{ images: unknown[] }>();
  return body.images;
}

describe("openstack session against the local Keystone + Glance @cloud", function () {
  this.timeout(30_000);
  let demo: OpenStackSession;
  let admin: OpenStackSession;
  const demoPassword = () => readCloud("local-demo").auth.password;

  before(async () => {
    demo = await sessionFor("local-demo");
    admin = await sessionFor("local-admin");
  });

  describe("password", () => {
    it("authenticates by user/project names (clouds.yaml) and reaches Glance", async () => {
      assert.match(demo.projectId, /^[0-9a-f]{32}$/);
      assert.match(demo.userId, /^[0-9a-f]{32}$/);
      assert.ok(demo.roles.includes("member"));
      assert.ok(admin.roles.includes("admin"));
      assert.notEqual(admin.projectId, demo.projectId);
      assert.ok(Array.isArray(await listImages(await demo.serviceClient("image"))));
    });

    it("authenticates by user and project ids", async () => {
      const byIds = await OpenStackSession.create(
        resolveSessionConfig({ authUrl: AUTH_URL, userId: demo.userId, password: demoPassword(), projectId: demo.projectId }, undefined, {}, {}),
      );
      assert.equal(byIds.projectId, demo.projectId);
      assert.equal(byIds.userId, demo.userId);
      await listImages(await byIds.serviceClient("image"));
    });

    it("a wrong password is an AuthError that names user and auth URL, not the password", async () => {
      const wrong = "definitely-wrong-password-42";
      const err = await rejection(
        OpenStackSession.fromSources({
          explicit: { authUrl: AUTH_URL, userName: "demo", userDomainName: "Default", password: wrong, projectName: "demo", projectDomainName: "Default" },
          env: {},
        }),
      );
      assert.ok(err instanceof AuthError, String(err));
      assert.equal(err.status, 401);
      assert.match(
        err.message,
        new RegExp(
          `^authentication failed for user "demo" \\(domain "Default"\\) at auth URL ${AUTH_URL.replace(/[./]/g, "\\$&")}: The request you have made requires authentication\\. \\(HTTP 401\\)`,
        ),
      );
      assert.ok(!inspect(err, { depth: 10, showHidden: true }).includes(wrong), "password leaked");
    });
  });

  describe("application credential", () => {
    let credential: { id: string; name: string; secret: string } | undefined;

    before(async () => {
      const identity = await demo.serviceClient("identity");
      const name = `session-test-${process.pid}-${Date.now()}`;
      const body = await identity.http
        .post(`${identity.endpoint}/users/${demo.userId}/application_credentials`, {
          json: { application_credential: { name, roles: [{ name: "member" }] } },
        })
        .json<{ application_credential: { id: string; name: string; secret: string } }>();
      credential = body.application_credential;
    });

    after(async () => {
      if (!credential) return;
      const identity = await demo.serviceClient("identity");
      await identity.http.delete(`${identity.endpoint}/users/${demo.userId}/application_credentials/${credential.id}`);
    });

    it("authenticates by id", async () => {
      const c = credential!;
      const session = await OpenStackSession.fromSources({
        explicit: { authUrl: AUTH_URL, applicationCredentialId: c.id, applicationCredentialSecret: c.secret },
        env: {},
      });
      assert.equal(session.projectId, demo.projectId);
      // Only the roles the credential was created with; Keystone 27 (2025.1) lists the implied reader role too.
      const roles = (await localRelease()) === "2025.1" ? ["member", "reader"] : ["member"];
      assert.deepEqual([...session.roles].sort(), roles);
      await listImages(await session.serviceClient("image"));
    });

    it("authenticates by name + user name/domain (and ignores a project)", async () => {
      const c = credential!;
      const session = await OpenStackSession.fromSources({
        explicit: { authUrl: AUTH_URL, applicationCredentialName: c.name, applicationCredentialSecret: c.secret },
        env: { OS_USERNAME: "demo", OS_USER_DOMAIN_NAME: "Default", OS_PROJECT_NAME: "admin" },
      });
      assert.equal(session.projectId, demo.projectId);
      await listImages(await session.serviceClient("image"));
    });
  });

  describe("token", () => {
    it("uses a pre-made token as it is", async () => {
      const token = await demo.token();
      const session = await OpenStackSession.fromSources({ explicit: { authUrl: AUTH_URL, token }, env: {} });
      assert.equal(session.projectId, demo.projectId);
      assert.equal(await session.token(), token);
      await listImages(await session.serviceClient("image"));
    });

    it("rescopes a token when a project is configured", async () => {
      const token = await demo.token();
      const session = await OpenStackSession.fromSources({ explicit: { authUrl: AUTH_URL, token, projectId: demo.projectId }, env: {} });
      assert.equal(session.projectId, demo.projectId);
      assert.notEqual(await session.token(), token);
    });

    it("renews once after Keystone revoked the token, and the Glance call succeeds", async () => {
      clearTokenCache(); // a session of its own, whose first token Glance has never seen (no authtoken cache)
      const session = await OpenStackSession.fromSources({ explicit: { cloud: "local-demo" }, env: {}, cloudsFiles: { clouds: { path: join(localCloudDir, "clouds.yaml"), text: readFileSync(join(localCloudDir, "clouds.yaml"), "utf8") } } });
      const first = await session.token();
      const identity = await admin.serviceClient("identity");
      await identity.http.delete(`${identity.endpoint}/auth/tokens`, { headers: { "x-subject-token": first } });
      await listImages(await session.serviceClient("image"));
      assert.notEqual(await session.token(), first);
    });
  });

  describe("catalog", () => {
    it("selects the interface; internal and admin endpoints exist", async () => {
      for (const iface of ["public", "internal", "admin", "internalURL"]) {
        const glance = await demo.serviceClient("image", { interface: iface });
        assert.equal(glance.endpoint, `http://127.0.0.1:${GLANCE_PORT}`);
      }
      assert.equal((await demo.serviceClient("identity", { interface: "admin" })).endpoint, AUTH_URL);
      await listImages(await demo.serviceClient("image", { interface: "internal", region: "RegionOne" }));
    });

    it("an unknown region is an EndpointNotFoundError listing the regions", async () => {
      const err = await rejection(demo.serviceClient("image", { region: "Atlantis" }));
      assert.ok(err instanceof EndpointNotFoundError, String(err));
      assert.match(err.message, /"image" is offered in regions RegionOne/);
      assert.match(err.message, /image \(glance\): RegionOne \[(public|internal|admin)(, (public|internal|admin)){2}\]/);
    });

    it("honours an endpoint override (argument and OS_IMAGE_ENDPOINT_OVERRIDE)", async () => {
      const glance = await demo.serviceClient("image", { endpointOverride: `http://localhost:${GLANCE_PORT}/` });
      assert.equal(glance.endpoint, `http://localhost:${GLANCE_PORT}`);
      await listImages(glance);
      const viaEnv = await OpenStackSession.fromSources({ env: { ...adminEnv(), OS_IMAGE_ENDPOINT_OVERRIDE: `http://localhost:${GLANCE_PORT}` } });
      assert.equal((await viaEnv.serviceClient("image")).endpoint, `http://localhost:${GLANCE_PORT}`);
    });
  });

  describe("configuration sources", () => {
    it("loads clouds.yaml + secure.yaml from the search path (OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE)", async () => {
      const entry = readCloud("local-alt");
      const dir = mkdtempSync(join(tmpdir(), "clouds-"));
      const { password, ...auth } = entry.auth;
      writeFileSync(join(dir, "clouds.yaml"), stringify({ clouds: { alt: { ...entry, auth } } }));
      writeFileSync(join(dir, "secure.yaml"), stringify({ clouds: { alt: { auth: { password } } } }));
      const env = { OS_CLOUD: "alt", OS_CLIENT_CONFIG_FILE: join(dir, "clouds.yaml"), OS_CLIENT_SECURE_FILE: join(dir, "secure.yaml"), HOME: dir };
      const config = resolveSessionConfig(undefined, undefined, env);
      assert.match(config.sources.password ?? "", /^secure\.yaml cloud "alt"/);
      const session = await OpenStackSession.create(config);
      assert.equal(session.projectId, (await sessionFor("local-alt")).projectId);
    });

    it("loads OS_* environment variables (openstack.env)", async () => {
      const session = await OpenStackSession.fromSources({ env: adminEnv() });
      assert.equal(session.projectId, admin.projectId);
      assert.ok(session.roles.includes("admin"));
    });

    it("a named cloud is taken as a whole: the admin's OS_* variables do not turn local-demo into admin", async () => {
      const warnings: string[] = [];
      const session = await OpenStackSession.fromSources(
        {
          pulumiGet: (key) => ({ cloud: "local-demo" })[key],
          env: { ...adminEnv(), OS_CLIENT_CONFIG_FILE: join(localCloudDir, "clouds.yaml") },
        },
        { logger: { warn: (m) => warnings.push(m) } },
      );
      assert.equal(session.projectId, demo.projectId);
      assert.equal(session.userId, demo.userId);
      assert.ok(!session.roles.includes("admin"));
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0] ?? "", /^WARNING: OpenStack cloud "local-demo" is named by Pulumi config \(openstack:cloud\), so OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, .* are ignored/);
      assert.ok(!(warnings[0] ?? "").includes(adminEnv().OS_PASSWORD ?? "?"), "password leaked into the warning");
    });

    it("explicit arguments and Pulumi config beat the environment", async () => {
      const alt = readCloud("local-alt");
      const viaPulumi = await OpenStackSession.fromSources({
        pulumiGet: (key) => ({ userName: "alt", password: alt.auth.password, tenantName: "alt" })[key],
        env: adminEnv(),
      });
      assert.equal(viaPulumi.projectId, (await sessionFor("local-alt")).projectId);
      const viaExplicit = await OpenStackSession.fromSources({
        explicit: { userName: "demo", password: demoPassword(), projectName: "demo" },
        pulumiGet: (key) => ({ userName: "alt", password: alt.auth.password, tenantName: "alt" })[key],
        env: adminEnv(),
      });
      assert.equal(viaExplicit.projectId, demo.projectId);
    });
  });
});
