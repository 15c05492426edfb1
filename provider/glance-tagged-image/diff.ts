import { sameValue as same } from "../common/compare";
import type { GlanceTaggedImageInputs } from "./inputs";
import type { GlanceTaggedImageOutputs } from "./outputs";

/** What an update has to do, derived from old state and new inputs without any network call. */
export interface GlanceTaggedImagePlan {
  /** A new image is published (new source, format) or another one adopted. */
  newImage: boolean;
  tagChanged: boolean;
  /** Stores to copy the image into / delete it from (only when `stores` is set). */
  storesToAdd: string[];
  storesToRemove: string[];
  /** Image attributes patched in place. */
  metadata: string[];
  /** Inputs that change no Glance object (retention, timeouts, hashes...) but are recorded. */
  recorded: string[];
  /** Problems found by the last refresh, repaired by the update. */
  repairs: string[];
  changed: boolean;
}

const METADATA_FIELDS = ["name", "visibility", "protected", "minDisk", "minRam", "properties"] as const;
const RECORDED_FIELDS = [
  "importMethod",
  "allStoresMustSucceed",
  "keepFailedImages",
  "retention",
  "timeouts",
  "file",
  "url",
  "expectedSha256",
  "expectedSha512",
  "resourceKey",
  "instanceId",
  "keepLastTaggedImage",
] as const;


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
  const metadata = METADATA_FIELDS.filter((f) => !same(olds[f], news[f]));
  const recorded = RECORDED_FIELDS.filter((f) => !same(olds[f], news[f]));
  const repairs = [...olds.drift];
  const changed =
    newImage ||
    tagChanged ||
    storesToAdd.length > 0 ||
    storesToRemove.length > 0 ||
    metadata.length > 0 ||
    recorded.length > 0 ||
    repairs.length > 0;
  return { newImage, tagChanged, storesToAdd, storesToRemove, metadata, recorded, repairs, changed };
}
