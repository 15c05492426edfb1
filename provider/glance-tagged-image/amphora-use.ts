/**
 * Which of this resource's earlier images Octavia's amphorae still boot from, asked before retention deactivates or
 * deletes any: an image in use stays as it is (a deactivated image cannot be booted again by Nova for a rebuild, a
 * deleted one is gone for the amphorae that a failover has not replaced yet).
 *
 * Three answers, because "nobody uses it" must never be assumed from silence:
 *   inUse     Octavia's amphora list, counted per image; empty when the region's catalog has no load-balancer
 *             endpoint (no Octavia boots from this Glance).
 *   unknown   The session may not read Octavia's admin-only amphora API (amphoraImagesInUse's answer): retention
 *             goes ahead, and the plan says it did not check.
 *   failed    Octavia was asked and did not answer: every image retention would deactivate or delete is kept this
 *             run, and the next run decides again.
 */
import { serviceWords } from "../common/errors";
import { amphoraImagesInUse, type ImagesInUse } from "../octavia/images-in-use";
import { EndpointNotFoundError } from "../openstack/errors";
import type { ServiceClient } from "../openstack/service-client";

export type AmphoraUse = ImagesInUse | { failed: string };

export async function readAmphoraUse(connectOctavia: () => Promise<ServiceClient>): Promise<AmphoraUse> {
  let octavia: ServiceClient;
  try {
    octavia = await connectOctavia();
  } catch (err) {
    if (err instanceof EndpointNotFoundError) return { inUse: new Map() };
    return { failed: `connecting to Octavia: ${serviceWords(err)}` };
  }
  try {
    return await amphoraImagesInUse(octavia);
  } catch (err) {
    return { failed: `Octavia's amphora list: ${serviceWords(err)}` };
  }
}
