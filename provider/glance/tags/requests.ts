import type { GlanceClient } from "../client";
import { GlanceInputError } from "../errors";
import { requestVoid } from "../http";
import { imageTagUrl } from "./urls";

/** Glance's limit on a tag's length. */
export const MAX_TAG_LENGTH = 255;

function checkTag(tag: string): void {
  if (tag === "") throw new GlanceInputError("An image tag must not be empty");
  // Glance Zed decodes the tag in the URL path as Latin-1 ("ü" is stored as "Ã¼"), so non-ASCII tags would be
  // silently mangled, and an encoded "/" (%2F) is decoded before routing (404). JSON bodies are fine: set
  // such tags with updateImage instead.
  if (/[^\x20-\x2e\x30-\x7e]/.test(tag)) {
    throw new GlanceInputError(
      `Image tag '${tag}' contains "/", non-ASCII or control characters, which Glance cannot take in the tags URL; ` +
        `set it with updateImage(c, id, [replaceAttribute("tags", [...])]) instead`,
    );
  }
  if (tag.length > MAX_TAG_LENGTH) throw new GlanceInputError(`Image tag is ${tag.length} characters; Glance allows ${MAX_TAG_LENGTH}`);
}

/**
 * `PUT /v2/images/{id}/tags/{tag}` → 204; idempotent. Only the owner project (or an admin) may change tags:
 * others get 403 "Not allowed to update tags for image ...".
 */
export async function addImageTag(c: GlanceClient, id: string, tag: string): Promise<void> {
  checkTag(tag);
  await requestVoid(c, "PUT", imageTagUrl(await c.baseUrl(), id, tag));
}

/** `DELETE /v2/images/{id}/tags/{tag}` → 204; 404 if the image does not have the tag. */
export async function removeImageTag(c: GlanceClient, id: string, tag: string): Promise<void> {
  checkTag(tag);
  await requestVoid(c, "DELETE", imageTagUrl(await c.baseUrl(), id, tag));
}
