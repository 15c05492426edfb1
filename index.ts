/**
 * The main job: AmphoraImageBuild → GlanceTaggedImage → the values Octavia's [controller_worker] needs.
 *
 *   bash scripts/up.sh                 # local cloud + this program (pulumi up, or the engine-faithful runner)
 *   pulumi config set sizeGb 2         # any builder input: the next `up` rebuilds, publishes, moves the tag
 *
 * Config (Pulumi.<stack>.yaml):
 *   builder        fixture | octavia | dib     (fixture: the test stand-in for diskimage-create.sh, seconds)
 *   script         path of Octavia's diskimage-create.sh (builder octavia)
 *   sizeGb         image size
 *   outputDir      where the image is written (default build/)
 *   tag            the amp_image_tag to move (default "amphora")
 *   stores         comma-separated Glance stores (default: Glance's default store)
 *   keep           previous images to keep untagged (default 2); retentionAction keep | deactivate | delete
 *   rollbackImageId  an older image id: re-tag it instead of the new build (rollback)
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AmphoraImageBuild, GlanceTaggedImage } from "./sdk";

const config = new pulumi.Config();
const builder = config.get("builder") ?? "fixture";
const fixtureScript = path.join(__dirname, "test", "fixtures", "diskimage-create", "octavia", "diskimage-create", "diskimage-create.sh");

// diskimage-create.sh requires the output's directory to exist.
const outputDir = path.resolve(__dirname, config.get("outputDir") ?? "build");
mkdirSync(outputDir, { recursive: true });

const build = new AmphoraImageBuild("amphora-image", {
  frontEnd: builder === "dib" ? "dib" : "octavia",
  ...(builder === "dib"
    ? { elements: ["debian-minimal"], packages: ["haproxy"], imageType: "tar" as const }
    : { script: builder === "octavia" ? config.require("script") : fixtureScript }),
  output: path.join(outputDir, builder === "dib" ? "amphora-debian" : "amphora-x64-haproxy.qcow2"),
  sizeGb: config.getNumber("sizeGb") ?? 2,
  // The fixture builder's images have no boot loader: the boot check (on by default for diskimage-create.sh where
  // QEMU is installed) runs for real builds only.
  validation: { boot: { enabled: builder === "fixture" ? false : "auto" } },
});

const stores = config.get("stores")?.split(",").map((s) => s.trim()).filter(Boolean);
const rollbackImageId = config.get("rollbackImageId");

const image = new GlanceTaggedImage("amphora", {
  tag: config.get("tag") ?? "amphora",
  name: pulumi.interpolate`amphora-haproxy-${build.buildKey.apply((k) => k.slice(0, 12))}`,
  ...(rollbackImageId
    ? { imageId: rollbackImageId }
    : { file: build.path, diskFormat: build.diskFormat, containerFormat: build.containerFormat, expectedSha512: build.sha512 }),
  ...(stores && stores.length > 0 ? { stores } : {}),
  retention: {
    keep: config.getNumber("keep") ?? 2,
    action: (config.get("retentionAction") ?? "keep") as "keep" | "deactivate" | "delete",
  },
});

export const ampImageTag = image.octavia.ampImageTag;
export const ampImageOwnerId = image.octavia.ampImageOwnerId;
export const ampImageId = image.imageId;
export const octaviaConf = image.octavia.configSnippet;
export const imageStores = image.stores;
export const haproxyVersion = build.haproxyVersion;
