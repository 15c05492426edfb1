import * as pulumi from "@pulumi/pulumi";
import type { GlanceTaggedImageArgsInput } from "../provider/glance-tagged-image/inputs";
import type { OctaviaSettings } from "../provider/glance-tagged-image/outputs";
import { packageProvider } from "./internal/provider-shim";

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
 * - **Upload once**: `importFrom: { region: "RegionOne", imageId: first.imageId, file: build.path }` makes a
 *   second region's Glance import the first region's image itself (`glance-download`, where `/v2/info/import`
 *   offers it), else uploads `file`; the tag moves only once its `os_hash_value` equals the first region's.
 *
 * Credentials come from the `openstack:*` stack config, `OS_*` variables or clouds.yaml, never from state.
 */
export type GlanceTaggedImageArgs = WithSource<"file"> | WithSource<"url"> | WithSource<"imageId"> | WithSource<"importFrom">;

/** The arguments: the inputs without those the class sets itself. */
type Args = Omit<GlanceTaggedImageArgsInput, "resourceKey" | "instanceId">;
type Source = "file" | "url" | "imageId" | "importFrom";

/** `importFrom` with each field an Input too: it is fed by another region's resource (`imageId: first.imageId`). */
type ImportFromArg = { [K in keyof NonNullable<Args["importFrom"]>]: pulumi.Input<NonNullable<Args["importFrom"]>[K]> };
type SourceArg<K extends Source> = K extends "importFrom" ? ImportFromArg : NonNullable<Args[K]>;

/** Every argument but the sources, each an Input of exactly what `check` accepts (closed sets stay closed). */
type CommonArgs = { [K in keyof Omit<Args, Source>]: pulumi.Input<Args[K]> };

/** Exactly one source, as `check` requires: the chosen one given, the other two absent. */
type WithSource<S extends Source> = CommonArgs &
  { [K in S]: pulumi.Input<SourceArg<K>> } &
  { [K in Exclude<Source, S>]?: never };

const provider = packageProvider("glance-tagged-image/provider");

/** Output properties: registered as undefined so that the engine fills them in. */
const OUTPUTS = [
  "imageId", "ownerId", "status", "size", "virtualSize", "checksum", "osHashAlgo", "osHashValue", "stores",
  "createdAt", "previousImageIds", "sourceKey", "memberStatus", "drift", "octavia",
] as const;

export class GlanceTaggedImage extends pulumi.dynamic.Resource {
  /** The image that carries the tag now. */
  declare readonly imageId: pulumi.Output<string>;
  /** Its owner: Octavia's `amp_image_owner_id`. */
  declare readonly ownerId: pulumi.Output<string>;
  declare readonly tag: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly size: pulumi.Output<number>;
  declare readonly virtualSize: pulumi.Output<number>;
  /** Glance's md5 `checksum`. */
  declare readonly checksum: pulumi.Output<string>;
  declare readonly osHashAlgo: pulumi.Output<string>;
  declare readonly osHashValue: pulumi.Output<string>;
  /** Stores that hold the image, sorted (what Glance reports, not what was asked for). */
  declare readonly stores: pulumi.Output<string[]>;
  declare readonly createdAt: pulumi.Output<string>;
  /** Previous images of this resource kept by retention, newest first. */
  declare readonly previousImageIds: pulumi.Output<string[]>;
  /** Identity of the source the current image came from. */
  declare readonly sourceKey: pulumi.Output<string>;
  /** Glance member status (`pending`, `accepted`, `rejected`) of each project the image is shared with. */
  declare readonly memberStatus: pulumi.Output<Record<string, string>>;
  /** What the last refresh found out of line (repaired by the next up); empty when in sync. */
  declare readonly drift: pulumi.Output<string[]>;
  /** Octavia's settings for this image, with the ready `[controller_worker]` snippet. */
  declare readonly octavia: pulumi.Output<OctaviaSettings>;

  constructor(name: string, args: GlanceTaggedImageArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = {
      ...args,
      resourceKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
    };
    for (const key of OUTPUTS) if (!(key in props)) props[key] = undefined; // `stores` is also an input
    super(provider, name, props, opts, "amphora", "GlanceTaggedImage");
  }
}
