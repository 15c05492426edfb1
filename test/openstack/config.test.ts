import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { ignoredEnvironmentWarning, resolveSessionConfig } from "../../provider/openstack/config";
import { findCloudsFiles } from "../../provider/openstack/clouds-yaml";
import { ConfigError } from "../../provider/openstack/errors";
import { Secret } from "../../provider/openstack/secret";

const getter = (map: Record<string, string>) => (key: string) => map[key];

const CLOUDS = `
clouds:
  mycloud:
    auth:
      auth_url: https://keystone.example:5000
      username: cloud-user
      project_name: cloud-project
      user_domain_name: CloudDomain
      project_domain_id: cloud-domain-id
    region_name: RegionTwo
    interface: internal
    image_endpoint_override: https://glance.example/
    verify: false
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example/v3
      application_credential_id: "12345"
`;
const SECURE = `
clouds:
  mycloud:
    auth:
      password: from-secure-yaml
  appcred:
    auth:
      application_credential_secret: appcred-secret
`;
const files = { clouds: { path: "/x/clouds.yaml", text: CLOUDS }, secure: { path: "/x/secure.yaml", text: SECURE } };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError");
}

const adminEnv = {
  OS_AUTH_URL: "http://env:5000/v3",
  OS_USERNAME: "env-user",
  OS_PASSWORD: "env-password",
  OS_PROJECT_NAME: "env-project",
  OS_USER_DOMAIN_NAME: "Default",
  OS_PROJECT_DOMAIN_NAME: "Default",
  OS_REGION_NAME: "RegionOne",
  OS_INTERFACE: "public",
};

describe("openstack/config: resolveSessionConfig", () => {
  it("reads OS_* environment variables", () => {
    const c = resolveSessionConfig(undefined, undefined, adminEnv, {});
    assert.equal(c.authUrl, "http://env:5000/v3");
    assert.deepEqual(c.auth.type, "password");
    assert.ok(c.auth.type === "password");
    assert.deepEqual(c.auth.user, { name: "env-user", domain: { name: "Default" } });
    assert.deepEqual(c.auth.project, { name: "env-project", domain: { name: "Default" } });
    assert.equal(c.auth.password.reveal(), "env-password");
    assert.equal(c.region, "RegionOne");
    assert.equal(c.interface, "public");
    assert.equal(c.insecure, false);
    assert.equal(c.sources.authUrl, "OS_AUTH_URL");
  });

  it("explicit > Pulumi config > env, field by field", () => {
    const c = resolveSessionConfig(
      { region: "ExplicitRegion" },
      getter({ authUrl: "http://pulumi:5000", tenantName: "pulumi-project", endpointType: "internalURL" }),
      adminEnv,
      {},
    );
    assert.equal(c.region, "ExplicitRegion");
    assert.equal(c.sources.region, "explicit argument (region)");
    assert.equal(c.authUrl, "http://pulumi:5000/v3");
    assert.equal(c.sources.authUrl, "Pulumi config (openstack:authUrl)");
    assert.equal(c.interface, "internal");
    assert.ok(c.auth.type === "password");
    assert.deepEqual(c.auth.project, { name: "pulumi-project", domain: { name: "Default" } });
    assert.equal(c.auth.password.reveal(), "env-password"); // only the env sets it
  });

  it("takes name/ID pairs from one source: a low ID never overrides a high name", () => {
    const c = resolveSessionConfig({ userName: "explicit-user" }, undefined, { ...adminEnv, OS_USER_ID: "env-user-id" }, {});
    assert.ok(c.auth.type === "password");
    assert.deepEqual(c.auth.user, { name: "explicit-user", domain: { name: "Default" } });
    const byId = resolveSessionConfig({ projectId: "p-id", projectName: "ignored" }, undefined, adminEnv, {});
    assert.ok(byId.auth.type === "password");
    assert.deepEqual(byId.auth.project, { id: "p-id" });
  });

  it("accepts projectName/projectId as aliases of tenantName/tenantId, and OS_TENANT_* of OS_PROJECT_*", () => {
    const c = resolveSessionConfig(undefined, getter({ projectId: "pid" }), { ...adminEnv, OS_PROJECT_NAME: undefined }, {});
    assert.ok(c.auth.type === "password");
    assert.deepEqual(c.auth.project, { id: "pid" });
    assert.equal(c.sources.projectId, "Pulumi config (openstack:projectId)");
    const t = resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_PROJECT_NAME: "", OS_TENANT_NAME: "tenant" }, {});
    assert.ok(t.auth.type === "password");
    assert.deepEqual(t.auth.project, { name: "tenant", domain: { name: "Default" } });
  });

  it("rejects two names for one setting with different values in the same source", () => {
    const e = configError(() =>
      resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_TENANT_NAME: "other" }, {}),
    );
    assert.equal(e.message, 'OS_PROJECT_NAME and OS_TENANT_NAME disagree ("env-project" vs "other"): set only one of them');
    const p = configError(() => resolveSessionConfig(undefined, getter({ tenantName: "a", projectName: "b" }), {}, {}));
    assert.match(p.message, /Pulumi config \(openstack:tenantName\) and Pulumi config \(openstack:projectName\) disagree/);
    const s = configError(() =>
      resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_TOKEN: "tok-a", OS_AUTH_TOKEN: "tok-b" }, {}),
    );
    assert.ok(!s.message.includes("tok-a") && !s.message.includes("tok-b"), s.message);
  });

  it("names the missing field and where to set it", () => {
    const e = configError(() => resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_AUTH_URL: undefined }, {}));
    assert.equal(
      e.message,
      "openstack:authUrl is missing: set it in Pulumi config (openstack:authUrl), OS_AUTH_URL, or a clouds.yaml cloud (auth.auth_url)",
    );
    const several = configError(() => resolveSessionConfig({}, undefined, {}, {}));
    assert.match(several.message, /^OpenStack configuration is invalid: openstack:authUrl is missing: .*; openstack:userName \(or openstack:userId\) is missing: .*; openstack:password is missing: set it in Pulumi config \(openstack:password\), OS_PASSWORD, or a clouds.yaml cloud \(auth.password\)$/);
  });

  it("reports invalid values with their source", () => {
    const e = configError(() => resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_AUTH_URL: "keystone:5000" }, {}));
    assert.equal(e.message, "openstack:authUrl (from OS_AUTH_URL) must be an http(s) URL");
    const i = configError(() => resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_INTERFACE: "private" }, {}));
    assert.equal(i.message, "openstack:endpointType (from OS_INTERFACE) must be public, internal or admin (publicURL style names work too)");
    const b = configError(() => resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_INSECURE: "maybe" }, {}));
    assert.equal(b.message, 'OS_INSECURE must be true or false, got "maybe"');
    const o = configError(() => resolveSessionConfig(undefined, getter({ endpointOverrides: "{bad" }), adminEnv, {}));
    assert.match(o.message, /Pulumi config \(openstack:endpointOverrides\) must be a JSON object/);
    const x = configError(() => resolveSessionConfig({ username: "typo" } as never, undefined, adminEnv, {}));
    assert.match(x.message, /invalid explicit OpenStack arguments: .*username/);
  });

  it("normalizes the auth URL and the interface", () => {
    const url = (u: string) => resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_AUTH_URL: u }, {}).authUrl;
    assert.equal(url("http://k:5000"), "http://k:5000/v3");
    assert.equal(url("http://k:5000/"), "http://k:5000/v3");
    assert.equal(url("http://k/identity/v3/"), "http://k/identity/v3");
    assert.equal(url("http://k:5000/v2.0"), "http://k:5000/v3");
    const iface = (v: string) => resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_INTERFACE: v }, {}).interface;
    assert.equal(iface("publicURL"), "public");
    assert.equal(iface("adminURL"), "admin");
    assert.equal(iface("Internal"), "internal");
  });

  it("defaults domains: userDomain*/projectDomain*, then domain*, then defaultDomain, then id 'default'", () => {
    const base = { OS_AUTH_URL: "http://k", OS_USERNAME: "u", OS_PASSWORD: "p", OS_PROJECT_NAME: "pr" };
    const auth = (env: Record<string, string>) => {
      const c = resolveSessionConfig(undefined, undefined, { ...base, ...env }, {});
      assert.ok(c.auth.type === "password");
      return [c.auth.user, c.auth.project];
    };
    assert.deepEqual(auth({}), [{ name: "u", domain: { id: "default" } }, { name: "pr", domain: { id: "default" } }]);
    assert.deepEqual(auth({ OS_DEFAULT_DOMAIN: "dd" }), [{ name: "u", domain: { id: "dd" } }, { name: "pr", domain: { id: "dd" } }]);
    assert.deepEqual(auth({ OS_DOMAIN_NAME: "D", OS_USER_DOMAIN_ID: "ud" }), [
      { name: "u", domain: { id: "ud" } },
      { name: "pr", domain: { name: "D" } },
    ]);
  });

  it("loads the named cloud from clouds.yaml + secure.yaml as the lowest layer", () => {
    const c = resolveSessionConfig(undefined, undefined, { OS_CLOUD: "mycloud" }, files);
    assert.equal(c.cloud, "mycloud");
    assert.equal(c.authUrl, "https://keystone.example:5000/v3");
    assert.ok(c.auth.type === "password");
    assert.deepEqual(c.auth.user, { name: "cloud-user", domain: { name: "CloudDomain" } });
    assert.deepEqual(c.auth.project, { name: "cloud-project", domain: { id: "cloud-domain-id" } });
    assert.equal(c.auth.password.reveal(), "from-secure-yaml");
    assert.equal(c.sources.password, 'secure.yaml cloud "mycloud" (auth.password in /x/secure.yaml)');
    assert.equal(c.sources.authUrl, 'clouds.yaml cloud "mycloud" (auth.auth_url in /x/clouds.yaml)');
    assert.equal(c.region, "RegionTwo");
    assert.equal(c.interface, "internal");
    assert.equal(c.insecure, true);
    assert.deepEqual(c.endpointOverrides, { image: "https://glance.example" });
  });

  it("lets explicit arguments and Pulumi config override single fields of the cloud", () => {
    const c = resolveSessionConfig(
      { cloud: "mycloud", endpointOverrides: { image: "https://explicit-glance" } },
      getter({ region: "PulumiRegion", insecure: "false", password: "pulumi-wins" }),
      {},
      files,
    );
    assert.equal(c.sources.cloud, "explicit argument (cloud)");
    assert.equal(c.region, "PulumiRegion");
    assert.equal(c.insecure, false);
    assert.ok(c.auth.type === "password");
    assert.equal(c.auth.password.reveal(), "pulumi-wins");
    assert.equal(c.sources.password, "Pulumi config (openstack:password)");
    assert.deepEqual(c.endpointOverrides, { image: "https://explicit-glance" });
    assert.deepEqual(c.ignoredEnvironment, []);
  });

  describe("the named-cloud rule", () => {
    const strayEnv = {
      ...adminEnv,
      OS_INSECURE: "true",
      OS_IMAGE_ENDPOINT_OVERRIDE: "http://env-glance",
      OS_CLIENT_CONFIG_FILE: "/x/clouds.yaml",
      OS_IDENTITY_API_VERSION: "3",
    };

    it("takes a cloud named by OS_CLOUD as a whole: no OS_* variable patches it", () => {
      const c = resolveSessionConfig(undefined, undefined, { ...strayEnv, OS_CLOUD: "mycloud" }, files);
      assert.equal(c.cloud, "mycloud");
      assert.equal(c.sources.cloud, "OS_CLOUD");
      assert.equal(c.authUrl, "https://keystone.example:5000/v3");
      assert.ok(c.auth.type === "password");
      assert.deepEqual(c.auth.user, { name: "cloud-user", domain: { name: "CloudDomain" } });
      assert.deepEqual(c.auth.project, { name: "cloud-project", domain: { id: "cloud-domain-id" } });
      assert.equal(c.auth.password.reveal(), "from-secure-yaml");
      assert.equal(c.region, "RegionTwo");
      assert.equal(c.interface, "internal");
      assert.deepEqual(c.endpointOverrides, { image: "https://glance.example" });
      assert.ok(Object.values(c.sources).every((s) => !s.startsWith("OS_") || s === "OS_CLOUD"), JSON.stringify(c.sources));
      assert.deepEqual(c.ignoredEnvironment, [
        "OS_AUTH_URL",
        "OS_USERNAME",
        "OS_PASSWORD",
        "OS_PROJECT_NAME",
        "OS_USER_DOMAIN_NAME",
        "OS_PROJECT_DOMAIN_NAME",
        "OS_REGION_NAME",
        "OS_INTERFACE",
        "OS_INSECURE",
        "OS_IMAGE_ENDPOINT_OVERRIDE",
      ]);
    });

    it("takes a cloud named by Pulumi config or an argument as a whole too, and ignores a different OS_CLOUD", () => {
      const viaPulumi = resolveSessionConfig(undefined, getter({ cloud: "mycloud" }), { ...adminEnv, OS_CLOUD: "admin-cloud" }, files);
      assert.equal(viaPulumi.sources.cloud, "Pulumi config (openstack:cloud)");
      assert.ok(viaPulumi.auth.type === "password");
      assert.deepEqual(viaPulumi.auth.user, { name: "cloud-user", domain: { name: "CloudDomain" } });
      assert.equal(viaPulumi.auth.password.reveal(), "from-secure-yaml");
      assert.equal(viaPulumi.ignoredEnvironment.at(-1), "OS_CLOUD");
      const viaArgument = resolveSessionConfig({ cloud: "mycloud" }, undefined, { ...adminEnv, OS_CLOUD: "mycloud" }, files);
      assert.ok(viaArgument.auth.type === "password");
      assert.deepEqual(viaArgument.auth.project, { name: "cloud-project", domain: { id: "cloud-domain-id" } });
      assert.ok(!viaArgument.ignoredEnvironment.includes("OS_CLOUD")); // it names the same cloud: nothing ignored
    });

    it("does not read the ignored variables at all (contradictions among them are no error)", () => {
      const c = resolveSessionConfig(undefined, undefined, { OS_CLOUD: "mycloud", OS_TOKEN: "a", OS_AUTH_TOKEN: "b", OS_INSECURE: "maybe" }, files);
      assert.equal(c.auth.type, "password");
      assert.deepEqual(c.ignoredEnvironment, ["OS_TOKEN", "OS_AUTH_TOKEN", "OS_INSECURE"]);
    });

    it("a named cloud without a password is not completed by OS_PASSWORD: the error says where to put it and why", () => {
      const e = configError(() =>
        resolveSessionConfig(undefined, undefined, { OS_CLOUD: "mycloud", OS_PASSWORD: "env-password-xyz" }, { clouds: files.clouds }),
      );
      assert.equal(
        e.message,
        'openstack:password is missing: set it in Pulumi config (openstack:password) or in cloud "mycloud" ' +
          '(auth.password in secure.yaml or clouds.yaml); OS_PASSWORD is set but ignored because cloud "mycloud" is ' +
          "named (by OS_CLOUD): a named cloud is taken as a whole",
      );
      const quiet = configError(() => resolveSessionConfig(undefined, undefined, { OS_CLOUD: "mycloud" }, { clouds: files.clouds }));
      assert.ok(!quiet.message.includes("ignored"), quiet.message);
    });

    it("words the warning with the variable names only", () => {
      const c = resolveSessionConfig(undefined, getter({ cloud: "mycloud" }), { ...adminEnv, OS_PASSWORD: "pa55-secret" }, files);
      const warning = ignoredEnvironmentWarning(c);
      assert.ok(warning !== undefined);
      assert.match(warning, /^WARNING: OpenStack cloud "mycloud" is named by Pulumi config \(openstack:cloud\), so OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, .*OS_INTERFACE are ignored/);
      assert.ok(!warning.includes("pa55-secret") && !warning.includes("env-user") && !warning.includes("\n"), warning);
      assert.equal(ignoredEnvironmentWarning(resolveSessionConfig(undefined, undefined, adminEnv, {})), undefined);
    });
  });

  it("reads application credentials from a cloud (auth_type), ignoring a project", () => {
    const c = resolveSessionConfig(undefined, undefined, { OS_CLOUD: "appcred", OS_PROJECT_NAME: "ignored" }, files);
    assert.ok(c.auth.type === "applicationCredential");
    assert.equal(c.auth.id, "12345");
    assert.equal(c.auth.secret.reveal(), "appcred-secret");
    assert.ok(!("project" in c.auth));
  });

  it("explains an unknown cloud or a missing clouds.yaml", () => {
    const e = configError(() => resolveSessionConfig(undefined, undefined, { OS_CLOUD: "nope" }, files));
    assert.equal(e.message, 'cloud "nope" (from OS_CLOUD) is not defined in /x/clouds.yaml and /x/secure.yaml; it defines: mycloud, appcred');
    const n = configError(() => resolveSessionConfig(undefined, getter({ cloud: "c" }), {}, {}));
    assert.match(n.message, /^cloud "c" \(from Pulumi config \(openstack:cloud\)\) cannot be loaded: no clouds.yaml found/);
    const y = configError(() =>
      resolveSessionConfig({ cloud: "c" }, undefined, {}, { clouds: { path: "/y.yaml", text: "clouds:\n  c: [\n  password: hunter2" } }),
    );
    assert.match(y.message, /^\/y\.yaml is not valid YAML at line \d+/);
    assert.ok(!y.message.includes("hunter2"));
  });

  it("searches OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack, /etc/openstack", () => {
    const dir = mkdtempSync(join(tmpdir(), "clouds-"));
    writeFileSync(join(dir, "custom.yaml"), CLOUDS);
    const home = mkdtempSync(join(tmpdir(), "home-"));
    const found = findCloudsFiles({ OS_CLIENT_CONFIG_FILE: join(dir, "custom.yaml"), HOME: home }, dir);
    assert.equal(found.clouds?.path, join(dir, "custom.yaml"));
    writeFileSync(join(dir, "clouds.yaml"), CLOUDS);
    writeFileSync(join(dir, "secure.yaml"), SECURE);
    const cwd = findCloudsFiles({ HOME: home }, dir);
    assert.equal(cwd.clouds?.path, join(dir, "clouds.yaml"));
    assert.equal(cwd.secure?.path, join(dir, "secure.yaml"));
  });

  it("chooses the credential kind: authType, else the highest source with a credential", () => {
    const token = resolveSessionConfig({ token: "T" }, undefined, { ...adminEnv, OS_PASSWORD: undefined }, {});
    assert.equal(token.auth.type, "token");
    assert.ok(token.auth.type === "token" && token.auth.project !== undefined); // scope from the env: rescoped
    const forced = resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_TOKEN: "T", OS_AUTH_TYPE: "v3password" }, {});
    assert.equal(forced.auth.type, "password");
    const both = configError(() => resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_TOKEN: "T" }, {}));
    assert.match(both.message, /contradictory credentials: OS_TOKEN, OS_PASSWORD are all set/);
    const byName = configError(() =>
      resolveSessionConfig({ applicationCredentialName: "n", applicationCredentialSecret: "s", authUrl: "http://k" }, undefined, {}, {}),
    );
    assert.match(byName.message, /openstack:userName \(or openstack:userId\) is missing \(an application credential given by name needs its user\)/);
    const unknown = configError(() => resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_AUTH_TYPE: "saml" }, {}));
    assert.match(unknown.message, /^OS_AUTH_TYPE is "saml": supported auth types are/);
  });

  it("reads OS_<TYPE>_ENDPOINT_OVERRIDE", () => {
    const c = resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_LOAD_BALANCER_ENDPOINT_OVERRIDE: "http://octavia/" }, {});
    assert.deepEqual(c.endpointOverrides, { "load-balancer": "http://octavia" });
  });

  it("never exposes credentials when printed", () => {
    const c = resolveSessionConfig(undefined, undefined, { ...adminEnv, OS_PASSWORD: "pa55word-xyz" }, {});
    for (const text of [JSON.stringify(c), inspect(c, { depth: 10 }), `${String(c.auth.type === "password" && c.auth.password)}`]) {
      assert.ok(!text.includes("pa55word-xyz"), text);
    }
    assert.equal(String(new Secret("x")), "***");
  });
});
