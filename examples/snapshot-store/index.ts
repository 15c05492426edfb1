/**
 * Nova instance snapshots and backups (Glance images with `image_type` snapshot / backup), the base images they
 * were taken from (`base_image_ref`) and chosen extra images (here the amphora tag) kept in one Glance store, as
 * a reviewed change: `pulumi preview` counts what would be copied or cleared, `pulumi up` runs Glance's
 * copy-image (and, in move mode, deletes the copies in other stores), `pulumi refresh` (or `up --refresh`) finds
 * snapshots taken since. The stack output `novaConf` is the `[libvirt]` section that makes RBD-backed computes
 * ask Glance to copy a base image into that store themselves when they first boot from it.
 *
 * Config (project namespace `snapshot-store`):
 *   store             target store id (required)
 *   mode              copy | move (default copy)
 *   imageTypes        comma-separated image_type values (default snapshot,backup)
 *   owner             project id whose images are selected (default: the session's project; "all": every project)
 *   includeBaseImages true | false (default true)
 *   extraImages       comma-separated image ids or tags that must also be in the store
 *   propertyFilters   object of exact-match image properties, e.g. {"os_distro": "ubuntu"}
 *   concurrency       images copied at the same time (default 2)
 *   pollSeconds       how often a running copy is polled (default 2)
 */
import * as pulumi from "@pulumi/pulumi";
import { SnapshotStorePolicy } from "pulumi-amphora";

const config = new pulumi.Config();
const list = (key: string): string[] | undefined =>
  config.get(key)?.split(",").map((s) => s.trim()).filter(Boolean);

const mode = config.get("mode") ?? "copy";
if (mode !== "copy" && mode !== "move") throw new Error(`mode must be copy or move, not "${mode}"`);
const imageTypes = list("imageTypes");
const owner = config.get("owner");
const includeBaseImages = config.getBoolean("includeBaseImages");
const concurrency = config.getNumber("concurrency");
const pollSeconds = config.getNumber("pollSeconds");

const policy = new SnapshotStorePolicy("snapshots", {
  store: config.require("store"),
  mode,
  extraImages: list("extraImages") ?? [],
  propertyFilters: config.getObject<Record<string, string>>("propertyFilters") ?? {},
  ...(imageTypes ? { imageTypes } : {}),
  ...(owner ? { owner } : {}),
  ...(includeBaseImages !== undefined ? { includeBaseImages } : {}),
  ...(concurrency !== undefined ? { concurrency } : {}),
  ...(pollSeconds !== undefined ? { timeouts: { pollSeconds } } : {}),
});

/** `[libvirt]` for nova.conf on RBD-backed computes (`images_type = rbd`); other image backends ignore it. */
export const novaConf = policy.novaConfig;
export const store = policy.store;
export const ownerProject = policy.ownerProject;
/** Every selected image: snapshots, backups, their base images, extra images. */
export const matched = policy.matched;
export const compliant = policy.compliant;
/** Images the next update would copy or clear (non-empty after a refresh found new snapshots). */
export const nonCompliant = policy.nonCompliant;
/** Images copied (and, in move mode, cleared from other stores) by the last update. */
export const relocated = policy.relocated;
export const failed = policy.failed;
/** Base image refs, ids and tags that name no visible image. */
export const missing = policy.missing;
