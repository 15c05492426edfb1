/**
 * Ownership markers: properties written on every image a resource creates, so that history, retention and a
 * retried create find the resource's images in Glance itself, not only in state (which a killed process may never
 * have written).
 *
 * - `pulumi_amphora_resource`: the resource's `<project>/<stack>/<name>` (for people, and for finding images of
 *   other resource instances with the same name);
 * - `pulumi_amphora_instance`: the resource instance, created once by `check` and kept in state. This is what makes
 *   an image this resource's own: a replacement (`--replace`, taint, a replacing change) and a second deployment
 *   with the same names are other instances and never touch each other's images;
 * - `pulumi_amphora_source`: the source the image was published from (see source-key.ts);
 * - `pulumi_amphora_pending`: set while the create or update that made the image has not finished; an image left
 *   pending by an interrupted *create* (whose instance never reached any state) is claimed by the next create of
 *   the same name and source instead of uploading again;
 * - `pulumi_amphora_released`: set by a delete that left the image carrying the tag because Octavia would otherwise
 *   find none; the next instance with the same name claims it and moves the tag on.
 */
import { createHash } from "node:crypto";
import type { GlanceClient } from "../glance/client";
import { listAllImages, propertyPatch, updateImage, type Image } from "../glance/images";
import { MARKER_PREFIX } from "./inputs";

export const RESOURCE_MARKER = `${MARKER_PREFIX}resource`;
export const INSTANCE_MARKER = `${MARKER_PREFIX}instance`;
export const SOURCE_MARKER = `${MARKER_PREFIX}source`;
export const PENDING_MARKER = `${MARKER_PREFIX}pending`;
export const RELEASED_MARKER = `${MARKER_PREFIX}released`;

/** Who a resource instance is: its name in the stack and the instance id `check` created for it. */
export interface Identity {
  resourceKey: string;
  instanceId: string;
}

/** Glance property values are limited to 255 characters: long keys are replaced by their hash. */
export function markerValue(value: string): string {
  return value.length <= 255 ? value : `sha256:${createHash("sha256").update(value).digest("hex")}`;
}

/** Markers of a new image record: owned by `who`, from `sourceKey`, pending until its create or update finishes. */
export function markerProperties(who: Identity, sourceKey: string): Record<string, string> {
  return {
    [RESOURCE_MARKER]: markerValue(who.resourceKey),
    [INSTANCE_MARKER]: who.instanceId,
    [SOURCE_MARKER]: markerValue(sourceKey),
    [PENDING_MARKER]: "true",
  };
}

export function isOwnedBy(image: Image, who: Identity): boolean {
  return image[INSTANCE_MARKER] === who.instanceId;
}

/** The image carries this resource name's marker (any instance, or none: images of version 0.1.0). */
export function hasResourceKey(image: Image, resourceKey: string): boolean {
  return image[RESOURCE_MARKER] === markerValue(resourceKey);
}

/**
 * The images of `owner` this resource instance created (optionally only those from one source), newest first.
 * Custom properties are list filters in Glance v2, so this is one query however large the image list.
 */
export function listOwnImages(glance: GlanceClient, owner: string, who: Identity, sourceKey?: string): Promise<Image[]> {
  const filters: Record<string, string> = { [INSTANCE_MARKER]: who.instanceId };
  if (sourceKey !== undefined) filters[SOURCE_MARKER] = markerValue(sourceKey);
  return listAllImages(glance, { owner, visibility: "all", sort: "created_at:desc", filters });
}

/** Every image of `owner` carrying a resource name's marker, whatever instance made it, newest first. */
export function listMarkedImages(glance: GlanceClient, owner: string, resourceKey: string, extra: Record<string, string> = {}): Promise<Image[]> {
  const filters: Record<string, string> = { [RESOURCE_MARKER]: markerValue(resourceKey), ...extra };
  return listAllImages(glance, { owner, visibility: "all", sort: "created_at:desc", filters });
}

/**
 * Makes `image` this instance's own: instance marker set, released cleared (pending stays until the flow that
 * took it over finishes). Used for images an interrupted create or a delete left behind, and for images of state
 * written by version 0.1.0 (no instance).
 */
export function claimImage(glance: GlanceClient, image: Image, who: Identity): Promise<Image> {
  const owned = { [RESOURCE_MARKER]: markerValue(who.resourceKey), [INSTANCE_MARKER]: who.instanceId };
  return patchMarkers(glance, image, owned, [RELEASED_MARKER]);
}

/** Clears the pending marker once the create or update that made the image has finished. */
export function clearPending(glance: GlanceClient, image: Image): Promise<Image> {
  return patchMarkers(glance, image, {}, [PENDING_MARKER]);
}

/** Marks this instance's image pending again: a create that cannot finish leaves it for the next create to claim. */
export function markPending(glance: GlanceClient, image: Image): Promise<Image> {
  return patchMarkers(glance, image, { [PENDING_MARKER]: "true" }, []);
}

/** Marks an image a delete left carrying the tag as free for the next instance of the same name. */
export function releaseImage(glance: GlanceClient, image: Image): Promise<Image> {
  return patchMarkers(glance, image, { [RELEASED_MARKER]: "true" }, [PENDING_MARKER]);
}

async function patchMarkers(glance: GlanceClient, image: Image, set: Record<string, string>, removed: string[]): Promise<Image> {
  const ops = propertyPatch(image, set, removed);
  return ops.length ? updateImage(glance, image.id, ops) : image;
}
