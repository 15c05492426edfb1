/**
 * Why an import may have failed on a Glance that inspects formats at import. Glance 30 (OpenStack 2025.1, image
 * API v2.17) checks imported data against `disk_format` (`[image_format] require_image_format_match`, on by
 * default) and refuses data that fails its safety checks (a qcow2 with a backing or data file, for example), but
 * its task then says only "Task failed due to Internal Error"; a refused `PUT /file` is a 415 whose text names the
 * media type instead of the check. The reason is in Glance's log alone.
 */
import type { GlanceClient } from "../glance/client";
import { ImportFailedError, ImportStuckError, isStatus } from "../glance/errors";
import type { GlanceTaggedImageInputs } from "./inputs";

/** The first image API minor version of a Glance that refuses mismatched formats on import. */
export const FORMAT_CHECKING_MINOR = 17;

/** A sentence to add to a failed import's error, or "" when format inspection cannot be the reason. */
export async function formatRefusalHint(glance: GlanceClient, inputs: Pick<GlanceTaggedImageInputs, "diskFormat">, err: unknown): Promise<string> {
  if (!(err instanceof ImportFailedError || err instanceof ImportStuckError || isStatus(err, 415))) return "";
  const version = await glance.version().catch(() => undefined);
  if (!version || version.minor < FORMAT_CHECKING_MINOR) return "";
  return (
    ` (this Glance, image API ${version.id}, checks uploaded and imported data against disk_format ` +
    `"${inputs.diskFormat}" ([image_format] require_image_format_match) and refuses images that fail its safety ` +
    `checks, such as a backing file; its answer does not say which check failed: Glance's log does)`
  );
}
