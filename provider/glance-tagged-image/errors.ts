/**
 * Errors of GlanceTaggedImage (the common model: common/errors.ts). Every message names the resource (its
 * resourceKey), the image when there is one, and Glance's own message when Glance said something.
 */
import { ResourceError, serviceWords } from "../common/errors";

export type GlanceTaggedImageErrorCode =
  /** A requested store does not exist, or the deployment has a single store. */
  | "ERR_STORES"
  /** The bytes Glance holds differ from the bytes sent or declared. */
  | "ERR_HASH_MISMATCH"
  /** An import plugin changed the data (format conversion): hashes no longer describe the file. */
  | "ERR_CONVERTED"
  /** Upload, import or copy failed, got stuck or timed out. */
  | "ERR_PUBLISH"
  /** The image to adopt cannot be adopted (other owner, not active, gone). */
  | "ERR_ADOPT"
  /** The import method asked for is not enabled on this Glance. */
  | "ERR_IMPORT_METHOD"
  /** The source file cannot be read. */
  | "ERR_SOURCE"
  /**
   * The source is not what `diskFormat` declares, reads another file (backing file, data file, vmdk extents), is
   * incomplete, or its virtual size exceeds `minDisk`: refused before anything exists in Glance (`file`), or
   * deleted before the tag moves (`url`).
   */
  | "ERR_SOURCE_FORMAT"
  /** Another GlanceTaggedImage resource (another stack) moves the same tag: both images keep it. */
  | "ERR_TAG_CONFLICT"
  /** The session's project is not the project that owns the resource's images (other credentials or cloud). */
  | "ERR_PROJECT_CHANGED"
  /**
   * The Pulumi engine that asked for a create exited while it ran (its stdin closed): the create stopped with its
   * image marked pending, which the next create of the resource takes over.
   */
  | "ERR_ENGINE_GONE"
  /** Authentication with Keystone, or finding Glance in its catalog, failed: nothing was asked of Glance. */
  | "ERR_CONNECT"
  /** The session lacks a role an input needs (`acceptMembers`: admin): refused before anything was changed. */
  | "ERR_FORBIDDEN"
  /** Any other Glance call failed (patching attributes, moving the tag, retention, refresh, delete). */
  | "ERR_GLANCE";

export class GlanceTaggedImageError extends ResourceError {
  override name = "GlanceTaggedImageError";
  declare readonly code: GlanceTaggedImageErrorCode;

  constructor(
    code: GlanceTaggedImageErrorCode,
    readonly resourceKey: string,
    message: string,
    imageId?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, { subject: `GlanceTaggedImage ${resourceKey}`, ...(imageId !== undefined && { imageId }), ...(options?.cause !== undefined && { cause: options.cause }) });
  }
}

/** Runs one step of a flow; a failure that is not already ours is reported as that step of that resource. */
export async function step<T>(resourceKey: string, what: string, imageId: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GlanceTaggedImageError) throw err;
    throw new GlanceTaggedImageError("ERR_GLANCE", resourceKey, `${what} failed: ${serviceWords(err)}`, imageId, { cause: err });
  }
}
