/**
 * Create and update, one flow: stores checked before anything exists → images this instance takes over (an
 * interrupted create's, a released one, or those of 0.1.0 state) → the image (kept, published or adopted) → its
 * attributes, members and stores → the tag moved onto it → retention → pending marker cleared → outputs. Members
 * come before the tag, so the image Octavia's project finds by the tag is always one shared with it.
 *
 * Failures leave no unmanaged tagged image: a conflict found before the tag moved deletes the image a create made
 * for nothing (the tag stays where it was); any failure once the tag is on the new image reports that image to the
 * engine with the error, which keeps it in state (a resource with init errors, updated by the next up).
 */
import { findImage, getImage, reactivateImage, type Image } from "../glance/images";
import { adoptImage } from "./adopt";
import { decideTarget } from "./decide";
import { claimLegacyState, claimOrphans } from "./claims";
import type { FlowContext } from "./context";
import { discardImage } from "./discard";
import { GlanceTaggedImageError, step } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";
import { clearPending, isOwnedBy, PENDING_MARKER } from "./markers";
import { convergeImage, type Converged } from "./metadata";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { adoptionLine, leftAdoptedLine, pendingMembersLine } from "./plan-line";
import { importFromRegion } from "./import-from";
import { publishImage } from "./publish";
import { applyRetention } from "./retention";
import { sourceKey } from "./source-key";
import { assertSameProject, isProjectMove, projectIdMismatch, releasedLine } from "./project-guard";
import { acceptNeedsAdmin } from "./sharing";
import { toOutputs } from "./state";
import { assertStores, convergeStores } from "./stores";
import { appliedLine } from "./summary";
import { moveTag, type TagMove } from "./tag-move";
import { stopIfEngineGone } from "./orphaned-create";

/**
 * The image to tag, as decide.ts decides it (the plan line said the same): the state's image when the source is
 * unchanged and it still exists; otherwise an adopted or published one (a publish re-tags an earlier image of the
 * same source, see half-made.ts, which is what the plan calls a re-tag).
 */
async function targetImage(ctx: FlowContext, news: GlanceTaggedImageInputs, key: string, olds?: GlanceTaggedImageOutputs): Promise<Image> {
  const stateImage = olds && olds.sourceKey === key ? await findImage(ctx.glance, olds.imageId) : undefined;
  const target = decideTarget(olds, news, key, stateImage, []);
  if (target.kind === "keep") {
    if (target.image.status !== "deactivated") return target.image;
    await reactivateImage(ctx.glance, target.image.id);
    ctx.print(`reactivated image ${target.image.id}`);
    return getImage(ctx.glance, target.image.id);
  }
  if (target.kind === "publish" && target.gone && olds) ctx.print(`image ${olds.imageId} is gone; publishing the source again`);
  if (news.imageId !== undefined) return adoptImage(ctx, news);
  return news.importFrom !== undefined ? importFromRegion(ctx, news, key) : publishImage(ctx, news, key);
}

/** An error the dynamic-provider host hands to the engine as "created, but failed to initialize": state keeps `properties`. */
class TaggedButFailed extends GlanceTaggedImageError {
  constructor(
    err: GlanceTaggedImageError,
    readonly id: string,
    readonly properties: GlanceTaggedImageOutputs,
  ) {
    super(err.code, err.resourceKey, `${err.detail}; image ${err.imageId ?? "?"} carries the tag and is kept in state (the next up finishes)`, err.imageId, { cause: err.cause ?? err });
  }
  get reasons(): string[] {
    return [this.message];
  }
}

export async function applyInputs(ctx: FlowContext, news: GlanceTaggedImageInputs, state?: GlanceTaggedImageOutputs): Promise<GlanceTaggedImageOutputs> {
  const mismatch = projectIdMismatch(news.projectId, ctx.glance.projectId);
  if (mismatch) throw new GlanceTaggedImageError("ERR_PROJECT_CHANGED", ctx.resourceKey, `projectId: ${mismatch}; nothing was changed`, state?.imageId);
  const moving = state !== undefined && isProjectMove(ctx.glance.projectId, state, news);
  if (state && !moving) assertSameProject(ctx, state, "update");
  // A move publishes in the new project as a create would; the old project's images are out of this session's reach.
  const olds = moving ? undefined : state;
  const outputs = await applyToProject(ctx, news, olds, state === undefined);
  if (moving) ctx.print(releasedLine(state, ctx.glance.projectId, `tag "${news.tag}" is on image ${outputs.imageId} in ${ctx.glance.projectId}`));
  return outputs;
}

async function applyToProject(ctx: FlowContext, news: GlanceTaggedImageInputs, olds: GlanceTaggedImageOutputs | undefined, create: boolean): Promise<GlanceTaggedImageOutputs> {
  if (news.acceptMembers && !ctx.glance.isAdmin) throw new GlanceTaggedImageError("ERR_FORBIDDEN", ctx.resourceKey, acceptNeedsAdmin(ctx.glance.projectId), olds?.imageId);
  await assertStores(ctx, news.stores);
  if (news.visibility === "community") {
    ctx.print(`warning: visibility community: Octavia finds the image only if its service project owns it`);
  }
  const key = sourceKey(news);
  const k = ctx.resourceKey;
  if (!olds) await step(k, "taking over images left by earlier instances", undefined, () => claimOrphans(ctx));
  else if (olds.instanceId === undefined) await step(k, "marking the images of 0.1.0 state", olds.imageId, () => claimLegacyState(ctx, olds));

  let image = await step(k, "finding the image to tag", olds?.imageId, () => targetImage(ctx, news, key, olds));
  const id = image.id;
  // Made (or taken over) by this create and not finished: deleted again if the tag cannot move onto it.
  const unfinished = !olds && isOwnedBy(image, ctx) && image[PENDING_MARKER] !== undefined;
  // A create's image reaches no state if the engine is gone: it stops where the next create can still take over.
  // `adopted`: what converging changed on an adopted image, put back if the create stops after it.
  const stopIfOrphaned = (at: Image, before: string, adopted?: Converged["adopted"], carried = at.tags.includes(news.tag)): Promise<void> =>
    create ? stopIfEngineGone(ctx, at, before, { name: news.tag, carried }, adopted) : Promise.resolve();
  await stopIfOrphaned(image, "changing the image's attributes");
  const target = image;
  const converged: Converged = await step(k, `updating the attributes and members of image ${id}`, id, () => convergeImage(ctx, target, news, olds));
  image = converged.image;
  // A newly adopted image: what changes on it is known only now (diff cannot read it), so it is said here.
  if (news.imageId !== undefined && id !== olds?.imageId) ctx.print(adoptionLine(news, id, converged));
  if (olds?.adopted && olds.adopted.imageId !== id) {
    const left = leftAdoptedLine(olds.adopted);
    if (left) ctx.print(left);
  }
  const pending = pendingMembersLine(id, news.members ?? [], converged.memberStatus);
  if (pending) ctx.print(pending);
  if (news.stores) {
    const opts = { allStoresMustSucceed: news.allStoresMustSucceed, timeoutMs: news.timeouts.importSeconds * 1000 };
    image = (await convergeStores(ctx, image, news.stores, opts)).image;
  }
  const tagged = image;
  // What the state records besides the image, whether the run finishes or fails after the tag moved.
  const recorded = { memberStatus: converged.memberStatus, ...(converged.adopted ? { adopted: converged.adopted } : {}) };
  await stopIfOrphaned(tagged, "moving the tag", converged.adopted);
  let move: TagMove;
  try {
    move = await step(k, `moving tag "${news.tag}" to image ${id}`, id, () => moveTag(ctx, tagged, news.tag, olds?.tag, olds?.imageId));
  } catch (err) {
    if (unfinished && err instanceof GlanceTaggedImageError && err.code === "ERR_TAG_CONFLICT" && !tagged.tags.includes(news.tag)) {
      await discardImage(ctx, tagged, "published by this create, which cannot move the tag");
    }
    throw err;
  }
  try {
    const retention = await step(k, "applying retention", id, () => applyRetention(ctx, id, news.tag, news.retention));
    ctx.print(appliedLine(news.tag, id, move, retention));
    // The pending marker goes only when nothing else can fail (a crash before it is retried as unfinished).
    await stopIfOrphaned(tagged, "clearing its pending mark", converged.adopted, true);
    await step(k, `finishing image ${id}`, id, () => clearPending(ctx.glance, tagged));
    const final = await step(k, `reading image ${id}`, id, () => getImage(ctx.glance, id));
    // The engine may have gone while the mark was being cleared: then the image is marked again for the retry.
    await stopIfOrphaned(final, "returning", converged.adopted, true);
    return toOutputs(news, final, { previousImageIds: retention.kept, sourceKey: key, drift: [], ...recorded });
  } catch (err) {
    if (!(err instanceof GlanceTaggedImageError)) throw err;
    // Nobody would keep the state of a create whose engine is gone: its image is left for the retry instead.
    if (err.code === "ERR_ENGINE_GONE") throw err;
    const partial = toOutputs(news, tagged, { previousImageIds: olds?.previousImageIds ?? [], sourceKey: key, drift: [err.message], ...recorded });
    throw new TaggedButFailed(err, k, partial);
  }
}
