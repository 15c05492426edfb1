/**
 * Fleet rotation: build the amphora image, publish it, move Octavia's tag to it, then roll the load balancers onto
 * it: a canary first, then the rest of the fleet in batches, each load balancer behind a health gate. The rotation
 * is pinned to the image this stack published (`imageId`): if the tag resolves to anything else when `up` runs
 * (another publisher, a newer image), it refuses before any failover.
 *
 * Config (Pulumi.<stack>.yaml, project namespace `fleet-rotation-example`):
 *   sizeGb            image size; a change rebuilds, publishes, moves the tag and rotates the fleet
 *   outputDir         where the image is written (default: build/ in this directory)
 *   tag               the amp_image_tag to own (default "amphora")
 *   flavorIds         comma-separated Octavia flavors whose load balancers rotate (default: all the session sees)
 *   canary            load balancers failed over first, one at a time (default 1)
 *   batchSize         load balancers per batch after the canary (default 5)
 *   concurrency       failovers in flight in a batch (default 2)
 *   pauseSeconds      soak time before each batch (default 60)
 *   maxFailures       failed load balancers tolerated after the canary (default 0: the first failure stops)
 *   operatingStatuses comma-separated operating statuses the gate accepts (default ONLINE; add OFFLINE only where
 *                     no health manager runs, as in the local test cloud)
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AmphoraFleetRotation, AmphoraImageBuild, GlanceTaggedImage } from "pulumi-amphora";

const config = new pulumi.Config();
const list = (key: string): string[] | undefined =>
  config
    .get(key)
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

// The fixture builder ships with this repository's tests: it writes a small valid qcow2 in seconds. For a real image
// use Octavia's diskimage-create.sh (see examples/amphora-pipeline).
const fixtureScript = path.resolve(__dirname, "..", "..", "test", "fixtures", "diskimage-create", "octavia", "diskimage-create", "diskimage-create.sh");
const outputDir = path.resolve(__dirname, config.get("outputDir") ?? "build");
mkdirSync(outputDir, { recursive: true });

const build = new AmphoraImageBuild("amphora-image", {
  frontEnd: "octavia",
  script: fixtureScript,
  output: path.join(outputDir, "amphora-x64-haproxy.qcow2"),
  sizeGb: config.getNumber("sizeGb") ?? 2,
  // The fixture's images have no boot loader: the boot check (on by default for diskimage-create.sh) is off.
  validation: { boot: { enabled: false } },
});

const image = new GlanceTaggedImage("amphora", {
  tag: config.get("tag") ?? "amphora",
  file: build.path,
  diskFormat: build.diskFormat,
  containerFormat: build.containerFormat,
  expectedSha512: build.sha512,
  name: pulumi.interpolate`amphora-haproxy-${build.buildKey.apply((k) => k.slice(0, 12))}`,
  // Running amphorae keep booting from older images until failed over: keep two for a rollback.
  retention: { keep: 2, action: "keep" },
});

const flavorIds = list("flavorIds");
const rotation = new AmphoraFleetRotation("fleet", {
  imageTag: image.octavia.ampImageTag,
  imageOwner: image.octavia.ampImageOwnerId,
  imageId: image.imageId,
  ...(flavorIds ? { flavorIds } : {}),
  canary: config.getNumber("canary") ?? 1,
  batchSize: config.getNumber("batchSize") ?? 5,
  concurrency: config.getNumber("concurrency") ?? 2,
  pauseSeconds: config.getNumber("pauseSeconds") ?? 60,
  maxFailures: config.getNumber("maxFailures") ?? 0,
  healthGate: { operatingStatuses: (list("operatingStatuses") ?? ["ONLINE"]) as ("ONLINE" | "OFFLINE")[] },
});

/** The image Octavia boots now, and the `[controller_worker]` section for octavia.conf. */
export const ampImageId = image.imageId;
export const octaviaConf = image.octavia.configSnippet;
/** The fleet after the last up: amphorae per image, load balancers failed over, still pending or failed. */
export const amphoraeByImage = rotation.amphoraeByImage;
export const rotated = rotation.rotated;
export const pending = rotation.pending;
export const failed = rotation.failed;
