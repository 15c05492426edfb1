/**
 * A create whose engine went away (common/engine-liveness.ts) stops at the next point where it would change what
 * Octavia boots or finish its image. Nothing would record what it did: the engine's retry is a new resource instance,
 * which takes over an image of its name only while that image is still marked pending (claims.ts). Left to finish,
 * the create would clear that mark and the retry would publish the same source a second time.
 */
import type { Image } from "../glance/images";
import { engineGone } from "../common/engine-liveness";
import { restoreAdopted } from "./adopted";
import type { FlowContext } from "./context";
import { GlanceTaggedImageError } from "./errors";
import { isOwnedBy, markPending, PENDING_MARKER } from "./markers";
import type { AdoptedChanges } from "./outputs";

/**
 * `adopted`: what the create changed on an image it adopts (`imageId`), put back before it stops, since the retry
 * adopts the image again and would take those changes for how it was found.
 */
export async function stopIfEngineGone(
  ctx: FlowContext,
  image: Image,
  before: string,
  tag: { name: string; carried: boolean },
  adopted?: AdoptedChanges,
): Promise<void> {
  if (!engineGone()) return;
  const own = isOwnedBy(image, ctx);
  if (own && image[PENDING_MARKER] === undefined) await markPending(ctx.glance, image);
  const carries = tag.carried ? `carries tag "${tag.name}"` : `does not carry tag "${tag.name}"`;
  let left: string;
  if (own) {
    left = `image ${image.id} stays marked pending and ${carries}; the next \`pulumi up\` takes it over instead of publishing again`;
  } else {
    const back = adopted ? await restoreAdopted(ctx, adopted, tag.carried) : { restored: [], left: [] };
    const undone = back.restored.length ? `; what this create changed on it was put back (${back.restored.join(", ")})` : "";
    const kept = back.left.length ? `; left while it carries the tag: ${back.left.join(", ")}` : "";
    left = `the adopted image ${image.id} ${carries}${undone}${kept}; the next \`pulumi up\` adopts it again`;
  }
  throw new GlanceTaggedImageError(
    "ERR_ENGINE_GONE",
    ctx.resourceKey,
    `the Pulumi engine that asked for this create is gone (the CLI exited without waiting for it), so no state would record the image: stopped before ${before}; ${left}`,
    image.id,
  );
}
