import * as pulumi from "@pulumi/pulumi";
import type { GlanceTaggedImageArgsInput } from "../provider/glance-tagged-image/inputs";
import type { GlanceTaggedImageOutputs } from "../provider/glance-tagged-image/outputs";
import { packageProvider } from "./internal/provider-shim";

const provider = packageProvider("glance-tagged-image/provider");

// generated:declarations (from the zod schemas by docs/tools/generate.ts: run `npm run docs`, do not edit)
/**
 * The arguments of GlanceTaggedImage: exactly one of `file`, `url`, `imageId`, `importFrom` (as `check` requires), and
 * the arguments they share.
 */
export type GlanceTaggedImageArgs = GlanceTaggedImageArgsWith<"file"> | GlanceTaggedImageArgsWith<"url"> | GlanceTaggedImageArgsWith<"imageId"> | GlanceTaggedImageArgsWith<"importFrom">;

/**
 * The arguments but `file`, `url`, `imageId`, `importFrom`, each an `Input` of exactly what `check` accepts (closed
 * sets stay closed).
 */
export interface GlanceTaggedImageCommonArgs {
  /**
   * The tag Octavia looks for (`[controller_worker] amp_image_tag`). Exclusive among the images of the session's
   * project: after an update only the current image carries it. A change moves the tag and removes the old one from the
   * project's images. At most 255 characters.
   */
  tag: pulumi.Input<GlanceTaggedImageArgsInput["tag"]>;
  /**
   * Image name (a new image without one is named after the tag). Patched in place; left alone when not given. At most
   * 255 characters.
   */
  name?: pulumi.Input<GlanceTaggedImageArgsInput["name"]>;
  /**
   * Glance `disk_format`, e.g. AmphoraImageBuild's `diskFormat`. Part of the source identity: a change publishes a new
   * image. One of `ami`, `ari`, `aki`, `vhd`, `vhdx`, `vmdk`, `raw`, `qcow2`, `vdi`, `iso`, `ploop`.
   *
   * @defaultValue `"qcow2"`
   */
  diskFormat?: pulumi.Input<GlanceTaggedImageArgsInput["diskFormat"]>;
  /**
   * Glance `container_format`. Part of the source identity: a change publishes a new image. One of `ami`, `ari`, `aki`,
   * `bare`, `ovf`, `ova`, `docker`, `compressed`.
   *
   * @defaultValue `"bare"`
   */
  containerFormat?: pulumi.Input<GlanceTaggedImageArgsInput["containerFormat"]>;
  /**
   * Glance visibility, patched in place. Not set: `private` for an image this resource publishes; an adopted image
   * (`imageId`) keeps its own. With `community` Octavia finds the image only when its own project owns it; `public`
   * needs Glance's `publicize_image` policy (admin by default); `shared` with `members` shares it with other projects.
   * One of `private`, `shared`, `community`, `public`.
   */
  visibility?: pulumi.Input<GlanceTaggedImageArgsInput["visibility"]>;
  /**
   * Glance `protected`, set once the image is verified. Protected images are never deleted by retention or delete. Not
   * set: `false` for an image this resource publishes; an adopted image keeps its own.
   */
  protected?: pulumi.Input<GlanceTaggedImageArgsInput["protected"]>;
  /** Glance `min_disk` in GB; left alone when not given. Range 0 to 2147483647. */
  minDisk?: pulumi.Input<GlanceTaggedImageArgsInput["minDisk"]>;
  /** Glance `min_ram` in MB; left alone when not given. Range 0 to 2147483647. */
  minRam?: pulumi.Input<GlanceTaggedImageArgsInput["minRam"]>;
  /**
   * Image properties (string values), e.g. `hw_rng_model`. Properties dropped from the map are removed, properties set
   * by others are left alone; not set: none for an image this resource publishes, an adopted image keeps its own.
   * Glance's own attributes, `os_glance_*` and `pulumi_amphora_*` are refused.
   */
  properties?: pulumi.Input<GlanceTaggedImageArgsInput["properties"]>;
  /**
   * Projects the image is shared with (Glance image members), e.g. Octavia's service project when another project
   * publishes; needs `visibility: "shared"`. Every image the resource tags is shared before it gets the tag; members
   * this resource added are removed on delete. Each member project must accept each image before it lists it (see
   * `memberStatus` and docs/octavia-configuration.md), or `acceptMembers`.
   */
  members?: pulumi.Input<GlanceTaggedImageArgsInput["members"]>;
  /**
   * The project that owns the images (Octavia's `amp_image_owner_id`). Optional; when set, the session must be this
   * project: credentials that resolve to another one are refused in check, naming both. Setting it to another project
   * than the state's `ownerId` (with that project's credentials) moves the resource: up publishes the source in the new
   * project and tags it there, and releases the old project's images as they are, still tagged, so Octavia keeps
   * booting them until its `amp_image_owner_id` is the new project (`octavia.configSnippet`); delete them later with
   * that project's credentials. Without it a change of project is refused (`ERR_PROJECT_CHANGED`). At most 64
   * characters.
   */
  projectId?: pulumi.Input<GlanceTaggedImageArgsInput["projectId"]>;
  /**
   * Accept each image for its `members` as well, so that Octavia's project finds it by the tag with no call of its own.
   * Glance lets only an admin session set another project's member status: a session without the admin role is refused
   * before anything is created. A member whose status changes back (refresh) is accepted again by the next update.
   *
   * @defaultValue `false`
   */
  acceptMembers?: pulumi.Input<GlanceTaggedImageArgsInput["acceptMembers"]>;
  /** sha256 the file must have, checked on the bytes sent (`file` only). Part of the source identity. */
  expectedSha256?: pulumi.Input<GlanceTaggedImageArgsInput["expectedSha256"]>;
  /**
   * sha512 of the image data, e.g. AmphoraImageBuild's `sha512`: checked on the bytes sent and against Glance's
   * `os_hash_value`. Part of the source identity, so an identical rebuilt file is no change.
   */
  expectedSha512?: pulumi.Input<GlanceTaggedImageArgsInput["expectedSha512"]>;
  /**
   * How `file` data reaches Glance: `auto` = `glance-direct` when `/v2/info/import` offers it, else `upload` (`PUT
   * /file`); `web-download` is implied by `url`. With `importFrom`: `auto` = `glance-download` when offered, else the
   * upload; `glance-download` insists on it; `glance-direct`/`upload` always upload. An explicit method must be enabled
   * in the cloud. One of `auto`, `glance-direct`, `web-download`, `upload`, `glance-download`.
   *
   * @defaultValue `"auto"`
   */
  importMethod?: pulumi.Input<GlanceTaggedImageArgsInput["importMethod"]>;
  /**
   * Stores (multi-store Glance) that must hold the image; checked against `/v2/info/stores`. Imports go to them; later
   * the image is copied to added stores (copy-image, admin-only by default) and deleted from removed ones. Left out:
   * Glance's default store, and stores are not managed. At least 1 entry.
   */
  stores?: pulumi.Input<GlanceTaggedImageArgsInput["stores"]>;
  /**
   * Glance's `all_stores_must_succeed` for imports and copies to several stores. With false an import that failed for
   * some stores is accepted; the stores still missing are then copied with copy-image.
   *
   * @defaultValue `true`
   */
  allStoresMustSucceed?: pulumi.Input<GlanceTaggedImageArgsInput["allStoresMustSucceed"]>;
  /**
   * Leave an image whose publish failed in Glance for debugging (the next publish of the same source deletes it).
   *
   * @defaultValue `false`
   */
  keepFailedImages?: pulumi.Input<GlanceTaggedImageArgsInput["keepFailedImages"]>;
  /**
   * Keystone region whose Glance (`image` endpoint) holds the image; default: the session's region (`openstack:region`,
   * `OS_REGION_NAME`, clouds.yaml `region_name`). Lets one program publish to several regions; a change replaces the
   * resource (the old region's resource is deleted first: its images leave, except the current one, which keeps the tag
   * there unless `keepLastTaggedImage` is false). At most 255 characters.
   */
  region?: pulumi.Input<GlanceTaggedImageArgsInput["region"]>;
  /**
   * On delete (destroy, or the delete half of a replacement): when no other active image of the project carries the
   * tag, the current image keeps it and is not deleted, so Octavia never finds no image; the next resource with the
   * same name takes it over. false: the tag is removed and the images deleted whatever Octavia then finds.
   *
   * @defaultValue `true`
   */
  keepLastTaggedImage?: pulumi.Input<GlanceTaggedImageArgsInput["keepLastTaggedImage"]>;
  /**
   * What happens to the images this resource published before (found by their marker property).
   *
   * - `keep`: Previous images kept as they are, newest first (`previousImageIds`, the rollback targets). Range 0 to
   *   100. Default `2`.
   * - `action`: What happens to older ones: `keep` (nothing), `deactivate` or `delete` (never protected images). Images
   *   carrying any tag are never touched, nor images Octavia's amphorae boot from (its amphora API, asked before
   *   anything is removed; when the session may not read it, the plan says so). One of `keep`, `deactivate`, `delete`.
   *   Default `"keep"`.
   */
  retention?: pulumi.Input<GlanceTaggedImageArgsInput["retention"]>;
  /**
   * Time limits of the calls that move data.
   *
   * - `uploadSeconds`: Bound of one upload (stage or `PUT /file`), and of reading a web-download back from Glance to
   *   check it. Range > 0, ≤ 86400. Default `3600`.
   * - `importSeconds`: Bound of one import or copy (glance-direct, web-download, copy-image). Range > 0, ≤ 86400.
   *   Default `3600`.
   */
  timeouts?: pulumi.Input<GlanceTaggedImageArgsInput["timeouts"]>;
}

/** `file`, `url`, `imageId`, `importFrom`: exactly one is given. */
export interface GlanceTaggedImageSources {
  /**
   * Source: a local image file (e.g. AmphoraImageBuild's `path`), streamed to Glance and hashed in the same pass.
   * Exactly one of `file`, `url`, `imageId` and `importFrom` is given.
   */
  file: pulumi.Input<NonNullable<GlanceTaggedImageArgsInput["file"]>>;
  /**
   * Source: an http(s) URL Glance downloads itself (web-download import, subject to Glance's
   * `[import_filtering_opts]`). Exactly one of `file`, `url`, `imageId` and `importFrom` is given.
   */
  url: pulumi.Input<NonNullable<GlanceTaggedImageArgsInput["url"]>>;
  /**
   * Source: an existing active image of the session's project to tag (rollback, or adoption of an image uploaded by
   * hand). Exactly one of `file`, `url`, `imageId` and `importFrom` is given. A UUID.
   */
  imageId: pulumi.Input<NonNullable<GlanceTaggedImageArgsInput["imageId"]>>;
  /**
   * Source: an active image published in another region of the same Keystone, imported by this region's Glance straight
   * from that region's (`glance-download` import, Zed+, off by default) when `/v2/info/import` offers it: nothing is
   * sent from this machine. Otherwise the image is uploaded (see `file`). Either way the tag moves only once
   * `os_hash_algo`/`os_hash_value` equal the source image's. Exactly one of `file`, `url`, `imageId` and `importFrom`
   * is given.
   *
   * - `region`: Keystone region whose Glance holds the image (the first region's `region`). At most 255 characters.
   * - `imageId`: The image published there (the first region's GlanceTaggedImage `imageId` output). A UUID.
   * - `file`: A local copy of the same image (e.g. AmphoraImageBuild's `path`), uploaded when this region's Glance does
   *   not offer glance-download; left out, the image's data is downloaded from `region` and uploaded.
   */
  importFrom: pulumi.Input<{ [K in keyof NonNullable<GlanceTaggedImageArgsInput["importFrom"]>]: pulumi.Input<NonNullable<GlanceTaggedImageArgsInput["importFrom"]>[K]> }>;
}

/** One source given, the others absent. */
type GlanceTaggedImageArgsWith<S extends keyof GlanceTaggedImageSources> = GlanceTaggedImageCommonArgs &
  Pick<GlanceTaggedImageSources, S> & { [K in Exclude<keyof GlanceTaggedImageSources, S>]?: never };

/** The output properties: registered as undefined (unless given as arguments) so that the engine fills them in. */
const OUTPUTS = [
  "resourceKey", "instanceId", "tag", "name", "diskFormat", "containerFormat", "visibility", "protected", "minDisk",
  "minRam", "properties", "members", "projectId", "acceptMembers", "file", "url", "imageId", "importFrom",
  "expectedSha256", "expectedSha512", "importMethod", "allStoresMustSucceed", "keepFailedImages", "region",
  "keepLastTaggedImage", "retention", "timeouts", "ownerId", "status", "size", "virtualSize", "checksum", "osHashAlgo",
  "osHashValue", "stores", "createdAt", "previousImageIds", "sourceKey", "memberStatus", "drift", "octavia",
] as const;
// /generated:declarations

/**
 * Publishes an image to Glance and owns an Octavia image tag: the tag moves to the new image once it is active
 * and its import is done, and only then leaves the old one(s), so Octavia's query
 * (`tag=<tag>&status=active&owner=<owner>&sort=created_at:desc&limit=2`) always finds an image.
 *
 *   const build = new AmphoraImageBuild("amphora", { ... });
 *   const amp = new GlanceTaggedImage("amphora", {
 *     tag: "amphora", file: build.path, diskFormat: build.diskFormat, expectedSha512: build.sha512,
 *     stores: ["fast", "reliable"], retention: { keep: 2, action: "deactivate" },
 *   });
 *   export const octaviaConfig = amp.octavia.configSnippet;   // [controller_worker] amp_image_tag / amp_image_owner_id
 *
 * Behaviour to know when reviewing a preview:
 * - **Every change is an in-place update; nothing is ever replaced.** The resource's id is
 *   `<project>/<stack>/<name>` and stays the same across images. A new `file`/`url`/hash or format publishes a
 *   new image and moves the tag; a `tag` change moves the tag; a `stores` change copies the image to added
 *   stores (copy-image, admin-only in Glance's default policy) and deletes it from removed ones; name,
 *   visibility, protected, minDisk, minRam and properties are patched. The provider prints one plan line per
 *   change during preview and up, each starting with the resource, e.g. `GlanceTaggedImage amphora: tag "amphora":
 *   5c1e… → new upload (sha512 9f2a…, 2.1 GiB) to fast; 5c1e… kept untagged; 0a77… deleted by retention`.
 * - **Exclusive tag**: after an update no other image of the owner (the session's project) carries the tag;
 *   images tagged by hand are untagged and named. Images of other projects are never touched, even with an admin
 *   token; they are reported.
 * - **Rollback / adoption**: set `imageId` (instead of `file`/`url`) to an image of the same project: it gets
 *   the tag and every newer image loses it. This is also how an image uploaded by hand is taken over (dynamic
 *   resources cannot be `pulumi import`ed). Only the attributes given are changed on an adopted image (left out,
 *   `visibility`, `protected`, `properties`, ... stay as the image has them); on delete it loses the tag and gets
 *   back what the resource changed.
 * - **Sharing**: `members` (with `visibility: "shared"`) shares every image the resource tags with those projects
 *   before it gets the tag; each member project must accept each image (`memberStatus`) before its lists show it.
 * - **Retention**: previous images of this resource beyond `retention.keep` (default 2) get `retention.action`
 *   (`keep`, `deactivate` or `delete`; protected images are never deleted). History comes from the
 *   `pulumi_amphora_instance` marker property Glance keeps on every image this resource creates, so an
 *   interrupted create is adopted or cleaned up on retry.
 * - **Refresh** reports drift (tag removed, tag on other images, stores or status changed); the next up repairs
 *   it. An image deleted by hand removes the resource from state; the next up publishes again.
 * - **Done means done**: the tag moves only to an image that is active with its import finished and whose hashes
 *   match what was sent (`expectedSha256`/`expectedSha512` checked as the bytes stream out; Glance's
 *   `os_hash_value` compared afterwards). A failed publish deletes the half-made image (`keepFailedImages: true`
 *   keeps it for debugging).
 * - **Delete** removes the tag and deletes the images this resource instance created (protected ones are kept),
 *   except that the last image carrying the tag keeps it (and stays) when no other active image of the project
 *   does, so Octavia never finds none (`keepLastTaggedImage`, default true).
 * - **Instances**: images belong to the resource instance (`instanceId`, created by check), so a replacement
 *   (`--replace`, taint) or a second deployment with the same names never touches another instance's images.
 * - **Region**: `region` selects the Glance of one Keystone region (default: the session's region), so one
 *   program can publish one build to several regions (one resource per region). Changing it replaces the
 *   resource: the old region's resource is deleted first (its last tagged image stays), then the new one publishes.
 *
 * Credentials come from the `openstack:*` stack config, `OS_*` variables or clouds.yaml, never from state.
 */
export class GlanceTaggedImage extends pulumi.dynamic.Resource {
  // generated:properties (from the zod schemas by docs/tools/generate.ts: run `npm run docs`, do not edit)
  /**
   * Set by the SDK class to `<project>/<stack>/<name>`, not an argument: the resource's id and the value of the
   * `pulumi_amphora_resource` property on every image it creates. At most 255 characters.
   */
  declare readonly resourceKey: pulumi.Output<GlanceTaggedImageOutputs["resourceKey"]>;
  /**
   * Set by `check`, not an argument: a random id created when the resource is created (or replaced) and kept in state,
   * written as `pulumi_amphora_instance` on every image it creates. Only images carrying it are this resource's own, so
   * a replacement or a second deployment with the same names never touches them.
   */
  declare readonly instanceId: pulumi.Output<GlanceTaggedImageOutputs["instanceId"]>;
  /**
   * The tag Octavia looks for (`[controller_worker] amp_image_tag`). Exclusive among the images of the session's
   * project: after an update only the current image carries it. A change moves the tag and removes the old one from the
   * project's images. At most 255 characters.
   */
  declare readonly tag: pulumi.Output<GlanceTaggedImageOutputs["tag"]>;
  /**
   * Image name (a new image without one is named after the tag). Patched in place; left alone when not given. At most
   * 255 characters.
   */
  declare readonly name: pulumi.Output<GlanceTaggedImageOutputs["name"]>;
  /**
   * Glance `disk_format`, e.g. AmphoraImageBuild's `diskFormat`. Part of the source identity: a change publishes a new
   * image. One of `ami`, `ari`, `aki`, `vhd`, `vhdx`, `vmdk`, `raw`, `qcow2`, `vdi`, `iso`, `ploop`.
   */
  declare readonly diskFormat: pulumi.Output<GlanceTaggedImageOutputs["diskFormat"]>;
  /**
   * Glance `container_format`. Part of the source identity: a change publishes a new image. One of `ami`, `ari`, `aki`,
   * `bare`, `ovf`, `ova`, `docker`, `compressed`.
   */
  declare readonly containerFormat: pulumi.Output<GlanceTaggedImageOutputs["containerFormat"]>;
  /**
   * Glance visibility, patched in place. Not set: `private` for an image this resource publishes; an adopted image
   * (`imageId`) keeps its own. With `community` Octavia finds the image only when its own project owns it; `public`
   * needs Glance's `publicize_image` policy (admin by default); `shared` with `members` shares it with other projects.
   * One of `private`, `shared`, `community`, `public`.
   */
  declare readonly visibility: pulumi.Output<GlanceTaggedImageOutputs["visibility"]>;
  /**
   * Glance `protected`, set once the image is verified. Protected images are never deleted by retention or delete. Not
   * set: `false` for an image this resource publishes; an adopted image keeps its own.
   */
  declare readonly protected: pulumi.Output<GlanceTaggedImageOutputs["protected"]>;
  /** Glance `min_disk` in GB; left alone when not given. Range 0 to 2147483647. */
  declare readonly minDisk: pulumi.Output<GlanceTaggedImageOutputs["minDisk"]>;
  /** Glance `min_ram` in MB; left alone when not given. Range 0 to 2147483647. */
  declare readonly minRam: pulumi.Output<GlanceTaggedImageOutputs["minRam"]>;
  /**
   * Image properties (string values), e.g. `hw_rng_model`. Properties dropped from the map are removed, properties set
   * by others are left alone; not set: none for an image this resource publishes, an adopted image keeps its own.
   * Glance's own attributes, `os_glance_*` and `pulumi_amphora_*` are refused.
   */
  declare readonly properties: pulumi.Output<GlanceTaggedImageOutputs["properties"]>;
  /**
   * Projects the image is shared with (Glance image members), e.g. Octavia's service project when another project
   * publishes; needs `visibility: "shared"`. Every image the resource tags is shared before it gets the tag; members
   * this resource added are removed on delete. Each member project must accept each image before it lists it (see
   * `memberStatus` and docs/octavia-configuration.md), or `acceptMembers`.
   */
  declare readonly members: pulumi.Output<GlanceTaggedImageOutputs["members"]>;
  /**
   * The project that owns the images (Octavia's `amp_image_owner_id`). Optional; when set, the session must be this
   * project: credentials that resolve to another one are refused in check, naming both. Setting it to another project
   * than the state's `ownerId` (with that project's credentials) moves the resource: up publishes the source in the new
   * project and tags it there, and releases the old project's images as they are, still tagged, so Octavia keeps
   * booting them until its `amp_image_owner_id` is the new project (`octavia.configSnippet`); delete them later with
   * that project's credentials. Without it a change of project is refused (`ERR_PROJECT_CHANGED`). At most 64
   * characters.
   */
  declare readonly projectId: pulumi.Output<GlanceTaggedImageOutputs["projectId"]>;
  /**
   * Accept each image for its `members` as well, so that Octavia's project finds it by the tag with no call of its own.
   * Glance lets only an admin session set another project's member status: a session without the admin role is refused
   * before anything is created. A member whose status changes back (refresh) is accepted again by the next update.
   */
  declare readonly acceptMembers: pulumi.Output<GlanceTaggedImageOutputs["acceptMembers"]>;
  /**
   * Source: a local image file (e.g. AmphoraImageBuild's `path`), streamed to Glance and hashed in the same pass.
   * Exactly one of `file`, `url`, `imageId` and `importFrom` is given.
   */
  declare readonly file: pulumi.Output<GlanceTaggedImageOutputs["file"]>;
  /**
   * Source: an http(s) URL Glance downloads itself (web-download import, subject to Glance's
   * `[import_filtering_opts]`). Exactly one of `file`, `url`, `imageId` and `importFrom` is given.
   */
  declare readonly url: pulumi.Output<GlanceTaggedImageOutputs["url"]>;
  /** The image that carries the tag now. */
  declare readonly imageId: pulumi.Output<GlanceTaggedImageOutputs["imageId"]>;
  /**
   * Source: an active image published in another region of the same Keystone, imported by this region's Glance straight
   * from that region's (`glance-download` import, Zed+, off by default) when `/v2/info/import` offers it: nothing is
   * sent from this machine. Otherwise the image is uploaded (see `file`). Either way the tag moves only once
   * `os_hash_algo`/`os_hash_value` equal the source image's. Exactly one of `file`, `url`, `imageId` and `importFrom`
   * is given.
   *
   * - `region`: Keystone region whose Glance holds the image (the first region's `region`). At most 255 characters.
   * - `imageId`: The image published there (the first region's GlanceTaggedImage `imageId` output). A UUID.
   * - `file`: A local copy of the same image (e.g. AmphoraImageBuild's `path`), uploaded when this region's Glance does
   *   not offer glance-download; left out, the image's data is downloaded from `region` and uploaded.
   */
  declare readonly importFrom: pulumi.Output<GlanceTaggedImageOutputs["importFrom"]>;
  /** sha256 the file must have, checked on the bytes sent (`file` only). Part of the source identity. */
  declare readonly expectedSha256: pulumi.Output<GlanceTaggedImageOutputs["expectedSha256"]>;
  /**
   * sha512 of the image data, e.g. AmphoraImageBuild's `sha512`: checked on the bytes sent and against Glance's
   * `os_hash_value`. Part of the source identity, so an identical rebuilt file is no change.
   */
  declare readonly expectedSha512: pulumi.Output<GlanceTaggedImageOutputs["expectedSha512"]>;
  /**
   * How `file` data reaches Glance: `auto` = `glance-direct` when `/v2/info/import` offers it, else `upload` (`PUT
   * /file`); `web-download` is implied by `url`. With `importFrom`: `auto` = `glance-download` when offered, else the
   * upload; `glance-download` insists on it; `glance-direct`/`upload` always upload. An explicit method must be enabled
   * in the cloud. One of `auto`, `glance-direct`, `web-download`, `upload`, `glance-download`.
   */
  declare readonly importMethod: pulumi.Output<GlanceTaggedImageOutputs["importMethod"]>;
  /**
   * Glance's `all_stores_must_succeed` for imports and copies to several stores. With false an import that failed for
   * some stores is accepted; the stores still missing are then copied with copy-image.
   */
  declare readonly allStoresMustSucceed: pulumi.Output<GlanceTaggedImageOutputs["allStoresMustSucceed"]>;
  /** Leave an image whose publish failed in Glance for debugging (the next publish of the same source deletes it). */
  declare readonly keepFailedImages: pulumi.Output<GlanceTaggedImageOutputs["keepFailedImages"]>;
  /**
   * Keystone region whose Glance (`image` endpoint) holds the image; default: the session's region (`openstack:region`,
   * `OS_REGION_NAME`, clouds.yaml `region_name`). Lets one program publish to several regions; a change replaces the
   * resource (the old region's resource is deleted first: its images leave, except the current one, which keeps the tag
   * there unless `keepLastTaggedImage` is false). At most 255 characters.
   */
  declare readonly region: pulumi.Output<GlanceTaggedImageOutputs["region"]>;
  /**
   * On delete (destroy, or the delete half of a replacement): when no other active image of the project carries the
   * tag, the current image keeps it and is not deleted, so Octavia never finds no image; the next resource with the
   * same name takes it over. false: the tag is removed and the images deleted whatever Octavia then finds.
   */
  declare readonly keepLastTaggedImage: pulumi.Output<GlanceTaggedImageOutputs["keepLastTaggedImage"]>;
  /**
   * What happens to the images this resource published before (found by their marker property).
   *
   * - `keep`: Previous images kept as they are, newest first (`previousImageIds`, the rollback targets). Range 0 to
   *   100.
   * - `action`: What happens to older ones: `keep` (nothing), `deactivate` or `delete` (never protected images). Images
   *   carrying any tag are never touched, nor images Octavia's amphorae boot from (its amphora API, asked before
   *   anything is removed; when the session may not read it, the plan says so). One of `keep`, `deactivate`, `delete`.
   */
  declare readonly retention: pulumi.Output<GlanceTaggedImageOutputs["retention"]>;
  /**
   * Time limits of the calls that move data.
   *
   * - `uploadSeconds`: Bound of one upload (stage or `PUT /file`), and of reading a web-download back from Glance to
   *   check it. Range > 0, ≤ 86400.
   * - `importSeconds`: Bound of one import or copy (glance-direct, web-download, copy-image). Range > 0, ≤ 86400.
   */
  declare readonly timeouts: pulumi.Output<GlanceTaggedImageOutputs["timeouts"]>;
  /** Its owner project (Octavia's `amp_image_owner_id`). */
  declare readonly ownerId: pulumi.Output<GlanceTaggedImageOutputs["ownerId"]>;
  /** Its Glance status (`active` after create and update). */
  declare readonly status: pulumi.Output<GlanceTaggedImageOutputs["status"]>;
  /** Its size in bytes (0 when Glance reports none). */
  declare readonly size: pulumi.Output<GlanceTaggedImageOutputs["size"]>;
  /** Its virtual size in bytes (0 when Glance reports none). */
  declare readonly virtualSize: pulumi.Output<GlanceTaggedImageOutputs["virtualSize"]>;
  /** Glance's md5 `checksum`. */
  declare readonly checksum: pulumi.Output<GlanceTaggedImageOutputs["checksum"]>;
  /** Glance's `os_hash_algo` (sha512 by default). */
  declare readonly osHashAlgo: pulumi.Output<GlanceTaggedImageOutputs["osHashAlgo"]>;
  /** Glance's `os_hash_value`. */
  declare readonly osHashValue: pulumi.Output<GlanceTaggedImageOutputs["osHashValue"]>;
  /** Stores that hold the image, sorted: what Glance reports, not what was asked for. */
  declare readonly stores: pulumi.Output<GlanceTaggedImageOutputs["stores"]>;
  /** Glance's `created_at` of the image (Octavia's newest-wins order). */
  declare readonly createdAt: pulumi.Output<GlanceTaggedImageOutputs["createdAt"]>;
  /** Images this resource published before and retention keeps, newest first: rollback targets. */
  declare readonly previousImageIds: pulumi.Output<GlanceTaggedImageOutputs["previousImageIds"]>;
  /**
   * Identity of the source the image came from: a declared hash, else file path + size + modification time, the URL, or
   * `image:<id>`.
   */
  declare readonly sourceKey: pulumi.Output<GlanceTaggedImageOutputs["sourceKey"]>;
  /**
   * Glance member status of each project the current image is shared with (`pending`, `accepted`, `rejected`); empty
   * unless it is shared. Octavia's project lists the image only once its status is `accepted`.
   */
  declare readonly memberStatus: pulumi.Output<GlanceTaggedImageOutputs["memberStatus"]>;
  /**
   * What the last refresh found out of line (tag removed, tag on other images, status, stores); the next update repairs
   * it.
   */
  declare readonly drift: pulumi.Output<GlanceTaggedImageOutputs["drift"]>;
  /**
   * Octavia's settings for this image.
   *
   * - `ampImageTag`: `[controller_worker] amp_image_tag`: the tag.
   * - `ampImageOwnerId`: `[controller_worker] amp_image_owner_id`: the image's owner project. Set it: without it a
   *   newer image of another project with the tag could win.
   * - `ampImageId`: The image Octavia's query returns now (for reference; Octavia reads the tag, not this id).
   * - `configSnippet`: The `[controller_worker]` section with both settings, ready to paste or template. Values are
   *   escaped for oslo.config (`$` doubled, quoted when their ends would be stripped), so Octavia reads exactly
   *   `ampImageTag`.
   */
  declare readonly octavia: pulumi.Output<GlanceTaggedImageOutputs["octavia"]>;
  // /generated:properties

  constructor(name: string, args: GlanceTaggedImageArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = {
      ...args,
      resourceKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
    };
    for (const key of OUTPUTS) if (!(key in props)) props[key] = undefined;
    super(provider, name, props, opts, "amphora", "GlanceTaggedImage");
  }
}
