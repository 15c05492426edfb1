/**
 * One amphora build published to the Glance of several regions of one Keystone: a GlanceTaggedImage per region
 * (its `region` input selects that region's image endpoint), so every region gets the same bytes (checked
 * against the build's sha512), its own tag move and its own Octavia settings. A region whose publish fails keeps
 * its current image and tag (the tag only ever moves to a verified image).
 *
 * The build is uploaded once, to the first region. Every other region imports the first region's image
 * (`importFrom`): its Glance downloads it from the first region's by glance-download where it offers that import
 * method, so nothing more leaves this machine; a region without it gets the build uploaded (`importFrom.file`).
 * Either way that region's tag moves only once its image's os_hash_value equals the first region's.
 *
 * Config (project namespace `multi-region`):
 *   regions          comma-separated Keystone region ids (required), e.g. RegionOne,RegionTwo
 *   tag              amp_image_tag in every region (default "amphora")
 *   stores           comma-separated Glance stores, used in every region (default: each Glance's default store)
 *   builder, script, sizeGb, outputDir    the build (as in examples/amphora-pipeline)
 *   keep, retentionAction                 retention in every region (default 2, keep)
 */
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AmphoraImageBuild, GlanceTaggedImage } from "pulumi-amphora";

const config = new pulumi.Config();
const list = (key: string): string[] => (config.get(key) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const regions = list("regions");
if (regions.length === 0) throw new Error("set regions, e.g. RegionOne,RegionTwo");
const tag = config.get("tag") ?? "amphora";
const stores = list("stores");
const builder = config.get("builder") ?? "fixture";
const retentionAction = config.get("retentionAction") ?? "keep";
if (!["keep", "deactivate", "delete"].includes(retentionAction)) {
  throw new Error(`retentionAction must be keep, deactivate or delete, not "${retentionAction}"`);
}

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

const common = {
  tag,
  diskFormat: build.diskFormat,
  containerFormat: build.containerFormat,
  expectedSha512: build.sha512,
  name: pulumi.interpolate`amphora-haproxy-${build.buildKey.apply((k) => k.slice(0, 12))}`,
  ...(stores.length > 0 ? { stores } : {}),
  retention: { keep: config.getNumber("keep") ?? 2, action: retentionAction as "keep" | "deactivate" | "delete" },
};

const [firstRegion, ...otherRegions] = regions as [string, ...string[]];
const first = new GlanceTaggedImage(`amphora-${firstRegion}`, { ...common, region: firstRegion, file: build.path });
const perRegion = [
  [firstRegion, first] as const,
  ...otherRegions.map(
    (region) =>
      [
        region,
        new GlanceTaggedImage(`amphora-${region}`, {
          ...common,
          region,
          importFrom: { region: firstRegion, imageId: first.imageId, file: build.path },
        }),
      ] as const,
  ),
];

/** Region → the image Octavia boots there. */
export const ampImageIds = pulumi.output(Object.fromEntries(perRegion.map(([region, image]) => [region, image.imageId])));
/** Region → Octavia's settings there (tag, owner, image id, the [controller_worker] snippet). */
export const octavia = pulumi.output(Object.fromEntries(perRegion.map(([region, image]) => [region, image.octavia])));
/** Region → stores holding the image. */
export const imageStores = pulumi.output(Object.fromEntries(perRegion.map(([region, image]) => [region, image.stores])));
export const ampImageTag = tag;
export const sha512 = build.sha512;
