import * as pulumi from "@pulumi/pulumi";
import type { Mode, SnapshotStorePolicyArgsInput } from "../provider/snapshot-store-policy/inputs";
import { packageProvider } from "./internal/provider-shim";

/**
 * Keeps Nova instance snapshots and backups (`image_type` = snapshot / backup), the base images they were taken
 * from (`base_image_ref`) and chosen extra images (ids or tags, e.g. the amphora tag) in one Glance store, as a
 * reviewed change: the preview shows `snapshot store "fast": 12 images to copy, 3 to remove from "cheap",
 * 40 compliant`, `pulumi up` runs Glance's copy-image (and, in `move` mode, deletes the other store copies),
 * `pulumi refresh` finds snapshots taken since as drift.
 *
 *   const policy = new SnapshotStorePolicy("snapshots-in-ceph", {
 *     store: "ceph", mode: "move", extraImages: ["amphora"], concurrency: 4,
 *   });
 *   export const novaConf = policy.novaConfig;   // [libvirt] images_rbd_glance_store_name = ceph, ...
 *
 * Notes:
 * - copy-image is admin-only under Glance's default policy (rule `copy_image`): use an admin session
 *   (`openstack:*` config, `OS_*` or clouds.yaml). `owner: "all"` (every project's images) needs one too.
 * - Deleting the resource moves no data: images stay in the stores that hold them.
 * - The `X-OpenStack-Base-Image-Ref` header proposed by the Nova multi-store spec was never implemented; this
 *   policy enforces placement after the fact, with APIs that exist.
 */
export type SnapshotStorePolicyArgs = { [K in keyof SnapshotStorePolicyArgsInput]: pulumi.Input<SnapshotStorePolicyArgsInput[K]> };

const provider = packageProvider("snapshot-store-policy/provider");

/** Output properties: registered as undefined so that the engine fills them in. */
const OUTPUTS = [
  "ownerProject", "matched", "compliant", "nonCompliant", "skipped", "relocated", "failed", "missing", "inventory",
  "novaConfig", "checkedAt",
] as const;

export class SnapshotStorePolicy extends pulumi.dynamic.Resource {
  /** Target store id. */
  declare readonly store: pulumi.Output<string>;
  declare readonly mode: pulumi.Output<Mode>;
  /** The project whose images are selected (the session's project when `owner` is unset), or "all". */
  declare readonly ownerProject: pulumi.Output<string>;
  /** Every selected image id: image types, their base images, extra images. */
  declare readonly matched: pulumi.Output<string[]>;
  declare readonly compliant: pulumi.Output<string[]>;
  /** Images the next update would copy or clear (non-empty after a refresh found drift). */
  declare readonly nonCompliant: pulumi.Output<string[]>;
  /** Id → why the image was left alone (not active, no data). */
  declare readonly skipped: pulumi.Output<Record<string, string>>;
  /** Images copied or cleared from other stores by the last update. */
  declare readonly relocated: pulumi.Output<string[]>;
  /** Id → why the image could not be placed. */
  declare readonly failed: pulumi.Output<Record<string, string>>;
  /** Base image refs, extra ids and `tag:<t>` entries that name no visible image. */
  declare readonly missing: pulumi.Output<string[]>;
  /** Id → status and stores, as last seen. */
  declare readonly inventory: pulumi.Output<Record<string, { status: string; stores: string[] }>>;
  /** `[libvirt]` snippet for nova.conf on RBD-backed computes (images_type = rbd; ignored by other backends). */
  declare readonly novaConfig: pulumi.Output<string>;
  /** ISO time of the last create/update/refresh. */
  declare readonly checkedAt: pulumi.Output<string>;

  constructor(name: string, args: SnapshotStorePolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { ...args };
    for (const key of OUTPUTS) props[key] = undefined;
    super(provider, name, props, opts, "amphora", "SnapshotStorePolicy");
  }
}
