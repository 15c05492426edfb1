/**
 * A create whose engine went away (common/engine-liveness.ts) stops at the next point where it would change what
 * Octavia boots or finish its image. Nothing would record what it did: the engine's retry is a new resource instance,
 * which takes over an image of its name only while that image is still marked pending (claims.ts). Left to finish,
 * the create would clear that mark and the retry would publish the same source a second time.
 */
import type { Image } from "../glance/images";
import { engineGone } from "../common/engine-liveness";
import type { FlowContext } from "./context";
import { GlanceTaggedImageError } from "./errors";
import { isOwnedBy, markPending, PENDING_MARKER } from "./markers";

export async function stopIfEngineGone(ctx: FlowContext, image: Image, before: string, tag: { name: string; carried: boolean }): Promise<void> {
  if (!engineGone()) return;
  const own = isOwnedBy(image, ctx);
  if (own && image[PENDING_MARKER] === undefined) await markPending(ctx.glance, image);
  const carries = tag.carried ? `carries tag "${tag.name}"` : `does not carry tag "${tag.name}"`;
  const left = own
    ? `image ${image.id} stays marked pending and ${carries}; the next \`pulumi up\` takes it over instead of publishing again`
    : `the adopted image ${image.id} ${carries}; the next \`pulumi up\` adopts it again`;
  throw new GlanceTaggedImageError(
    "ERR_ENGINE_GONE",
    ctx.resourceKey,
    `the Pulumi engine that asked for this create is gone (the CLI exited without waiting for it), so no state would record the image: stopped before ${before}; ${left}`,
    image.id,
  );
}
