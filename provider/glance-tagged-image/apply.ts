/**
 * Create and update, one flow: stores checked before anything exists → the image (kept, published or adopted)
 * → its attributes, members and stores → the tag moved onto it → retention → outputs. Members come before the
 * tag, so the image Octavia's project finds by the tag is always one shared with it.
 */
import { isStatus } from "../glance/errors";
import { getImage, reactivateImage, type Image } from "../glance/images";
import { adoptImage } from "./adopt";
import type { FlowContext } from "./context";
import { step } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";
import { convergeImage, type Converged } from "./metadata";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { adoptionLine, leftAdoptedLine, pendingMembersLine } from "./plan-line";
import { publishImage } from "./publish";
import { applyRetention } from "./retention";
import { sourceKey } from "./source-key";
import { toOutputs } from "./state";
import { assertStores, convergeStores } from "./stores";
import { appliedLine } from "./summary";
import { moveTag } from "./tag-move";

const GONE = new Set(["deleted", "pending_delete", "killed"]);

/** The state's image when the source is unchanged and it still exists; otherwise a published or adopted one. */
async function targetImage(ctx: FlowContext, news: GlanceTaggedImageInputs, key: string, olds?: GlanceTaggedImageOutputs): Promise<Image> {
  if (olds && olds.sourceKey === key) {
    const current = await getImage(ctx.glance, olds.imageId).catch((err: unknown) => {
      if (isStatus(err, 404)) return undefined;
      throw err;
    });
    if (current && !GONE.has(current.status)) {
      if (current.status !== "deactivated") return current;
      await reactivateImage(ctx.glance, current.id);
      ctx.print(`${ctx.resourceKey}: reactivated image ${current.id}`);
      return getImage(ctx.glance, current.id);
    }
    ctx.print(`${ctx.resourceKey}: image ${olds.imageId} is gone; publishing the source again`);
  }
  return news.imageId !== undefined ? adoptImage(ctx, news) : publishImage(ctx, news, key);
}

export async function applyInputs(ctx: FlowContext, news: GlanceTaggedImageInputs, olds?: GlanceTaggedImageOutputs): Promise<GlanceTaggedImageOutputs> {
  await assertStores(ctx, news.stores);
  if (news.visibility === "community") {
    ctx.print(`${ctx.resourceKey}: warning: visibility community: Octavia finds the image only if its service project owns it`);
  }
  const key = sourceKey(news);
  const k = ctx.resourceKey;
  let image = await step(k, "finding the image to tag", olds?.imageId, () => targetImage(ctx, news, key, olds));
  const id = image.id;
  const target = image;
  const converged: Converged = await step(k, `updating the attributes and members of image ${id}`, id, () => convergeImage(ctx, target, news, olds));
  image = converged.image;
  // A newly adopted image: what changes on it is known only now (diff cannot read it), so it is said here.
  if (news.imageId !== undefined && id !== olds?.imageId) ctx.print(adoptionLine(news, id, converged));
  if (olds?.adopted && olds.adopted.imageId !== id) {
    const left = leftAdoptedLine(olds.adopted);
    if (left) ctx.print(`${k}: ${left}`);
  }
  const pending = pendingMembersLine(id, news.members ?? [], converged.memberStatus);
  if (pending) ctx.print(`${k}: ${pending}`);
  if (news.stores) {
    const opts = { allStoresMustSucceed: news.allStoresMustSucceed, timeoutMs: news.timeouts.importSeconds * 1000 };
    image = (await convergeStores(ctx, image, news.stores, opts)).image;
  }
  const tagged = image;
  const move = await step(k, `moving tag "${news.tag}" to image ${id}`, id, () => moveTag(ctx, tagged, news.tag, olds?.tag, olds?.imageId));
  const retention = await step(k, "applying retention", id, () => applyRetention(ctx, id, news.tag, news.retention));
  ctx.print(appliedLine(news.tag, id, move, retention));
  const final = await step(k, `reading image ${id}`, id, () => getImage(ctx.glance, id));
  return toOutputs(news, final, {
    previousImageIds: retention.kept,
    sourceKey: key,
    drift: [],
    memberStatus: converged.memberStatus,
    ...(converged.adopted ? { adopted: converged.adopted } : {}),
  });
}
