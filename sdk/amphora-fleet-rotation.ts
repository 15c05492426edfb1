import * as pulumi from "@pulumi/pulumi";
import type { AmphoraFleetRotationArgsInput } from "../provider/amphora-fleet-rotation/inputs";
import type { AmphoraFleetRotationOutputs } from "../provider/amphora-fleet-rotation/outputs";
import { packageProvider } from "./internal/provider-shim";

const provider = packageProvider("amphora-fleet-rotation/provider");

// generated:declarations (from the zod schemas by docs/tools/generate.ts: run `npm run docs`, do not edit)
/** The arguments of AmphoraFleetRotation, each an `Input` of exactly what `check` accepts (closed sets stay closed). */
export interface AmphoraFleetRotationArgs {
  /**
   * Octavia's `[controller_worker] amp_image_tag`: load balancers whose flavor sets no `amp_image_tag` rotate onto the
   * newest active image with this tag (Octavia's own choice). Flavors with their own tag rotate onto theirs. At most
   * 255 characters.
   */
  imageTag: pulumi.Input<AmphoraFleetRotationArgsInput["imageTag"]>;
  /**
   * The image the rotation must roll onto, e.g. a GlanceTaggedImage's `imageId`. Before any failover the rotation
   * checks that `imageTag` resolves to exactly this image in Octavia's choice (active, carrying the tag, of
   * `imageOwner` when set, the newest such) and refuses otherwise (`ERR_PREFLIGHT`). At most 64 characters.
   */
  imageId?: pulumi.Input<AmphoraFleetRotationArgsInput["imageId"]>;
  /**
   * Octavia's `[controller_worker] amp_image_owner_id`: only this project's images count, as in Octavia. At most 64
   * characters.
   */
  imageOwner?: pulumi.Input<AmphoraFleetRotationArgsInput["imageOwner"]>;
  /** Only these load balancers (ids); default all the session sees. */
  loadBalancers?: pulumi.Input<AmphoraFleetRotationArgsInput["loadBalancers"]>;
  /** Only load balancers of this project. At most 64 characters. */
  projectId?: pulumi.Input<AmphoraFleetRotationArgsInput["projectId"]>;
  /** Only load balancers with one of these Octavia flavors. */
  flavorIds?: pulumi.Input<AmphoraFleetRotationArgsInput["flavorIds"]>;
  /**
   * Load balancers failed over first, one at a time, each through its gate, before any batch. Range 0 to 100.
   *
   * @defaultValue `1`
   */
  canary?: pulumi.Input<AmphoraFleetRotationArgsInput["canary"]>;
  /**
   * Load balancers per batch after the canary. Range 1 to 100.
   *
   * @defaultValue `1`
   */
  batchSize?: pulumi.Input<AmphoraFleetRotationArgsInput["batchSize"]>;
  /**
   * Failovers of a batch in flight at once (at most `batchSize`); Octavia's worker builds one amphora each. Range 1 to
   * 100.
   *
   * @defaultValue `1`
   */
  concurrency?: pulumi.Input<AmphoraFleetRotationArgsInput["concurrency"]>;
  /**
   * Pause before each batch, after the gates of the canary or of the previous batch (a soak time). Range 0 to 3600.
   *
   * @defaultValue `0`
   */
  pauseSeconds?: pulumi.Input<AmphoraFleetRotationArgsInput["pauseSeconds"]>;
  /**
   * Failed load balancers (failover refused, gate failed, timed out) tolerated after the canary: the rotation goes on
   * until one more fails, then stops. A canary failure always stops it. The up fails whenever one failed. Range 0 to
   * 1000.
   *
   * @defaultValue `0`
   */
  maxFailures?: pulumi.Input<AmphoraFleetRotationArgsInput["maxFailures"]>;
  /**
   * A load balancer in `PENDING_*` (another operation on it) at its turn: `wait` until it ends
   * (`timeouts.pendingSeconds`), then fail it over unless it is already on the target image; `skip` reports it in
   * `skipped`. One of `wait`, `skip`.
   *
   * @defaultValue `"wait"`
   */
  whenPending?: pulumi.Input<AmphoraFleetRotationArgsInput["whenPending"]>;
  /**
   * Also fail over load balancers in provisioning status `ERROR` (Octavia allows it).
   *
   * @defaultValue `false`
   */
  includeErrored?: pulumi.Input<AmphoraFleetRotationArgsInput["includeErrored"]>;
  /**
   * Also rotate `SINGLE` load balancers (one amphora: their VIP is down during the failover). They go last. Without
   * this they are reported as skipped.
   *
   * @defaultValue `false`
   */
  allowStandalone?: pulumi.Input<AmphoraFleetRotationArgsInput["allowStandalone"]>;
  /**
   * What a load balancer must show after its failover before the next batch starts: provisioning status `ACTIVE`, an
   * accepted operating status, and every amphora on the target image.
   *
   * - `operatingStatuses`: Operating statuses a load balancer may have after its failover. `ONLINE` needs Octavia's
   *   health manager (amphora heartbeats); add `OFFLINE` only where no health manager runs. At least 1 entry. Default
   *   `["ONLINE"]`.
   */
  healthGate?: pulumi.Input<AmphoraFleetRotationArgsInput["healthGate"]>;
  /**
   * Items per page of Octavia's list calls. Range 1 to 1000.
   *
   * @defaultValue `1000`
   */
  pageSize?: pulumi.Input<AmphoraFleetRotationArgsInput["pageSize"]>;
  /**
   * Time limits of the failovers.
   *
   * - `failoverSeconds`: Bound of one load balancer's failover, from the request to its gate. Octavia's worst case with
   *   default retries (compute build, amphora connection, VRRP) is about 40 minutes. Range > 0, ≤ 86400. Default
   *   `2400`.
   * - `pendingSeconds`: Bound of the wait, at a load balancer's turn, for another operation on it (`PENDING_*`, Octavia
   *   answers 409 to a failover meanwhile) to end; with `whenPending: "wait"`. Range 0 to 86400. Default `2400`.
   * - `pollSeconds`: How often a failing-over load balancer is polled (and one waited for in `PENDING_*`). Near a
   *   failover's expected end its polls come closer, 0.15 of the distance to it down to 0.05 s (or 1 % of the expected
   *   time), 40 times at most (at most 40 requests more per failover). The expected end: alone (a canary, batches of
   *   one) the median of this up's latest three failovers alone; in a batch when its first failover ended; but while
   *   amphora lists watch the replacement (every 0.2 s or 5 % of the expected time, from half of it, 30 at most),
   *   nothing: a failover cannot end ACTIVE before, and once one shows it complete (as many amphorae as before, all
   *   new, ALLOCATED and on the target image: this also decides the image gate), the time this up's failovers took from
   *   there. Range 0.05 to 60. Default `5`.
   */
  timeouts?: pulumi.Input<AmphoraFleetRotationArgsInput["timeouts"]>;
}

/** The output properties: registered as undefined (unless given as arguments) so that the engine fills them in. */
const OUTPUTS = [
  "imageTag", "imageId", "imageOwner", "loadBalancers", "projectId", "flavorIds", "canary", "batchSize", "concurrency",
  "pauseSeconds", "maxFailures", "whenPending", "includeErrored", "allowStandalone", "healthGate", "pageSize",
  "timeouts", "targetImages", "amphoraeByImage", "onTarget", "rotated", "pending", "skipped", "failed", "checkedAt",
] as const;
// /generated:declarations

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
export class AmphoraFleetRotation extends pulumi.dynamic.Resource {
  // generated:properties (from the zod schemas by docs/tools/generate.ts: run `npm run docs`, do not edit)
  /**
   * Octavia's `[controller_worker] amp_image_tag`: load balancers whose flavor sets no `amp_image_tag` rotate onto the
   * newest active image with this tag (Octavia's own choice). Flavors with their own tag rotate onto theirs. At most
   * 255 characters.
   */
  declare readonly imageTag: pulumi.Output<AmphoraFleetRotationOutputs["imageTag"]>;
  /**
   * The image the rotation must roll onto, e.g. a GlanceTaggedImage's `imageId`. Before any failover the rotation
   * checks that `imageTag` resolves to exactly this image in Octavia's choice (active, carrying the tag, of
   * `imageOwner` when set, the newest such) and refuses otherwise (`ERR_PREFLIGHT`). At most 64 characters.
   */
  declare readonly imageId: pulumi.Output<AmphoraFleetRotationOutputs["imageId"]>;
  /**
   * Octavia's `[controller_worker] amp_image_owner_id`: only this project's images count, as in Octavia. At most 64
   * characters.
   */
  declare readonly imageOwner: pulumi.Output<AmphoraFleetRotationOutputs["imageOwner"]>;
  /** Only these load balancers (ids); default all the session sees. */
  declare readonly loadBalancers: pulumi.Output<AmphoraFleetRotationOutputs["loadBalancers"]>;
  /** Only load balancers of this project. At most 64 characters. */
  declare readonly projectId: pulumi.Output<AmphoraFleetRotationOutputs["projectId"]>;
  /** Only load balancers with one of these Octavia flavors. */
  declare readonly flavorIds: pulumi.Output<AmphoraFleetRotationOutputs["flavorIds"]>;
  /** Load balancers failed over first, one at a time, each through its gate, before any batch. Range 0 to 100. */
  declare readonly canary: pulumi.Output<AmphoraFleetRotationOutputs["canary"]>;
  /** Load balancers per batch after the canary. Range 1 to 100. */
  declare readonly batchSize: pulumi.Output<AmphoraFleetRotationOutputs["batchSize"]>;
  /**
   * Failovers of a batch in flight at once (at most `batchSize`); Octavia's worker builds one amphora each. Range 1 to
   * 100.
   */
  declare readonly concurrency: pulumi.Output<AmphoraFleetRotationOutputs["concurrency"]>;
  /** Pause before each batch, after the gates of the canary or of the previous batch (a soak time). Range 0 to 3600. */
  declare readonly pauseSeconds: pulumi.Output<AmphoraFleetRotationOutputs["pauseSeconds"]>;
  /**
   * Failed load balancers (failover refused, gate failed, timed out) tolerated after the canary: the rotation goes on
   * until one more fails, then stops. A canary failure always stops it. The up fails whenever one failed. Range 0 to
   * 1000.
   */
  declare readonly maxFailures: pulumi.Output<AmphoraFleetRotationOutputs["maxFailures"]>;
  /**
   * A load balancer in `PENDING_*` (another operation on it) at its turn: `wait` until it ends
   * (`timeouts.pendingSeconds`), then fail it over unless it is already on the target image; `skip` reports it in
   * `skipped`. One of `wait`, `skip`.
   */
  declare readonly whenPending: pulumi.Output<AmphoraFleetRotationOutputs["whenPending"]>;
  /** Also fail over load balancers in provisioning status `ERROR` (Octavia allows it). */
  declare readonly includeErrored: pulumi.Output<AmphoraFleetRotationOutputs["includeErrored"]>;
  /**
   * Also rotate `SINGLE` load balancers (one amphora: their VIP is down during the failover). They go last. Without
   * this they are reported as skipped.
   */
  declare readonly allowStandalone: pulumi.Output<AmphoraFleetRotationOutputs["allowStandalone"]>;
  /**
   * What a load balancer must show after its failover before the next batch starts: provisioning status `ACTIVE`, an
   * accepted operating status, and every amphora on the target image.
   *
   * - `operatingStatuses`: Operating statuses a load balancer may have after its failover. `ONLINE` needs Octavia's
   *   health manager (amphora heartbeats); add `OFFLINE` only where no health manager runs. At least 1 entry.
   */
  declare readonly healthGate: pulumi.Output<AmphoraFleetRotationOutputs["healthGate"]>;
  /** Items per page of Octavia's list calls. Range 1 to 1000. */
  declare readonly pageSize: pulumi.Output<AmphoraFleetRotationOutputs["pageSize"]>;
  /**
   * Time limits of the failovers.
   *
   * - `failoverSeconds`: Bound of one load balancer's failover, from the request to its gate. Octavia's worst case with
   *   default retries (compute build, amphora connection, VRRP) is about 40 minutes. Range > 0, ≤ 86400.
   * - `pendingSeconds`: Bound of the wait, at a load balancer's turn, for another operation on it (`PENDING_*`, Octavia
   *   answers 409 to a failover meanwhile) to end; with `whenPending: "wait"`. Range 0 to 86400.
   * - `pollSeconds`: How often a failing-over load balancer is polled (and one waited for in `PENDING_*`). Near a
   *   failover's expected end its polls come closer, 0.15 of the distance to it down to 0.05 s (or 1 % of the expected
   *   time), 40 times at most (at most 40 requests more per failover). The expected end: alone (a canary, batches of
   *   one) the median of this up's latest three failovers alone; in a batch when its first failover ended; but while
   *   amphora lists watch the replacement (every 0.2 s or 5 % of the expected time, from half of it, 30 at most),
   *   nothing: a failover cannot end ACTIVE before, and once one shows it complete (as many amphorae as before, all
   *   new, ALLOCATED and on the target image: this also decides the image gate), the time this up's failovers took from
   *   there. Range 0.05 to 60.
   */
  declare readonly timeouts: pulumi.Output<AmphoraFleetRotationOutputs["timeouts"]>;
  /**
   * Tag → the image Octavia boots for it now (newest active image with the tag), for the tags of the selected load
   * balancers.
   */
  declare readonly targetImages: pulumi.Output<AmphoraFleetRotationOutputs["targetImages"]>;
  /**
   * Image id → serving amphorae of the selected load balancers on it (`""`: amphorae Octavia reports without an image).
   */
  declare readonly amphoraeByImage: pulumi.Output<AmphoraFleetRotationOutputs["amphoraeByImage"]>;
  /** Load balancers whose amphorae are all on their target image. */
  declare readonly onTarget: pulumi.Output<AmphoraFleetRotationOutputs["onTarget"]>;
  /** Load balancers failed over (and through their gate) by the last create/update. */
  declare readonly rotated: pulumi.Output<AmphoraFleetRotationOutputs["rotated"]>;
  /** Load balancers still to fail over (planned, skipped or failed). */
  declare readonly pending: pulumi.Output<AmphoraFleetRotationOutputs["pending"]>;
  /** Load balancer id → why it is not rotated (not ACTIVE, SINGLE without allowStandalone, no image). */
  declare readonly skipped: pulumi.Output<AmphoraFleetRotationOutputs["skipped"]>;
  /** Load balancer id → why its failover or gate failed (the last create/update stopped there). */
  declare readonly failed: pulumi.Output<AmphoraFleetRotationOutputs["failed"]>;
  /** ISO time of the last create/update/refresh. */
  declare readonly checkedAt: pulumi.Output<AmphoraFleetRotationOutputs["checkedAt"]>;
  // /generated:properties

  constructor(name: string, args: AmphoraFleetRotationArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { ...args };
    for (const key of OUTPUTS) if (!(key in props)) props[key] = undefined;
    super(provider, name, props, opts, "amphora", "AmphoraFleetRotation");
  }
}
