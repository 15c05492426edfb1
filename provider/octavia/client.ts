import { z } from "zod";
import type { ServiceClient } from "../openstack/service-client";

/**
 * The few Octavia API calls fleet rotation needs (Octavia v2, Zed and later), on a ServiceClient of the
 * `load-balancer` catalog entry. Lists follow Octavia's `<collection>_links` `next` links (`limit`/`marker`
 * paging), so a fleet of any size costs one request per page, never one per load balancer.
 *
 *   const lbs = await listLoadBalancers(octavia, { project_id: "…" });
 *   await failoverLoadBalancer(octavia, lbs[0].id);   // 202; 409 unless ACTIVE or ERROR
 */

export const LoadBalancer = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  project_id: z.string(),
  provisioning_status: z.string(),
  operating_status: z.string(),
  flavor_id: z.string().nullish(),
  provider: z.string().nullish(),
});
export type LoadBalancer = z.infer<typeof LoadBalancer>;

export const Amphora = z.looseObject({
  id: z.string(),
  loadbalancer_id: z.string().nullish(),
  status: z.string(),
  role: z.string().nullish(),
  image_id: z.string().nullish(),
  created_at: z.string().nullish(),
});
export type Amphora = z.infer<typeof Amphora>;

const Links = z.array(z.looseObject({ href: z.string(), rel: z.string() })).nullish();

/** Amphora statuses of amphorae that no longer serve (left out of a load balancer's amphorae). */
export const GONE_AMPHORA_STATUSES: ReadonlySet<string> = new Set(["DELETED", "PENDING_DELETE"]);

/** Every page of one Octavia collection, `key` being its JSON key (`loadbalancers`, `amphorae`). */
async function listAll<T>(
  c: ServiceClient,
  path: string,
  key: string,
  item: z.ZodType<T>,
  query: Record<string, string>,
  pageSize: number,
): Promise<T[]> {
  const page = z.object({ [key]: z.array(item), [`${key}_links`]: Links });
  const all: T[] = [];
  const pageUrl = (marker?: string): string =>
    `${c.endpoint}${path}?${new URLSearchParams({ ...query, limit: String(pageSize), ...(marker !== undefined ? { marker } : {}) })}`;
  let url: string | undefined = pageUrl();
  while (url !== undefined) {
    const body = page.parse(await c.http.get(url).json()) as Record<string, unknown>;
    const items = body[key] as T[];
    all.push(...items);
    const next = (body[`${key}_links`] as z.infer<typeof Links>)?.find((l) => l.rel === "next")?.href;
    // Octavia's next link keeps only limit, sort and marker (api/common/pagination.py): followed as it is, a list
    // filtered by project_id would go on with every project's load balancers. Only its marker is taken.
    const marker = next && items.length > 0 ? (new URL(next, `${c.endpoint}/`).searchParams.get("marker") ?? undefined) : undefined;
    url = marker !== undefined ? pageUrl(marker) : undefined;
  }
  return all;
}

export function listLoadBalancers(c: ServiceClient, query: Record<string, string> = {}, pageSize = 1000): Promise<LoadBalancer[]> {
  return listAll(c, "/v2/lbaas/loadbalancers", "loadbalancers", LoadBalancer, query, pageSize);
}

/** `GET /v2/octavia/amphorae` (admin API). */
export function listAmphorae(c: ServiceClient, query: Record<string, string> = {}, pageSize = 1000): Promise<Amphora[]> {
  return listAll(c, "/v2/octavia/amphorae", "amphorae", Amphora, query, pageSize);
}

export async function getLoadBalancer(c: ServiceClient, id: string): Promise<LoadBalancer> {
  const body = z.object({ loadbalancer: LoadBalancer }).parse(await c.http.get(`${c.endpoint}/v2/lbaas/loadbalancers/${id}`).json());
  return body.loadbalancer;
}

/**
 * `PUT /v2/lbaas/loadbalancers/{id}/failover` (202). Never retried: a repeated failover is a second failover
 * (Octavia answers 409 while the first runs).
 */
export async function failoverLoadBalancer(c: ServiceClient, id: string): Promise<void> {
  await c.http.put(`${c.endpoint}/v2/lbaas/loadbalancers/${id}/failover`, { retry: { limit: 0 } });
}

/** The `amp_image_tag` of an Octavia flavor (its flavor profile's `flavor_data`), if it sets one. */
export async function flavorImageTag(c: ServiceClient, flavorId: string): Promise<string | undefined> {
  const flavor = z
    .object({ flavor: z.looseObject({ flavor_profile_id: z.string() }) })
    .parse(await c.http.get(`${c.endpoint}/v2/lbaas/flavors/${flavorId}`).json()).flavor;
  const profile = z
    .object({ flavorprofile: z.looseObject({ flavor_data: z.string() }) })
    .parse(await c.http.get(`${c.endpoint}/v2/lbaas/flavorprofiles/${flavor.flavor_profile_id}`).json()).flavorprofile;
  const data = z.record(z.string(), z.unknown()).safeParse(JSON.parse(profile.flavor_data)).data ?? {};
  return typeof data.amp_image_tag === "string" && data.amp_image_tag !== "" ? data.amp_image_tag : undefined;
}
