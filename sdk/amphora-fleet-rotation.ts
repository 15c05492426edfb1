import * as pulumi from "@pulumi/pulumi";
import type { AmphoraFleetRotationArgsInput } from "../provider/amphora-fleet-rotation/inputs";
import { packageProvider } from "./internal/provider-shim";

/**
 * Rolls Octavia's load balancers onto the image their amphorae now boot from, after the amphora tag moved
 * (GlanceTaggedImage): the load balancers whose serving amphorae are not on that image are failed over
 * (`PUT /v2/lbaas/loadbalancers/{id}/failover`), canary first, then in batches, each behind a health gate
 * (provisioning status `ACTIVE`, an accepted operating status, every amphora on the target image). The first
 * failure stops the rotation and names the load balancer; the rest are left untouched. The preview lists exactly
 * which load balancers an up would fail over; progress is read from Octavia on every run, so an interrupted
 * rotation continues on the next up.
 *
 *   const amphora = new GlanceTaggedImage("amphora", { tag: "amphora", ... });
 *   new AmphoraFleetRotation("fleet", { imageTag: "amphora", canary: 1, batchSize: 5, concurrency: 2 },
 *     { dependsOn: [amphora] });
 *
 * Notes:
 * - Failover and the amphora API are admin-only under Octavia's default policies (`load-balancer_admin` or
 *   `admin`): use an admin session.
 * - Each failover builds a new amphora before deleting the old one: compute quota needs room for `concurrency`
 *   extra amphorae.
 */
export type AmphoraFleetRotationArgs = { [K in keyof AmphoraFleetRotationArgsInput]: pulumi.Input<AmphoraFleetRotationArgsInput[K]> };

const provider = packageProvider("amphora-fleet-rotation/provider");

/** Output properties: registered as undefined so that the engine fills them in. */
const OUTPUTS = ["targetImages", "amphoraeByImage", "onTarget", "rotated", "pending", "skipped", "failed", "checkedAt"] as const;

export class AmphoraFleetRotation extends pulumi.dynamic.Resource {
  declare readonly imageTag: pulumi.Output<string>;
  /** Tag → the image Octavia boots for it now. */
  declare readonly targetImages: pulumi.Output<Record<string, string>>;
  /** Image id → serving amphorae of the selected load balancers on it. */
  declare readonly amphoraeByImage: pulumi.Output<Record<string, number>>;
  /** Load balancers whose amphorae are all on their target image. */
  declare readonly onTarget: pulumi.Output<string[]>;
  /** Load balancers failed over by the last create/update. */
  declare readonly rotated: pulumi.Output<string[]>;
  /** Load balancers still to fail over. */
  declare readonly pending: pulumi.Output<string[]>;
  /** Load balancer id → why it is not rotated. */
  declare readonly skipped: pulumi.Output<Record<string, string>>;
  /** Load balancer id → why its failover or gate failed. */
  declare readonly failed: pulumi.Output<Record<string, string>>;
  /** ISO time of the last create/update/refresh. */
  declare readonly checkedAt: pulumi.Output<string>;

  constructor(name: string, args: AmphoraFleetRotationArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { ...args };
    for (const key of OUTPUTS) props[key] = undefined;
    super(provider, name, props, opts, "amphora", "AmphoraFleetRotation");
  }
}
