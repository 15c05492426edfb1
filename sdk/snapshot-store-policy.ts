import * as pulumi from "@pulumi/pulumi";
import type { SnapshotStorePolicyArgsInput } from "../provider/snapshot-store-policy/inputs";
import type { SnapshotStorePolicyOutputs } from "../provider/snapshot-store-policy/outputs";
import { packageProvider } from "./internal/provider-shim";

const provider = packageProvider("snapshot-store-policy/provider");

// generated:declarations (from the zod schemas by docs/tools/generate.ts: run `npm run docs`, do not edit)
/** The arguments of SnapshotStorePolicy, each an `Input` of exactly what `check` accepts (closed sets stay closed). */
export interface SnapshotStorePolicyArgs {
  /** Target store id, as listed by `GET /v2/info/stores`; must exist and not be read-only. At most 255 characters. */
  store: pulumi.Input<SnapshotStorePolicyArgsInput["store"]>;
  /**
   * `image_type` values that select images (one image list per value): Nova's `snapshot` and `backup`. At least 1
   * entry.
   *
   * @defaultValue `["snapshot","backup"]`
   */
  imageTypes?: pulumi.Input<SnapshotStorePolicyArgsInput["imageTypes"]>;
  /**
   * Project id whose images are selected; default the session's project. Another project or `"all"` (every project)
   * needs an admin session. At most 255 characters.
   */
  owner?: pulumi.Input<SnapshotStorePolicyArgsInput["owner"]>;
  /**
   * Also place the images named by the selected images' `base_image_ref` (whoever owns them).
   *
   * @defaultValue `true`
   */
  includeBaseImages?: pulumi.Input<SnapshotStorePolicyArgsInput["includeBaseImages"]>;
  /**
   * Image ids (UUIDs) or tags (e.g. the amphora tag) whose images must also live in the store (any owner).
   *
   * @defaultValue `[]`
   */
  extraImages?: pulumi.Input<SnapshotStorePolicyArgsInput["extraImages"]>;
  /**
   * `copy`: a copy in the store is enough; `move`: the store holds the only copy (copies in other stores are deleted).
   * One of `copy`, `move`.
   *
   * @defaultValue `"copy"`
   */
  mode?: pulumi.Input<SnapshotStorePolicyArgsInput["mode"]>;
  /**
   * Images worked on at the same time. Range 1 to 16.
   *
   * @defaultValue `2`
   */
  concurrency?: pulumi.Input<SnapshotStorePolicyArgsInput["concurrency"]>;
  /**
   * Further exact-match property filters of the image lists (AND), e.g. `{ os_distro: "ubuntu" }`.
   *
   * @defaultValue `{}`
   */
  propertyFilters?: pulumi.Input<SnapshotStorePolicyArgsInput["propertyFilters"]>;
  /**
   * Images per page of `GET /v2/images` (Glance caps it at its `api_limit_max`). Range 1 to 1000.
   *
   * @defaultValue `500`
   */
  pageSize?: pulumi.Input<SnapshotStorePolicyArgsInput["pageSize"]>;
  /**
   * Time limits of the copies.
   *
   * - `copySeconds`: Bound of one image's copy-image, from the request to the image being in the target store. Range >
   *   0, ≤ 86400. Default `1800`.
   * - `pollSeconds`: How often a running copy is polled. Range 0.05 to 60. Default `2`.
   */
  timeouts?: pulumi.Input<SnapshotStorePolicyArgsInput["timeouts"]>;
}

/** The output properties: registered as undefined (unless given as arguments) so that the engine fills them in. */
const OUTPUTS = [
  "store", "imageTypes", "owner", "includeBaseImages", "extraImages", "mode", "concurrency", "propertyFilters",
  "pageSize", "timeouts", "ownerProject", "matched", "compliant", "nonCompliant", "skipped", "relocated", "failed",
  "missing", "inventory", "novaConfig", "checkedAt",
] as const;
// /generated:declarations

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
export class SnapshotStorePolicy extends pulumi.dynamic.Resource {
  // generated:properties (from the zod schemas by docs/tools/generate.ts: run `npm run docs`, do not edit)
  /** Target store id, as listed by `GET /v2/info/stores`; must exist and not be read-only. At most 255 characters. */
  declare readonly store: pulumi.Output<SnapshotStorePolicyOutputs["store"]>;
  /**
   * `image_type` values that select images (one image list per value): Nova's `snapshot` and `backup`. At least 1
   * entry.
   */
  declare readonly imageTypes: pulumi.Output<SnapshotStorePolicyOutputs["imageTypes"]>;
  /**
   * Project id whose images are selected; default the session's project. Another project or `"all"` (every project)
   * needs an admin session. At most 255 characters.
   */
  declare readonly owner: pulumi.Output<SnapshotStorePolicyOutputs["owner"]>;
  /** Also place the images named by the selected images' `base_image_ref` (whoever owns them). */
  declare readonly includeBaseImages: pulumi.Output<SnapshotStorePolicyOutputs["includeBaseImages"]>;
  /** Image ids (UUIDs) or tags (e.g. the amphora tag) whose images must also live in the store (any owner). */
  declare readonly extraImages: pulumi.Output<SnapshotStorePolicyOutputs["extraImages"]>;
  /**
   * `copy`: a copy in the store is enough; `move`: the store holds the only copy (copies in other stores are deleted).
   * One of `copy`, `move`.
   */
  declare readonly mode: pulumi.Output<SnapshotStorePolicyOutputs["mode"]>;
  /** Images worked on at the same time. Range 1 to 16. */
  declare readonly concurrency: pulumi.Output<SnapshotStorePolicyOutputs["concurrency"]>;
  /** Further exact-match property filters of the image lists (AND), e.g. `{ os_distro: "ubuntu" }`. */
  declare readonly propertyFilters: pulumi.Output<SnapshotStorePolicyOutputs["propertyFilters"]>;
  /** Images per page of `GET /v2/images` (Glance caps it at its `api_limit_max`). Range 1 to 1000. */
  declare readonly pageSize: pulumi.Output<SnapshotStorePolicyOutputs["pageSize"]>;
  /**
   * Time limits of the copies.
   *
   * - `copySeconds`: Bound of one image's copy-image, from the request to the image being in the target store. Range >
   *   0, ≤ 86400.
   * - `pollSeconds`: How often a running copy is polled. Range 0.05 to 60.
   */
  declare readonly timeouts: pulumi.Output<SnapshotStorePolicyOutputs["timeouts"]>;
  /** The project whose images are selected (the session's project when `owner` is unset), or `all`. */
  declare readonly ownerProject: pulumi.Output<SnapshotStorePolicyOutputs["ownerProject"]>;
  /** Every selected image id (image types, their base images, extra images), sorted. */
  declare readonly matched: pulumi.Output<SnapshotStorePolicyOutputs["matched"]>;
  /** Selected images already placed as `mode` requires. */
  declare readonly compliant: pulumi.Output<SnapshotStorePolicyOutputs["compliant"]>;
  /** Images an update would copy or clear from other stores (non-empty after a refresh found drift). */
  declare readonly nonCompliant: pulumi.Output<SnapshotStorePolicyOutputs["nonCompliant"]>;
  /** Id → why the image is left alone (not active, no data in any store). */
  declare readonly skipped: pulumi.Output<SnapshotStorePolicyOutputs["skipped"]>;
  /** Images copied or cleared from other stores by the last create/update. */
  declare readonly relocated: pulumi.Output<SnapshotStorePolicyOutputs["relocated"]>;
  /** Id → why the image could not be placed by the last create/update; dropped once the image complies. */
  declare readonly failed: pulumi.Output<SnapshotStorePolicyOutputs["failed"]>;
  /** Base image refs, extra ids and `tag:<t>` entries that name no image this session can see. */
  declare readonly missing: pulumi.Output<SnapshotStorePolicyOutputs["missing"]>;
  /**
   * Id → status and stores of every selected image as last seen; lets a diff count what an update would do without
   * calling Glance.
   *
   * - `*.status`: Glance status (`importing` while an import holds the image).
   * - `*.stores`: Stores holding the image's data.
   */
  declare readonly inventory: pulumi.Output<SnapshotStorePolicyOutputs["inventory"]>;
  /**
   * `[libvirt]` snippet for nova.conf on RBD-backed computes (`images_rbd_glance_store_name` = `store`; ignored by
   * other image backends).
   */
  declare readonly novaConfig: pulumi.Output<SnapshotStorePolicyOutputs["novaConfig"]>;
  /** ISO time of the last create, update or refresh. */
  declare readonly checkedAt: pulumi.Output<SnapshotStorePolicyOutputs["checkedAt"]>;
  // /generated:properties

  constructor(name: string, args: SnapshotStorePolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { ...args };
    for (const key of OUTPUTS) if (!(key in props)) props[key] = undefined;
    super(provider, name, props, opts, "amphora", "SnapshotStorePolicy");
  }
}
