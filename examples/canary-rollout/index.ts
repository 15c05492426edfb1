/**
 * Canary rollout of a new amphora image: the new build first gets a second tag (`amphora-canary`), which only an
 * Octavia flavor selects (`amp_image_tag` in the flavor profile), so load balancers created with that flavor boot
 * the new image while every other amphora keeps booting the one carrying the main tag. Promotion moves the main
 * tag to the canary image: one config change.
 *
 *   steady state      stableImageId unset: both tags on the newest build
 *   start a canary    set stableImageId to the current ampImageId and change the build (e.g. sizeGb), pulumi up:
 *                     the new image gets amphora-canary only; the main tag stays on stableImageId
 *   test              openstack loadbalancer create --flavor <canaryFlavorName> ...   (boots the canary image)
 *   promote           remove stableImageId, pulumi up: the main tag moves to the canary image (zero-gap move)
 *   abandon           revert the build change (a rebuild of the old inputs), pulumi up; keep stableImageId
 *
 * Config (project namespace `canary-rollout`):
 *   builder, script, sizeGb, outputDir, stores   the build and its upload (as in examples/amphora-pipeline)
 *   tag               the main amp_image_tag (default "amphora"), as in octavia.conf
 *   canaryTag         the canary tag (default "amphora-canary")
 *   stableImageId     while set, the main tag stays on this image (the canary phase)
 *   flavorName        the Octavia flavor users pick for the canary (default "amphora-canary")
 *   topology          optional loadbalancer_topology of the canary flavor (SINGLE | ACTIVE_STANDBY)
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AmphoraImageBuild, GlanceTaggedImage } from "pulumi-amphora";
import { FlavorV2, FlavorprofileV2 } from "./octavia-flavor";

const config = new pulumi.Config();
const builder = config.get("builder") ?? "fixture";
const mainTag = config.get("tag") ?? "amphora";
const canaryTag = config.get("canaryTag") ?? "amphora-canary";
const stableImageId = config.get("stableImageId");
const flavorName = config.get("flavorName") ?? "amphora-canary";
const topology = config.get("topology");

const fixtureScript = path.resolve(__dirname, "..", "..", "test", "fixtures", "diskimage-create", "octavia", "diskimage-create", "diskimage-create.sh");
const outputDir = path.resolve(__dirname, config.get("outputDir") ?? "build");
mkdirSync(outputDir, { recursive: true });

const build = new AmphoraImageBuild("amphora-image", {
  frontEnd: "octavia",
  script: builder === "octavia" ? config.require("script") : fixtureScript,
  output: path.join(outputDir, "amphora-x64-haproxy.qcow2"),
  sizeGb: config.getNumber("sizeGb") ?? 2,
  // The fixture builder's images have no boot loader: the boot check (on by default for diskimage-create.sh where
  // QEMU is installed) runs for real builds only.
  validation: { boot: { enabled: builder === "octavia" ? "auto" : false } },
});

const stores = config.get("stores")?.split(",").map((s) => s.trim()).filter(Boolean);

// Every build is published here first and gets the canary tag.
const canary = new GlanceTaggedImage("amphora-canary", {
  tag: canaryTag,
  file: build.path,
  diskFormat: build.diskFormat,
  containerFormat: build.containerFormat,
  expectedSha512: build.sha512,
  name: pulumi.interpolate`amphora-haproxy-${build.buildKey.apply((k) => k.slice(0, 12))}`,
  ...(stores && stores.length > 0 ? { stores } : {}),
  // Retention must not deactivate or delete: this resource created the image the main tag may still be on
  // (stableImageId), and retention only spares images that carry this resource's own tag.
  retention: { keep: 3, action: "keep" },
});

// The main tag adopts an image by id: the stable one during a canary, else the canary image itself. It never
// uploads anything, so deleting it only removes its tag.
const main = new GlanceTaggedImage("amphora", {
  tag: mainTag,
  imageId: stableImageId ?? canary.imageId,
});

// The Octavia flavor that boots the canary: flavor data may set amp_image_tag (amphora provider driver), which
// replaces [controller_worker] amp_image_tag for load balancers created with this flavor. amp_image_owner_id
// still comes from octavia.conf, and the canary image has the same owner as the main one.
const flavorData: Record<string, string> = { amp_image_tag: canaryTag };
if (topology) flavorData.loadbalancer_topology = topology;
const profile = new FlavorprofileV2("amphora-canary", {
  name: `${flavorName}-profile`,
  providerName: "amphora",
  flavorData: JSON.stringify(flavorData),
});
const flavor = new FlavorV2("amphora-canary", {
  name: flavorName,
  description: `Amphorae boot the image tagged ${canaryTag} (canary of ${mainTag})`,
  flavorProfileId: profile.id,
  enabled: true,
});

export const ampImageTag = main.octavia.ampImageTag;
export const ampImageOwnerId = main.octavia.ampImageOwnerId;
/** The image every load balancer without the canary flavor boots. */
export const ampImageId = main.imageId;
export const octaviaConf = main.octavia.configSnippet;
export const canaryImageTag = canary.tag;
/** The image load balancers of the canary flavor boot (the newest build). */
export const canaryImageId = canary.imageId;
/** "canary" while the main tag is on another image than the canary, else "promoted". */
export const phase = pulumi.all([main.imageId, canary.imageId]).apply(([m, c]) => (m === c ? "promoted" : "canary"));
export const canaryFlavorId = flavor.id;
export const canaryFlavorName = flavor.name;
export const canaryFlavorData = profile.flavorData;
