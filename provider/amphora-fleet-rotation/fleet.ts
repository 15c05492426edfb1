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

export async function readFleet(octavia: ServiceClient, glance: GlanceClient, inputs: AmphoraFleetRotationInputs): Promise<Fleet> {
  const query: Record<string, string> = inputs.projectId !== undefined ? { project_id: inputs.projectId } : {};
  const lbs = (await listLoadBalancers(octavia, query, inputs.pageSize)).filter((lb) => selected(lb, inputs));
  const amphorae = new Map<string, Amphora[]>();
  if (lbs.length) {
    for (const a of await listAmphorae(octavia, {}, inputs.pageSize)) {
      if (!a.loadbalancer_id || !serving(a)) continue;
      amphorae.set(a.loadbalancer_id, [...(amphorae.get(a.loadbalancer_id) ?? []), a]);
    }
  }
  const flavorTags = new Map<string, string>();
  for (const flavorId of new Set(lbs.map((lb) => lb.flavor_id).filter((f): f is string => !!f))) {
    flavorTags.set(flavorId, (await flavorImageTag(octavia, flavorId)) ?? inputs.imageTag);
  }
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
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const targets: Record<string, string> = {};
  for (const tag of [...new Set(members.map((m) => m.tag))].sort()) {
    const id = await imageForTag(glance, tag, inputs.imageOwner);
    if (id !== undefined) targets[tag] = id;
  }
  return { members, targets };
}
