/**
 * Access to the local Keystone + Glance started by `bash scripts/local-openstack.sh start`, for `@cloud` tests.
 *
 *   const glance = await imageClientFor("local-demo");          // ServiceClient for Glance, cached per process
 *   await glance.http.get(`${glance.endpoint}/v2/images`).json();
 *   const admin = await sessionFor("local-admin");              // OpenStackSession (token, projectId, userId, …)
 *   const { auth } = readCloud("local-demo");                    // raw clouds.yaml entry, password included
 *
 * Only the clouds.yaml in `localCloudDir` is used: `OS_*` variables and Pulumi config of the developer's shell
 * are ignored, so tests always talk to the local cloud.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { GlanceClient } from "../../provider/glance/client";
import { NetworkError, OpenStackSession, resolveSessionConfig, type ServiceClient } from "../../provider/openstack";

export type LocalCloud = "local-admin" | "local-demo" | "local-alt";

/** `$LOCAL_OPENSTACK_DIR`, or `<repo>/.local-openstack`. */
export const localCloudDir: string = process.env.LOCAL_OPENSTACK_DIR
  ? resolve(process.env.LOCAL_OPENSTACK_DIR)
  : resolve(__dirname, "..", "..", ".local-openstack");

const START_HINT = "run `bash scripts/local-openstack.sh start` first";

/** Path of the local cloud's clouds.yaml; throws when the local cloud has not been started. */
export function cloudsFile(): string {
  const path = join(localCloudDir, "clouds.yaml");
  if (!existsSync(path)) {
    throw new Error(`local OpenStack is not set up: ${path} does not exist; ${START_HINT}`);
  }
  return path;
}

/** Ports of the local cloud's servers: `settings.env` of `localCloudDir` (written by `start`), else the defaults. */
export interface LocalPorts {
  keystone: number;
  glance: number;
  /** RegionTwo's Glance (`start --region-two`). */
  glance2: number;
}

export function localPorts(): LocalPorts {
  const ports: LocalPorts = { keystone: 5000, glance: 9292, glance2: 9293 };
  const path = join(localCloudDir, "settings.env");
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  for (const m of text.matchAll(/^(KEYSTONE|GLANCE|GLANCE2)_PORT=(\d+)$/gm)) {
    ports[(m[1] as string).toLowerCase() as keyof LocalPorts] = Number(m[2]);
  }
  return ports;
}

/** Shape of a clouds.yaml entry written by scripts/local-openstack.sh (unknown keys kept). */
export interface LocalCloudEntry {
  auth: {
    auth_url: string;
    username: string;
    password: string;
    project_name: string;
    user_domain_name: string;
    project_domain_name: string;
    [key: string]: unknown;
  };
  region_name?: string;
  interface?: string;
  [key: string]: unknown;
}

/** The raw clouds.yaml entry of a local cloud (tests need the passwords, e.g. to create application credentials). */
export function readCloud(cloud: LocalCloud): LocalCloudEntry {
  const path = cloudsFile();
  const doc = parse(readFileSync(path, "utf8")) as { clouds?: Record<string, LocalCloudEntry> } | null;
  const entry = doc?.clouds?.[cloud];
  if (!entry) throw new Error(`cloud "${cloud}" is not in ${path}; ${START_HINT}`);
  return entry;
}

/** clouds.yaml text of the local cloud, for `resolveSessionConfig(…, { clouds })`. */
export function localCloudsFiles(): { clouds: { path: string; text: string } } {
  const path = cloudsFile();
  return { clouds: { path, text: readFileSync(path, "utf8") } };
}

const sessions = new Map<LocalCloud, Promise<OpenStackSession>>();
const imageClients = new Map<LocalCloud, Promise<ServiceClient>>();

async function openSession(cloud: LocalCloud): Promise<OpenStackSession> {
  const config = resolveSessionConfig({ cloud }, undefined, {}, localCloudsFiles());
  try {
    return await OpenStackSession.create(config);
  } catch (err) {
    if (err instanceof NetworkError) {
      throw new Error(`local Keystone is not reachable at ${config.authUrl}; ${START_HINT}`, { cause: err });
    }
    throw err;
  }
}

/** A session for one of the local clouds, cached per cloud per process. */
export function sessionFor(cloud: LocalCloud): Promise<OpenStackSession> {
  let session = sessions.get(cloud);
  if (!session) {
    session = openSession(cloud);
    session.catch(() => sessions.delete(cloud));
    sessions.set(cloud, session);
  }
  return session;
}

/** The Glance (`image`) ServiceClient of a local cloud, cached per cloud per process. */
export function imageClientFor(cloud: LocalCloud): Promise<ServiceClient> {
  let client = imageClients.get(cloud);
  if (!client) {
    client = sessionFor(cloud).then((s) => s.serviceClient("image"));
    client.catch(() => imageClients.delete(cloud));
    imageClients.set(cloud, client);
  }
  return client;
}

const glanceClients = new Map<LocalCloud, Promise<GlanceClient>>();

/** A GlanceClient for a local cloud (cached per process, like the session behind it). */
export function glanceFor(cloud: LocalCloud): Promise<GlanceClient> {
  let client = glanceClients.get(cloud);
  if (!client) {
    client = imageClientFor(cloud).then((service) => new GlanceClient(service));
    client.catch(() => glanceClients.delete(cloud));
    glanceClients.set(cloud, client);
  }
  return client;
}

/**
 * The OpenStack release of the local cloud, read from Glance's version document: Glance 30 (2025.1, Epoxy) is the
 * first the local cloud runs that offers API v2.17; Zed (Glance 25) offers v2.15 (v2.16 with an image cache). Tests of what 2025.1 added skip
 * on Zed with this as the reason.
 */
export async function localRelease(): Promise<"zed" | "2025.1"> {
  const version = await (await glanceFor("local-admin")).version();
  return version.minor >= 17 ? "2025.1" : "zed";
}

/** Skips the running test (with the reason in its title) unless the local cloud runs `release`. */
export async function requireRelease(ctx: Mocha.Context, release: "zed" | "2025.1"): Promise<void> {
  const running = await localRelease();
  if (running === release) return;
  if (ctx.test) ctx.test.title += ` (skipped: needs OpenStack ${release}; the local cloud runs ${running})`;
  ctx.skip();
}
