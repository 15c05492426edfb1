import { runPool } from "../common/pool";
import { listImages, type GlanceClient } from "../glance";
import { flavorImageTag, GONE_AMPHORA_STATUSES, listAmphorae, listLoadBalancers, type Amphora, type LoadBalancer } from "../octavia/client";
import type { ServiceClient } from "../openstack/service-client";
import type { AmphoraFleetRotationInputs } from "./inputs";

/**
 * The fleet as Octavia and Glance show it now, read with a handful of paged list calls whatever its size: the
 * load balancers, all amphorae (one list, grouped by load balancer), each distinct flavor's `amp_image_tag`, and
 * for each tag the image Octavia would boot (Octavia's own choice: the newest active image with the tag, of
 * `imageOwner` when set). Read-only: diff, refresh and every up start from it, so progress is never kept in
 * state and an interrupted rotation continues where the cloud says it is.
 */

export interface FleetMember {
  id: string;
  name: string;
  provisioningStatus: string;
  operatingStatus: string;
  /** One amphora (role STANDALONE): its VIP is down during a failover. */
  standalone: boolean;
  /** The tag its amphorae boot from (its flavor's, else `imageTag`). */
  tag: string;
  /** Image ids of its serving amphorae (absent image ids as ""). */
  images: string[];
  /** Ids of its serving amphorae. */
  amphoraIds: string[];
}

export interface Fleet {
  members: FleetMember[];
  /** Tag → the image Octavia boots for it now; absent when no active image carries the tag. */
  targets: Record<string, string>;
}

const serving = (a: Amphora): boolean => !GONE_AMPHORA_STATUSES.has(a.status);

function selected(lb: LoadBalancer, inputs: AmphoraFleetRotationInputs): boolean {
  if (lb.provisioning_status === "DELETED" || lb.provisioning_status === "PENDING_DELETE") return false;
  // Octavia filters by project_id too; checked again because a load balancer of another project is never ours to fail over.
  if (inputs.projectId !== undefined && lb.project_id !== inputs.projectId) return false;
  if (inputs.loadBalancers && !inputs.loadBalancers.includes(lb.id)) return false;
  if (inputs.flavorIds && !inputs.flavorIds.includes(lb.flavor_id ?? "")) return false;
  return true;
}

/** Octavia's choice for a tag: `GET /v2/images?tag=&status=active[&owner=]&sort=created_at:desc&limit=2`. */
export async function imageForTag(glance: GlanceClient, tag: string, owner: string | undefined): Promise<string | undefined> {
  for await (const image of listImages(glance, {
    tag,
    status: "active",
    ...(owner !== undefined ? { owner } : {}),
    visibility: "all",
    sort: "created_at:desc",
    limit: 2,
  })) {
    return image.id;
  }
  return undefined;
}

/** Reads of flavors and tags' images in flight at once (they do not depend on each other). */
const READS_IN_FLIGHT = 4;

/** `read` over `items`, READS_IN_FLIGHT at once; the first failure is thrown. */
async function readAll<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  return (await runPool(items, READS_IN_FLIGHT, read)).map((r) => {
    if (r.status === "fulfilled") return r.value;
    throw r.status === "rejected" ? r.reason : new Error("a fleet read was skipped");
  });
}

async function amphoraeByLoadBalancer(octavia: ServiceClient, pageSize: number): Promise<Map<string, Amphora[]>> {
  const amphorae = new Map<string, Amphora[]>();
  for (const a of await listAmphorae(octavia, {}, pageSize)) {
    if (!a.loadbalancer_id || !serving(a)) continue;
    amphorae.set(a.loadbalancer_id, [...(amphorae.get(a.loadbalancer_id) ?? []), a]);
  }
  return amphorae;
}

/** Each flavor's tag (its `amp_image_tag`, else `imageTag`) and each tag's image, for the load balancers read. */
async function tagsAndTargets(
  octavia: ServiceClient,
  glance: GlanceClient,
  lbs: LoadBalancer[],
  inputs: AmphoraFleetRotationInputs,
): Promise<{ flavorTags: Map<string, string>; targets: Record<string, string> }> {
  const flavorIds = [...new Set(lbs.map((lb) => lb.flavor_id).filter((f): f is string => !!f))];
  const flavorTags = new Map(
    await readAll(flavorIds, async (flavorId) => [flavorId, (await flavorImageTag(octavia, flavorId)) ?? inputs.imageTag] as const),
  );
  const tags = [...new Set(lbs.map((lb) => (lb.flavor_id && flavorTags.get(lb.flavor_id)) || inputs.imageTag))].sort();
  const targets: Record<string, string> = {};
  for (const [tag, id] of await readAll(tags, async (tag) => [tag, await imageForTag(glance, tag, inputs.imageOwner)] as const)) {
    if (id !== undefined) targets[tag] = id;
  }
  return { flavorTags, targets };
}

export async function readFleet(octavia: ServiceClient, glance: GlanceClient, inputs: AmphoraFleetRotationInputs): Promise<Fleet> {
  const query: Record<string, string> = inputs.projectId !== undefined ? { project_id: inputs.projectId } : {};
  const lbs = (await listLoadBalancers(octavia, query, inputs.pageSize)).filter((lb) => selected(lb, inputs));
  // The amphorae and the tags' images are independent reads: together, a fleet read waits for the longer one only.
  const [amphorae, { flavorTags, targets }] = await Promise.all([
    lbs.length ? amphoraeByLoadBalancer(octavia, inputs.pageSize) : new Map<string, Amphora[]>(),
    tagsAndTargets(octavia, glance, lbs, inputs),
  ]);
  const members = lbs
    .map((lb): FleetMember => {
      const amps = amphorae.get(lb.id) ?? [];
      return {
        id: lb.id,
        name: lb.name ?? "",
        provisioningStatus: lb.provisioning_status,
        operatingStatus: lb.operating_status,
        standalone: amps.length === 1 && amps[0]?.role === "STANDALONE",
        tag: (lb.flavor_id && flavorTags.get(lb.flavor_id)) || inputs.imageTag,
        images: amps.map((a) => a.image_id ?? "").sort(),
        amphoraIds: amps.map((a) => a.id).sort(),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { members, targets };
}
