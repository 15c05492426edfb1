/**
 * TLS verification is on by default. A TLS proxy with a CA made at test time (test/support/tls-proxy.ts) sits in
 * front of the local Keystone and Glance on 127.0.0.1; Keystone's catalog still names plain Glance, so the image
 * service goes through the proxy by an endpoint override. Without the CA (or with an unrelated one) every call
 * is rejected before a byte of the request is sent, with an error that says what to configure; with
 * `cacertFile` it works; with `insecure` it works and warns. In-process through OpenStackSession (the warning
 * through the injectable logger) and through the real provider host with `openstack:*` stack config (the warning
 * on the host's stderr, where the CLI shows it).
 */
import { strict as assert } from "node:assert";
import sinon from "sinon";
import { GlanceClient, listAllImages } from "../../provider/glance";
import { listMarkedImages } from "../../provider/glance-tagged-image/markers";
import { NetworkError, OpenStackSession, type SessionInput } from "../../provider/openstack";
import { resetTlsState } from "../../provider/openstack/tls";
import { packageProvider } from "../../sdk/internal/provider-shim";
import { cleanupImages, Files, uniqueTag, type TestImage } from "../glance-tagged-image/support";
import { ProviderCallError, secret, useProviderHost } from "../harness";
import { glanceFor, runId } from "../snapshot-store-policy/cloud-support";
import { localPorts, readCloud } from "../support/cloud";
import { makeTestPki, startTlsProxy, type TestPki, type TlsProxy } from "../support/tls-proxy";
import { assertBuilt, hostEnv, REPO_ROOT, TYPES } from "./support";

const provider = packageProvider("glance-tagged-image/provider");
const HINT = /TLS certificate verification failed: set openstack:cacertFile .* openstack:insecure=true skips verification/;
const WARNING = "WARNING: OpenStack TLS certificate verification is disabled";

describe("security: TLS verification on by default, cacertFile, insecure (proxy in front of Keystone and Glance) @cloud", function () {
  this.timeout(60_000);
  let pki: TestPki;
  let keystone: TlsProxy;
  let glance: TlsProxy;
  const files = new Files();
  const keys: string[] = [];
  let image: TestImage;
  const demo = () => readCloud("local-demo").auth;

  before(async () => {
    assertBuilt();
    pki = await makeTestPki();
    keystone = await startTlsProxy({ target: { port: localPorts().keystone }, pki });
    glance = await startTlsProxy({ target: { port: localPorts().glance }, pki });
    image = await files.image(32 * 1024);
  });
  after(async function () {
    this.timeout(30_000);
    await cleanupImages(keys);
    await files.remove();
    await keystone?.close();
    await glance?.close();
    await pki?.remove();
  });
  beforeEach(() => resetTlsState());
  afterEach(() => resetTlsState());

  /** Explicit session arguments for demo through both proxies. */
  const viaProxies = (extra: Partial<SessionInput> = {}): SessionInput => ({
    authUrl: `${keystone.url}/v3`,
    userName: demo().username,
    password: demo().password,
    projectName: demo().project_name,
    userDomainName: demo().user_domain_name,
    projectDomainName: demo().project_domain_name,
    endpointOverrides: { image: glance.url },
    ...extra,
  });

  const rejection = (p: Promise<unknown>): Promise<unknown> => p.then(() => assert.fail("expected a TLS rejection"), (e: unknown) => e);

  describe("in-process sessions", () => {
    it("without the CA: Keystone is refused before any byte of the request is sent; the error says what to set", async () => {
      const before = keystone.stats.bytesToTarget;
      const err = await rejection(OpenStackSession.fromSources({ explicit: viaProxies(), env: {} }));
      assert.ok(err instanceof NetworkError, String(err));
      assert.match(err.message, new RegExp(`^POST ${keystone.url}/v3/auth/tokens failed: unable to verify the first certificate`));
      assert.match(err.message, HINT);
      assert.doesNotMatch(err.message, /attempts/, "a certificate failure is not retried");
      assert.ok(!err.message.includes(demo().password));
      assert.equal(keystone.stats.bytesToTarget, before, "the password never left the client");
    });

    it("an unrelated CA in cacertFile is rejected the same way", async () => {
      const err = await rejection(OpenStackSession.fromSources({ explicit: viaProxies({ cacertFile: pki.otherCaFile }), env: {} }));
      assert.ok(err instanceof NetworkError, String(err));
      assert.match(err.message, HINT);
    });

    it("Glance behind TLS without the CA (Keystone plain): the image call is refused, naming the endpoint", async () => {
      const session = await OpenStackSession.fromSources({ explicit: viaProxies({ authUrl: demo().auth_url }), env: {} });
      const client = new GlanceClient(await session.serviceClient("image"));
      assert.equal(client.endpoint, glance.url);
      const before = glance.stats.bytesToTarget;
      const err = await rejection(listAllImages(client, { limit: 1 }));
      assert.ok(err instanceof NetworkError, String(err));
      assert.match(err.message, new RegExp(`^GET ${glance.url}/ failed: unable to verify the first certificate .*`));
      assert.match(err.message, HINT);
      assert.equal(glance.stats.bytesToTarget, before, "no request (and no token) reached Glance");
    });

    it("with cacertFile: Keystone and Glance both through TLS, no warning", async () => {
      const warn = sinon.spy();
      const before = { k: keystone.stats.bytesToTarget, g: glance.stats.bytesToTarget };
      const session = await OpenStackSession.fromSources({ explicit: viaProxies({ cacertFile: pki.caFile }), env: {} }, { logger: { warn } });
      const client = new GlanceClient(await session.serviceClient("image"));
      assert.equal(client.endpoint, glance.url);
      const images = await listAllImages(client, { limit: 5, owner: session.projectId });
      assert.ok(Array.isArray(images));
      assert.ok(keystone.stats.bytesToTarget > before.k && glance.stats.bytesToTarget > before.g, "both went through the proxies");
      sinon.assert.notCalled(warn);
    });

    it("with insecure: works through both proxies and warns once through the logger", async () => {
      const warn = sinon.spy();
      const session = await OpenStackSession.fromSources({ explicit: viaProxies({ insecure: true }), env: {} }, { logger: { warn } });
      const client = new GlanceClient(await session.serviceClient("image"));
      await listAllImages(client, { limit: 1, owner: session.projectId });
      await OpenStackSession.fromSources({ explicit: viaProxies({ insecure: true }), env: {} }, { logger: { warn } });
      sinon.assert.calledOnceWithExactly(warn, `${WARNING} (set by explicit argument (insecure)); use cacertFile instead.`);
    });
  });

  describe("through the provider host (GlanceTaggedImage, openstack:* stack config)", () => {
    /** Stack config for demo through both proxies; `tls` adds openstack:cacertFile or openstack:insecure. */
    const config = (tls: Record<string, string>) => ({
      "openstack:authUrl": `${keystone.url}/v3`,
      "openstack:userName": demo().username,
      "openstack:password": secret(demo().password),
      "openstack:tenantName": demo().project_name,
      "openstack:userDomainName": demo().user_domain_name,
      "openstack:projectDomainName": demo().project_domain_name,
      "openstack:endpointOverrides": JSON.stringify({ image: glance.url }),
      ...tls,
    });
    const inputs = (label: string) => {
      const resourceKey = `amphora-sec/${runId}/tls-${label}`;
      keys.push(resourceKey);
      return { resourceKey, tag: uniqueTag(`tls-${label}`), file: image.path, diskFormat: "raw" };
    };

    describe("no CA configured", () => {
      const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: config({}), env: hostEnv() }));
      it("create fails with the certificate error and the hint; nothing is created", async () => {
        const lc = await ctx.host.lifecycle(provider, TYPES.image, "amphora");
        const args = inputs("noca");
        const err = await rejection(lc.up(args));
        assert.ok(err instanceof ProviderCallError, String(err));
        assert.match(err.details, /unable to verify the first certificate/);
        assert.match(err.details, HINT);
        assert.equal(lc.state, undefined);
        const demoGlance = await glanceFor("local-demo");
        assert.deepEqual(await listMarkedImages(demoGlance, demoGlance.projectId, args.resourceKey), []);
        assert.ok(!ctx.host.stderr.some((l) => l.includes(WARNING)));
      });
    });

    describe("openstack:cacertFile", () => {
      const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: config({ "openstack:cacertFile": pki.caFile }), env: hostEnv() }));
      it("create and destroy go through TLS to Keystone and Glance; no warning", async () => {
        const before = { k: keystone.stats.bytesToTarget, g: glance.stats.bytesToTarget };
        const lc = await ctx.host.lifecycle(provider, TYPES.image, "amphora");
        const created = await lc.up(inputs("ca"));
        assert.equal(created.op, "create");
        await lc.destroy();
        assert.ok(keystone.stats.bytesToTarget > before.k, "Keystone through the proxy");
        assert.ok(glance.stats.bytesToTarget - before.g > 32 * 1024, "the image bytes went through the Glance proxy");
        assert.ok(!ctx.host.stderr.some((l) => l.includes(WARNING)));
      });
    });

    describe("openstack:insecure", () => {
      const ctx = useProviderHost(() => ({ cwd: REPO_ROOT, config: config({ "openstack:insecure": "true" }), env: hostEnv() }));
      it("create and destroy work; the host warns once on stderr, naming the setting", async () => {
        const lc = await ctx.host.lifecycle(provider, TYPES.image, "amphora");
        const created = await lc.up(inputs("insecure"));
        assert.equal(created.op, "create");
        await lc.destroy();
        const warnings = ctx.host.stderr.filter((l) => l.includes(WARNING));
        assert.deepEqual(warnings, [`${WARNING} (set by Pulumi config (openstack:insecure)); use cacertFile instead.`]);
      });
    });
  });
});
