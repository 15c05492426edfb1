/**
 * The decisions of an update, as pure functions of the inputs, the old state and what Glance shows. diff calls
 * `decide` on a read-only view of Glance (observe.ts) and renders the result as the plan line; create/update call
 * the same functions on what they read while executing (apply.ts: the target; tag-move.ts: which holders of the
 * tag are untagged, left alone or refused; retention.ts: what happens to each earlier image). So a plan cannot say
 * "new upload" where the apply re-tags, or leave out an image the apply untags.
 */
import { isGoneStatus, type Image } from "../glance/images";
import type { AmphoraUse } from "./amphora-use";
import type { GlanceTaggedImageInputs } from "./inputs";
import { hasResourceKey, isOwnedBy, markerValue, RELEASED_MARKER, RESOURCE_MARKER, SOURCE_MARKER, type Identity } from "./markers";
import type { GlanceTaggedImageOutputs } from "./outputs";

const FINISHED = new Set(["active", "deactivated"]);

/** How an image carrying the tag relates to this resource instance. */
export type Relation = "own" | "sibling" | "other-resource" | "free";

export function relation(who: Identity, image: Image, own: ReadonlySet<string>): Relation {
  if (own.has(image.id) || isOwnedBy(image, who)) return "own";
  const marker = image[RESOURCE_MARKER];
  if (typeof marker !== "string" || marker === "" || image[RELEASED_MARKER] !== undefined) return "free";
  return hasResourceKey(image, who.resourceKey) ? "sibling" : "other-resource";
}

/** What the tag move does with the owner's other images carrying the tag. */
export interface HolderDecision {
  /** Taken off: this instance's other images, images tagged by hand, images a delete released. */
  untag: Image[];
  /** Left tagged: images of another instance of this resource name (replaced, or a second deployment). */
  siblings: Image[];
  /** Another resource's images: the move is refused (ERR_TAG_CONFLICT) and changes nothing. */
  conflicts: Image[];
}

/** `holders`: images carrying the tag; `targetId`: the image that gets it ("" for one not published yet). */
export function decideHolders(who: Identity, owner: string, holders: readonly Image[], targetId: string, stateImageId?: string): HolderDecision {
  const own = new Set([targetId, ...(stateImageId !== undefined ? [stateImageId] : [])]);
  const decision: HolderDecision = { untag: [], siblings: [], conflicts: [] };
  for (const image of holders) {
    if (image.id === targetId || image.owner !== owner) continue;
    const r = relation(who, image, own);
    if (r === "other-resource") decision.conflicts.push(image);
    else if (r === "sibling") decision.siblings.push(image);
    else decision.untag.push(image);
  }
  return decision;
}

/** After a tag rename: the images the old tag is removed from (never another resource's or instance's). */
export function oldTagRemovals(who: Identity, oldHolders: readonly Image[], targetId: string, stateImageId?: string): Image[] {
  const own = new Set([targetId, ...(stateImageId !== undefined ? [stateImageId] : [])]);
  return oldHolders.filter((i) => {
    const r = relation(who, i, own);
    return r !== "other-resource" && r !== "sibling";
  });
}

/** `in-use`: amphorae boot from it; `use-unknown`: Octavia did not answer whether any do (kept this run). */
export type Verdict = "keep" | "deactivate" | "delete" | "tagged" | "protected" | "in-use" | "use-unknown";

/** What retention does with one expired image; `use`: what Octavia said of its amphorae, when it was asked. */
export function verdict(
  image: Pick<Image, "id" | "tags" | "protected">,
  action: GlanceTaggedImageInputs["retention"]["action"],
  use?: AmphoraUse,
): Verdict {
  // Any tag may be what another resource or Octavia looks for (e.g. a canary promoted to the main tag).
  if (image.tags.length > 0) return "tagged";
  if (action === "delete" && image.protected) return "protected";
  if (action === "keep" || use === undefined) return action;
  if ("failed" in use) return "use-unknown";
  if ("inUse" in use && use.inUse.has(image.id)) return "in-use";
  return action;
}

export interface ExpiredImage {
  image: Image;
  verdict: Verdict;
  /** Serving amphorae on the image (verdict `in-use`). */
  amphorae?: number;
}

export interface RetentionDecision {
  /** Earlier images inside the window, newest first (`previousImageIds`). */
  kept: Image[];
  expired: ExpiredImage[];
  /** Unfinished images of interrupted publishes: deleted. */
  leftovers: Image[];
  /** Why Octavia was not asked (or did not answer) about images retention deactivates, deletes or keeps for it. */
  amphoraUseNote?: string;
}

/** Does retention deactivate or delete any image when nobody boots from them (so Octavia must be asked first)? */
export function removesImages(decision: Pick<RetentionDecision, "expired">): boolean {
  return decision.expired.some((e) => e.verdict === "deactivate" || e.verdict === "delete");
}

/**
 * `ownImages`: this instance's images, newest first, as they are once the tag has moved; `use`: Octavia's answer
 * (asked only when `removesImages` of the decision without it).
 */
export function decideRetention(
  ownImages: readonly Image[],
  currentId: string,
  retention: GlanceTaggedImageInputs["retention"],
  use?: AmphoraUse,
): RetentionDecision {
  const history: Image[] = [];
  const leftovers: Image[] = [];
  for (const image of ownImages) {
    if (image.id === currentId) continue;
    if (FINISHED.has(image.status)) history.push(image);
    else leftovers.push(image);
  }
  const expired = history.slice(retention.keep).map((image): ExpiredImage => {
    const v = verdict(image, retention.action, use);
    const amphorae = v === "in-use" && use && "inUse" in use ? use.inUse.get(image.id) : undefined;
    return { image, verdict: v, ...(amphorae !== undefined ? { amphorae } : {}) };
  });
  const decision: RetentionDecision = { kept: history.slice(0, retention.keep), expired, leftovers };
  if (use !== undefined && !("inUse" in use) && (removesImages(decision) || expired.some((e) => e.verdict === "use-unknown"))) {
    decision.amphoraUseNote = "unknown" in use ? `amphora use not checked: ${use.unknown}` : `kept until Octavia answers: ${use.failed}`;
  }
  return decision;
}

/** Finished images of this instance published from `key`, newest first: a publish re-tags the first that verifies. */
export function reuseCandidates(ownImages: readonly Image[], key: string): Image[] {
  return ownImages.filter((i) => i[SOURCE_MARKER] === markerValue(key) && FINISHED.has(i.status));
}

/** The image that gets the tag. */
export type Target =
  /** The state's image, same source, still there (reactivated first when retention deactivated it). */
  | { kind: "keep"; image: Image }
  /** An earlier image of this instance from the same source (a rollback to an earlier `file`): re-tagged, no upload. */
  | { kind: "reuse"; image: Image }
  /** A new image from `file` or `url`; `gone`: the state's image of the same source was deleted. */
  | { kind: "publish"; gone: boolean }
  | { kind: "adopt"; imageId: string }
  /** The source is not known yet (an upstream resource's output in a preview). */
  | { kind: "unknown" };

export function decideTarget(
  olds: Pick<GlanceTaggedImageOutputs, "sourceKey"> | undefined,
  news: Pick<GlanceTaggedImageInputs, "imageId">,
  key: string | undefined,
  stateImage: Image | undefined,
  ownImages: readonly Image[],
): Target {
  if (key === undefined) return { kind: "unknown" };
  const sameSource = olds !== undefined && olds.sourceKey === key;
  if (sameSource && stateImage && !isGoneStatus(stateImage.status)) return { kind: "keep", image: stateImage };
  if (news.imageId !== undefined) return { kind: "adopt", imageId: news.imageId };
  const [earlier] = reuseCandidates(ownImages, key);
  return earlier ? { kind: "reuse", image: earlier } : { kind: "publish", gone: sameSource };
}

/** What Glance shows that an update depends on; read by observe.ts (diff) and while the update runs. */
export interface GlanceView {
  owner: string;
  /** The state's image (undefined: gone). */
  stateImage?: Image;
  /** The owner's images carrying the tag. */
  holders: Image[];
  /** The owner's images carrying the old tag (a tag rename only). */
  oldHolders: Image[];
  /** This instance's images, newest first. */
  ownImages: Image[];
  /** Import methods Glance offers (`/v2/info/import`); undefined when the import API is off. */
  importMethods?: string[];
  /** What Octavia says of the amphorae's images; read only when retention would deactivate or delete. */
  amphoraUse?: AmphoraUse;
  /** The image `imageId` names, read when the resource is about to adopt it (null: Glance shows no such image). */
  adoptee?: Image | null;
}

export interface ActionPlan {
  target: Target;
  holders: HolderDecision;
  oldTagRemoved: Image[];
  retention: RetentionDecision;
}

/** The tags each image has once the move is done, for retention's "still tagged" rule. */
function afterMove(images: readonly Image[], tag: string, untagged: ReadonlySet<string>, oldTag: string | undefined, oldRemoved: ReadonlySet<string>): Image[] {
  return images.map((i) => ({
    ...i,
    tags: i.tags.filter((t) => !(t === tag && untagged.has(i.id)) && !(t === oldTag && oldRemoved.has(i.id))),
  }));
}

/**
 * The whole update, decided: `key` is the new source key (undefined when the source is unknown), `news` the
 * inputs (`tag` and `retention` known).
 */
export function decide(
  who: Identity,
  olds: GlanceTaggedImageOutputs | undefined,
  news: Pick<GlanceTaggedImageInputs, "tag" | "retention" | "imageId">,
  key: string | undefined,
  view: GlanceView,
): ActionPlan {
  const target = decideTarget(olds, news, key, view.stateImage, view.ownImages);
  const targetId = target.kind === "keep" || target.kind === "reuse" ? target.image.id : target.kind === "adopt" ? target.imageId : "";
  const holders = decideHolders(who, view.owner, view.holders, targetId, olds?.imageId);
  const renamed = olds !== undefined && olds.tag !== news.tag ? olds.tag : undefined;
  const oldTagRemoved = renamed !== undefined ? oldTagRemovals(who, view.oldHolders, targetId, olds?.imageId) : [];
  const moved = afterMove(
    view.ownImages,
    news.tag,
    new Set(holders.untag.map((i) => i.id)),
    renamed,
    new Set(oldTagRemoved.map((i) => i.id)),
  );
  return { target, holders, oldTagRemoved, retention: decideRetention(moved, targetId, news.retention, view.amphoraUse) };
}
