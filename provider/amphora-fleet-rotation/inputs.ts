import { z } from "zod";
import { once } from "../common/once";
import { text, uniqueTexts } from "../common/text-input";

/**
 * Inputs of AmphoraFleetRotation, the single source of its input types (built on first use, see common/once.ts).
 */

function count(max: number) {
  return z.number().int("must be a whole number").min(1, "must be at least 1").max(max);
}

/** Octavia's load balancer operating statuses. */
export const OPERATING_STATUSES = ["ONLINE", "DRAINING", "OFFLINE", "DEGRADED", "ERROR", "NO_MONITOR"] as const;

function healthGateSchema() {
  return z
    .strictObject({
      operatingStatuses: z
        .array(z.enum(OPERATING_STATUSES))
        .min(1, "must list at least one status")
        .default(["ONLINE"])
        .describe(
          "Operating statuses a load balancer may have after its failover. `ONLINE` needs Octavia's health manager " +
            "(amphora heartbeats); add `OFFLINE` only where no health manager runs.",
        ),
    })
    .default({ operatingStatuses: ["ONLINE"] })
    .describe(
      "What a load balancer must show after its failover before the next batch starts: provisioning status `ACTIVE`, " +
        "an accepted operating status, and every amphora on the target image.",
    );
}

function timeoutsSchema() {
  return z
    .strictObject({
      failoverSeconds: z
        .number()
        .positive("must be positive")
        .max(86400)
        .default(2400)
        .describe(
          "Bound of one load balancer's failover, from the request to its gate. Octavia's worst case with default " +
            "retries (compute build, amphora connection, VRRP) is about 40 minutes.",
        ),
      pendingSeconds: z
        .number()
        .min(0, "must not be negative")
        .max(86400)
        .default(2400)
        .describe(
          "Bound of the wait, at a load balancer's turn, for another operation on it (`PENDING_*`, Octavia answers " +
            "409 to a failover meanwhile) to end; with `whenPending: \"wait\"`.",
        ),
      pollSeconds: z
        .number()
        .min(0.05, "must be at least 0.05")
        .max(60)
        .default(5)
        .describe(
          "How often a failing-over load balancer is polled (and one waited for in `PENDING_*`). Near a failover's " +
            "expected end its polls come closer, 0.15 of the distance to it down to 0.05 s (or 1 % of the expected " +
            "time), 40 times at most (at most 40 requests more per failover). The expected end: alone (a canary, " +
            "batches of one) the median of this up's latest three failovers alone; in a batch when its first failover " +
            "ended; but while amphora lists watch the replacement (every 0.2 s or 5 % of the expected time, from half " +
            "of it, 30 at most), nothing: a failover cannot end ACTIVE before, and once one shows it complete (as many " +
            "amphorae as before, all new, ALLOCATED and on the target image: this also decides the image gate), the " +
            "time this up's failovers took from there.",
        ),
    })
    .default({ failoverSeconds: 2400, pendingSeconds: 2400, pollSeconds: 5 })
    .describe("Time limits of the failovers.");
}

export const amphoraFleetRotationInputsSchema = once(function amphoraFleetRotationInputsSchema() {
  return z.strictObject({
    imageTag: text().describe(
      "Octavia's `[controller_worker] amp_image_tag`: load balancers whose flavor sets no `amp_image_tag` rotate onto " +
        "the newest active image with this tag (Octavia's own choice). Flavors with their own tag rotate onto theirs.",
    ),
    imageId: text(64)
      .optional()
      .describe(
        "The image the rotation must roll onto, e.g. a GlanceTaggedImage's `imageId`. Before any failover the rotation " +
          "checks that `imageTag` resolves to exactly this image in Octavia's choice (active, carrying the tag, of " +
          "`imageOwner` when set, the newest such) and refuses otherwise (`ERR_PREFLIGHT`).",
      ),
    imageOwner: text(64)
      .optional()
      .describe("Octavia's `[controller_worker] amp_image_owner_id`: only this project's images count, as in Octavia."),
    loadBalancers: uniqueTexts("load balancer id", 64).optional().describe("Only these load balancers (ids); default all the session sees."),
    projectId: text(64).optional().describe("Only load balancers of this project."),
    flavorIds: uniqueTexts("flavor id", 64).optional().describe("Only load balancers with one of these Octavia flavors."),
    canary: z
      .number()
      .int("must be a whole number")
      .min(0, "must not be negative")
      .max(100)
      .default(1)
      .describe("Load balancers failed over first, one at a time, each through its gate, before any batch."),
    batchSize: count(100).default(1).describe("Load balancers per batch after the canary."),
    concurrency: count(100)
      .default(1)
      .describe("Failovers of a batch in flight at once (at most `batchSize`); Octavia's worker builds one amphora each."),
    pauseSeconds: z.number().min(0).max(3600).default(0).describe("Pause before each batch, after the gates of the canary or of the previous batch (a soak time)."),
    maxFailures: z
      .number()
      .int("must be a whole number")
      .min(0, "must not be negative")
      .max(1000)
      .default(0)
      .describe(
        "Failed load balancers (failover refused, gate failed, timed out) tolerated after the canary: the rotation goes on " +
          "until one more fails, then stops. A canary failure always stops it. The up fails whenever one failed.",
      ),
    whenPending: z
      .enum(["wait", "skip"])
      .default("wait")
      .describe(
        "A load balancer in `PENDING_*` (another operation on it) at its turn: `wait` until it ends (`timeouts.pendingSeconds`), " +
          "then fail it over unless it is already on the target image; `skip` reports it in `skipped`.",
      ),
    includeErrored: z.boolean().default(false).describe("Also fail over load balancers in provisioning status `ERROR` (Octavia allows it)."),
    allowStandalone: z
      .boolean()
      .default(false)
      .describe(
        "Also rotate `SINGLE` load balancers (one amphora: their VIP is down during the failover). They go last. " +
          "Without this they are reported as skipped.",
      ),
    healthGate: healthGateSchema(),
    pageSize: count(1000).default(1000).describe("Items per page of Octavia's list calls."),
    timeouts: timeoutsSchema(),
  });
});

export type AmphoraFleetRotationArgsInput = z.input<ReturnType<typeof amphoraFleetRotationInputsSchema>>;
export type AmphoraFleetRotationInputs = z.output<ReturnType<typeof amphoraFleetRotationInputsSchema>>;
