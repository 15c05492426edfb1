import { GlanceClient } from "../glance/client";
import { OpenStackSession } from "../openstack/session";
import type { PulumiConfigGetter } from "../openstack/config-layers";

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
let glance: Promise<GlanceClient> | undefined;

/** Called from each provider's configure(): remembers how to read `openstack:*` stack config. */
export function configureOpenStack(config: ConfigSource | undefined): void {
  pulumiGet = config ? (key) => config.get(`openstack:${key}`) : undefined;
  glance = undefined;
}

/** The Glance client of this process, authenticated on first use from stack config, OS_* env, clouds.yaml. */
export function glanceClient(): Promise<GlanceClient> {
  if (!glance) {
    const pending = OpenStackSession.fromSources({ ...(pulumiGet ? { pulumiGet } : {}), env: process.env })
      .then((session) => session.serviceClient("image"))
      .then((service) => new GlanceClient(service));
    pending.catch(() => {
      if (glance === pending) glance = undefined;
    });
    glance = pending;
  }
  return glance;
}

/** For tests that drive a provider in-process with a client of their choosing. */
export function useGlanceClient(client: GlanceClient | undefined): void {
  glance = client ? Promise.resolve(client) : undefined;
}
