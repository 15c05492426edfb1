/**
 * Crash-safety markers: properties written on every image this resource creates, so that history, retention
 * and a retried create find the resource's images in Glance itself, not only in state (which a killed process
 * may never have written).
 */
import { createHash } from "node:crypto";
import type { GlanceClient } from "../glance/client";
import { listAllImages, type Image } from "../glance/images";
import { MARKER_PREFIX } from "./inputs";

export const RESOURCE_MARKER = `${MARKER_PREFIX}resource`;
export const SOURCE_MARKER = `${MARKER_PREFIX}source`;

/** Glance property values are limited to 255 characters: long keys are replaced by their hash. */
export function markerValue(value: string): string {
  return value.length <= 255 ? value : `sha256:${createHash("sha256").update(value).digest("hex")}`;
}

export function markerProperties(resourceKey: string, sourceKey: string): Record<string, string> {
  return { [RESOURCE_MARKER]: markerValue(resourceKey), [SOURCE_MARKER]: markerValue(sourceKey) };
}

export function isMarkedBy(image: Image, resourceKey: string): boolean {
  return image[RESOURCE_MARKER] === markerValue(resourceKey);
}

/**
 * The images of `owner` this resource created (optionally only those from one source), newest first.
 * Custom properties are list filters in Glance v2, so this is one query however large the image list.
 */
export function listMarkedImages(glance: GlanceClient, owner: string, resourceKey: string, sourceKey?: string): Promise<Image[]> {
  const filters: Record<string, string> = { [RESOURCE_MARKER]: markerValue(resourceKey) };
  if (sourceKey !== undefined) filters[SOURCE_MARKER] = markerValue(sourceKey);
  return listAllImages(glance, { owner, visibility: "all", sort: "created_at:desc", filters });
}
