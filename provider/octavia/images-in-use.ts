import { isStatus } from "../openstack/errors";
import type { ServiceClient } from "../openstack/service-client";
import { GONE_AMPHORA_STATUSES, listAmphorae } from "./client";

/**
 * Which images Octavia's amphorae still boot from, for whoever is about to deactivate or delete images (retention):
 * one paged `GET /v2/octavia/amphorae` list, counted per `image_id`, amphorae on their way out left aside. The
 * amphora API is admin-only under Octavia's default policies, so a session that may not read it gets `unknown` with
 * Octavia's answer instead of an empty (and wrongly reassuring) set.
 *
 *   const use = await amphoraImagesInUse(octavia);
 *   if ("inUse" in use && use.inUse.has(imageId)) keep(imageId, `${use.inUse.get(imageId)} amphorae boot from it`);
 */

export type ImagesInUse =
  /** Image id → serving amphorae on it. */
  | { inUse: ReadonlyMap<string, number> }
  /** Why it cannot be known (the session may not read the amphora API, ...). */
  | { unknown: string };

export async function amphoraImagesInUse(octavia: ServiceClient, pageSize = 1000): Promise<ImagesInUse> {
  let amphorae;
  try {
    amphorae = await listAmphorae(octavia, {}, pageSize);
  } catch (err) {
    if (isStatus(err, 401, 403)) return { unknown: `this session may not read Octavia's amphora API (${err.status} ${err.serviceMessage ?? err.message})` };
    throw err;
  }
  const inUse = new Map<string, number>();
  for (const a of amphorae) {
    if (GONE_AMPHORA_STATUSES.has(a.status) || !a.image_id) continue;
    inUse.set(a.image_id, (inUse.get(a.image_id) ?? 0) + 1);
  }
  return { inUse };
}
