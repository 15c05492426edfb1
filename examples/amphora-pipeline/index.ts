/**
 * The amphora pipeline: build the image, publish it to Glance, move Octavia's tag to it, keep the previous images
 * for a rollback. Stack outputs feed Octavia's `[controller_worker]` section.
 *
 * Config (Pulumi.<stack>.yaml, project namespace `amphora-pipeline-example`):
 *   builder          fixture | octavia | dib       (fixture: the test stand-in for diskimage-create.sh, seconds)
 *   script           path of Octavia's diskimage-create.sh (builder octavia)
 *   sizeGb           image size; any builder input change rebuilds, publishes and moves the tag
 *   outputDir        where the image is written (default: build/ in this directory)
 *   tag              the amp_image_tag to own (default "amphora")
 *   stores           comma-separated Glance stores (default: Glance's default store)
 *   keep             previous images kept untagged for a rollback (default 2)
 *   retentionAction  what happens to images beyond `keep`: keep | deactivate | delete (default keep)
 *   rollbackImageId  an older image id (e.g. from `previousImageIds`): the tag moves back to it
 *   bootTimeoutSeconds  turns the boot gate on: the build boots under QEMU and the amphora agent must answer within
 *                    this many seconds, or the build fails and the tag stays where it is (needs qemu-system-x86_64)
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AmphoraImageBuild, GlanceTaggedImage } from "pulumi-amphora";

const config = new pulumi.Config();
const builder = config.get("builder") ?? "fixture";

// The fixture builder ships with this repository's tests: it writes a small valid qcow2 in seconds.
const fixtureScript = path.resolve(__dirname, "..", "..", "test", "fixtures", "diskimage-create", "octavia", "diskimage-create", "diskimage-create.sh");
const outputDir = path.resolve(__dirname, config.get("outputDir") ?? "build");
// Both front ends need the output's directory to exist (diskimage-create.sh exits 3 otherwise; check refuses it).
mkdirSync(outputDir, { recursive: true });

// The boot gate: a build whose amphora agent does not answer under QEMU fails, and nothing after it runs. It is on by
// default for diskimage-create.sh where QEMU is installed; the fixture builder's images have no boot loader, so with
// it the gate runs only when bootTimeoutSeconds asks for it.
const bootTimeoutSeconds = config.getNumber("bootTimeoutSeconds");

const build = new AmphoraImageBuild("amphora-image", {
  frontEnd: builder === "dib" ? "dib" : "octavia",
  ...(builder === "dib"
    ? {
        elements: ["debian-minimal"],
        packages: ["haproxy"],
        imageType: "tar" as const,
        release: "bookworm",
        env: {
          DIB_DEBIAN_COMPONENTS: "main",
          // diskimage-builder 3.13 (Debian bookworm's package) writes the security suite as "bookworm/updates",
          // which no longer exists (the build fails in apt-get update): these make it "bookworm-security" under
          // /debian-security (docs/amphora-image-build.md, "Debian's security suite").
          DIB_DEBIAN_SECURITY_MIRROR: "http://deb.debian.org/debian-security",
          DIB_DEBIAN_SECURITY_SUBPATH: "-security",
        },
      }
    : { script: builder === "octavia" ? config.require("script") : fixtureScript }),
  output: path.join(outputDir, builder === "dib" ? "amphora-debian" : "amphora-x64-haproxy.qcow2"),
  sizeGb: config.getNumber("sizeGb") ?? 2,
  validation: {
    boot: bootTimeoutSeconds !== undefined ? { enabled: true, timeoutSeconds: bootTimeoutSeconds } : { enabled: builder === "fixture" ? false : "auto" },
  },
});

const stores = config.get("stores")?.split(",").map((s) => s.trim()).filter(Boolean);
const retentionAction = config.get("retentionAction") ?? "keep";
if (!["keep", "deactivate", "delete"].includes(retentionAction)) {
  throw new Error(`retentionAction must be keep, deactivate or delete, not "${retentionAction}"`);
}

// Rollback: with rollbackImageId set the resource adopts that image instead of publishing the build. The tag
// moves to it and leaves every newer image, in one `pulumi up`; the build stays as it is. The adopted image keeps
// its own name (no `name` input). Remove rollbackImageId to go forward again: the current build is published anew
// (its earlier upload may have left the retention window) and gets the tag.
const rollbackImageId = config.get("rollbackImageId");

const image = new GlanceTaggedImage("amphora", {
  tag: config.get("tag") ?? "amphora",
  ...(rollbackImageId
    ? { imageId: rollbackImageId }
    : {
        file: build.path,
        diskFormat: build.diskFormat,
        containerFormat: build.containerFormat,
        expectedSha512: build.sha512, // checked while the bytes stream to Glance, and against Glance's hash
        name: pulumi.interpolate`amphora-haproxy-${build.buildKey.apply((k) => k.slice(0, 12))}`,
      }),
  ...(stores && stores.length > 0 ? { stores } : {}),
  // Retention: images this stack published before, newest first. The newest `keep` stay (untagged, active) as
  // rollback targets; older ones get `action`. An image that still carries the tag is never touched.
  retention: { keep: config.getNumber("keep") ?? 2, action: retentionAction as "keep" | "deactivate" | "delete" },
});

/** amp_image_tag */
export const ampImageTag = image.octavia.ampImageTag;
/** amp_image_owner_id: always set, so that another project's newer image with the same tag cannot win. */
export const ampImageOwnerId = image.octavia.ampImageOwnerId;
/** The image Octavia boots now. */
export const ampImageId = image.imageId;
/** The ready `[controller_worker]` section for octavia.conf. */
export const octaviaConf = image.octavia.configSnippet;
/** Rollback targets, newest first. */
export const previousImageIds = image.previousImageIds;
export const imageStores = image.stores;
export const haproxyVersion = build.haproxyVersion;
