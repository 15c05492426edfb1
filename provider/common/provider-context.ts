import { GlanceClient } from "../glance/client";
import { EndpointNotFoundError } from "../openstack/errors";
import { OpenStackSession } from "../openstack/session";
import type { PulumiConfigGetter } from "../openstack/config-layers";
import type { ServiceClient } from "../openstack/service-client";

/**
 * Per-process state of the provider implementations inside the dynamic-provider host. This module is loaded
 * with a plain require() by the provider shim (never serialized), so module state is shared by configure()
 * and every CRUD call. Credentials live only here, in memory, read from stack config or the environment at
 * run time: nothing a provider returns or prints contains them.
 */

interface ConfigSource {
  get(key: string): string | undefined;
}

let pulumiGet: PulumiConfigGetter | undefined;
let session: Promise<OpenStackSession> | undefined;
/** Glance clients by region ("" = the session's own region). */
const glances = new Map<string, Promise<GlanceClient>>();
/** The same clients once connected, for callers that must not wait or call anything (diff). */
const connected = new Map<string, GlanceClient>();
let injected: Promise<GlanceClient> | undefined;
let injectedClient: GlanceClient | undefined;
let injectedByRegion = new Map<string, GlanceClient>();
let injectedOctavia: ServiceClient | undefined;

/** Called from each provider's configure(): remembers how to read `openstack:*` stack config. */
export function configureOpenStack(config: ConfigSource | undefined): void {
  pulumiGet = config ? (key) => config.get(`openstack:${key}`) : undefined;
  session = undefined;
  glances.clear();
  connected.clear();
}

/** The session of this process, authenticated on first use from stack config, OS_* env, clouds.yaml. */
function openStackSession(): Promise<OpenStackSession> {
  if (!session) {
    const pending = OpenStackSession.fromSources({ ...(pulumiGet ? { pulumiGet } : {}), env: process.env });
    pending.catch(() => {
      if (session === pending) session = undefined;
    });
    session = pending;
  }
  return session;
}

/**
 * The Glance client of this process for `region` (a Keystone region id; default: the session's region), one per
 * region, all sharing one session (one token).
 */
export function glanceClient(region?: string): Promise<GlanceClient> {
  const forRegion = region !== undefined ? injectedByRegion.get(region) : undefined;
  if (forRegion) return Promise.resolve(forRegion);
  if (injected) return injected;
  const key = region ?? "";
  let glance = glances.get(key);
  if (!glance) {
    const pending = openStackSession()
      .then((s) => s.serviceClient("image", region === undefined ? {} : { region }))
      .then((service) => new GlanceClient(service));
    pending.then(
      (client) => void connected.set(key, client),
      () => {
        if (glances.get(key) === pending) glances.delete(key);
      },
    );
    glances.set(key, pending);
    glance = pending;
  }
  return glance;
}

/** The Glance client for `region` if this process has already connected it; never connects. */
export function connectedGlance(region?: string): GlanceClient | undefined {
  return (region !== undefined ? injectedByRegion.get(region) : undefined) ?? injectedClient ?? connected.get(region ?? "");
}

/**
 * For tests that drive a provider in-process with a client of their choosing (used for every region but those
 * named in `byRegion`, which get their own).
 */
export function useGlanceClient(client: GlanceClient | undefined, byRegion: Readonly<Record<string, GlanceClient>> = {}): void {
  injectedByRegion = new Map(Object.entries(byRegion));
  injected = client ? Promise.resolve(client) : undefined;
  session = undefined;
  glances.clear();
  connected.clear();
  injectedClient = client;
}

/**
 * For tests that drive a provider in-process: the Octavia client it gets. With a Glance client injected and none
 * given here, there is no Octavia, as in a cloud whose catalog has no load-balancer endpoint.
 */
export function useOctaviaClient(client: ServiceClient | undefined): void {
  injectedOctavia = client;
}

/** The Octavia (`load-balancer`) client of this process's session, for `region` (default: the session's region). */
export async function octaviaClient(region?: string): Promise<ServiceClient> {
  if (injectedOctavia) return injectedOctavia;
  if (injectedClient) throw new EndpointNotFoundError("no load-balancer endpoint (a test's Glance client, no Octavia client given)");
  const s = await openStackSession();
  return s.serviceClient("load-balancer", region === undefined ? {} : { region });
}
