import { sameValue as same } from "../common/compare";
import { adoptedRequest } from "./adopted";
import { attributeChanges, changedFields, requestedAttributes, stateAttributes, type AttributeChange } from "./attributes";
import type { GlanceTaggedImageInputs } from "./inputs";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { memberPlan, type MemberPlan } from "./sharing";

/** What an update has to do, derived from old state and new inputs without any network call. */
export interface GlanceTaggedImagePlan {
  /** A new image is published (new source, format) or another one adopted. */
  newImage: boolean;
  tagChanged: boolean;
  /** Stores to copy the image into / delete it from (only when `stores` is set). */
  storesToAdd: string[];
  storesToRemove: string[];
  /** Inputs whose image attributes change (`name`, `visibility`, ..., `properties`). */
  metadata: string[];
  /**
   * The attribute changes, from what the state says the image has. For a newly adopted image, whose attributes
   * only create/update read, the attributes asked for (`from` unknown).
   */
  attributeChanges: AttributeChange[];
  /** Members to add to / remove from the image (on a new image: every member, before the tag moves). */
  members: MemberPlan;
  /** Inputs that change no Glance object (retention, timeouts, hashes...) but are recorded. */
  recorded: string[];
  /** Problems found by the last refresh, repaired by the update. */
  repairs: string[];
  changed: boolean;
}

const RECORDED_FIELDS = [
  "importMethod",
  "allStoresMustSucceed",
  "keepFailedImages",
  "retention",
  "timeouts",
  "file",
  "url",
  "importFrom",
  "expectedSha256",
  "expectedSha512",
  "resourceKey",
  "instanceId",
  "keepLastTaggedImage",
  "acceptMembers",
  "projectId",
] as const;

/**
 * Attributes are compared with what the state says the image has (`attributes`; for a state written by 0.1.0,
 * the inputs it recorded, see stateAttributes), and only those the inputs ask for: an adopted image keeps what
 * the inputs leave out, so leaving an argument out is never a change for it.
 */
function plannedAttributes(olds: GlanceTaggedImageOutputs, news: GlanceTaggedImageInputs, newImage: boolean): AttributeChange[] {
  const requested = requestedAttributes(news);
  // Another image to adopt: diff does not read it, so every attribute asked for is listed, its value unknown.
  if (newImage && news.imageId !== undefined) return attributeChanges({ properties: {} }, requested);
  if (olds.adopted && !newImage) {
    const adopted = adoptedRequest(olds.adopted, requested);
    return attributeChanges(stateAttributes(olds), adopted.requested, adopted.removable);
  }
  return attributeChanges(stateAttributes(olds), requested, Object.keys(olds.properties ?? {}));
}

function plannedMembers(olds: GlanceTaggedImageOutputs, news: GlanceTaggedImageInputs, newImage: boolean): MemberPlan {
  const wanted = news.members ?? [];
  if (newImage) return { add: [...wanted], remove: [], accept: news.acceptMembers ? [...wanted] : [] };
  const current = Object.keys(olds.memberStatus ?? {});
  const adopted = olds.adopted;
  const removable = adopted
    ? (m: string) => adopted.addedMembers.includes(m)
    : (m: string) => news.members !== undefined || (olds.members ?? []).includes(m);
  return memberPlan(current, wanted, removable, news.acceptMembers ? (olds.memberStatus ?? {}) : undefined);
}

export function planUpdate(
  olds: GlanceTaggedImageOutputs,
  news: GlanceTaggedImageInputs,
  newSourceKey: string,
): GlanceTaggedImagePlan {
  const newImage = olds.sourceKey !== newSourceKey;
  const tagChanged = olds.tag !== news.tag;
  const current = new Set(olds.stores);
  const wanted = news.stores ? new Set(news.stores) : undefined;
  const storesToAdd = wanted && !newImage ? [...wanted].filter((s) => !current.has(s)).sort() : [];
  const storesToRemove = wanted && !newImage ? [...current].filter((s) => !wanted.has(s)).sort() : [];
  const changes = plannedAttributes(olds, news, newImage);
  const members = plannedMembers(olds, news, newImage);
  const recorded = RECORDED_FIELDS.filter((f) => !same(olds[f], news[f]));
  const repairs = [...olds.drift];
  const changed =
    newImage ||
    tagChanged ||
    storesToAdd.length > 0 ||
    storesToRemove.length > 0 ||
    changes.length > 0 ||
    members.add.length > 0 ||
    members.remove.length > 0 ||
    members.accept.length > 0 ||
    recorded.length > 0 ||
    repairs.length > 0;
  return { newImage, tagChanged, storesToAdd, storesToRemove, metadata: changedFields(changes), attributeChanges: changes, members, recorded, repairs, changed };
}
