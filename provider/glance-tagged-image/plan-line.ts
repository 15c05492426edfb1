import { statSync } from "node:fs";
import type { GlanceTaggedImagePlan } from "./diff";
import type { GlanceTaggedImageInputs } from "./inputs";
import type { GlanceTaggedImageOutputs } from "./outputs";

export const short = (id: string): string => (id.length > 8 ? `${id.slice(0, 8)}…` : id);

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function describeSource(news: GlanceTaggedImageInputs): string {
  if (news.imageId !== undefined) return `adopt image ${short(news.imageId)}`;
  const hash = news.expectedSha512
    ? `sha512 ${news.expectedSha512.slice(0, 8)}…`
    : news.expectedSha256
      ? `sha256 ${news.expectedSha256.slice(0, 8)}…`
      : undefined;
  if (news.url !== undefined) return `new web-download of ${news.url}${hash ? ` (${hash})` : ""}`;
  let size = "";
  try {
    size = formatBytes(statSync(news.file ?? "").size);
  } catch {
    size = "file not built yet";
  }
  return `new upload (${[hash, size].filter(Boolean).join(", ")})`;
}

function storesText(news: GlanceTaggedImageInputs): string {
  return news.stores && news.stores.length > 0 ? ` to ${news.stores.join(",")}` : " to the default store";
}

/** Which previous images survive a move, newest first, and which fall out of the retention window. */
export function retentionAfterMove(
  currentImageId: string,
  previous: readonly string[],
  keep: number,
  newImageId?: string,
): { kept: string[]; expired: string[] } {
  const history = [currentImageId, ...previous].filter((id, i, all) => id !== newImageId && all.indexOf(id) === i);
  return { kept: history.slice(0, keep), expired: history.slice(keep) };
}

/** One plain line per change, printed during preview and up: what happens to the tag, images and stores. */
export function planLine(
  olds: GlanceTaggedImageOutputs | undefined,
  news: GlanceTaggedImageInputs,
  plan?: GlanceTaggedImagePlan,
): string {
  const head = `tag "${news.tag}"${news.region !== undefined ? ` in ${news.region}` : ""}: `;
  if (!olds || !plan) return `${head}${describeSource(news)}${news.imageId ? "" : storesText(news)}`;
  const parts: string[] = [];
  if (plan.newImage) {
    parts.push(`${short(olds.imageId)} → ${describeSource(news)}${news.imageId ? "" : storesText(news)}`);
    const { kept, expired } = retentionAfterMove(olds.imageId, olds.previousImageIds, news.retention.keep, news.imageId);
    if (kept.length) parts.push(`${kept.map(short).join(", ")} kept untagged`);
    if (expired.length) {
      const verb = { keep: "kept (retention action keep)", deactivate: "deactivated by retention", delete: "deleted by retention" }[
        news.retention.action
      ];
      parts.push(`${expired.map(short).join(", ")} ${verb}`);
    }
  }
  if (plan.tagChanged) parts.push(`tag "${olds.tag}" → "${news.tag}" on ${short(olds.imageId)}`);
  if (plan.storesToAdd.length) parts.push(`copy ${short(olds.imageId)} to ${plan.storesToAdd.join(",")}`);
  if (plan.storesToRemove.length) parts.push(`remove ${short(olds.imageId)} from ${plan.storesToRemove.join(",")}`);
  if (plan.metadata.length) parts.push(`update ${plan.metadata.join(", ")}`);
  if (plan.repairs.length) parts.push(`repair: ${plan.repairs.join("; ")}`);
  // Retention is applied on every update, so a new window acts on the existing history at once.
  if (!plan.newImage && plan.recorded.includes("retention")) {
    const { keep, action } = news.retention;
    const expired = olds.previousImageIds.slice(keep);
    parts.push(
      `apply retention: keep ${keep} previous image(s)` +
        (expired.length && action !== "keep" ? `, ${action} ${expired.map(short).join(", ")}` : "") +
        (action !== "keep" ? ` (and older marked images)` : ""),
    );
  }
  if (plan.recorded.includes("instanceId") && olds.instanceId === undefined) {
    const ids = [olds.imageId, ...olds.previousImageIds].map(short).join(", ");
    parts.push(`state of version 0.1.0: mark ${ids} as this resource instance's (no upload; the tag stays on ${short(olds.imageId)})`);
  }
  const recordedOnly = plan.recorded.filter((f) => f !== "retention" && f !== "instanceId");
  if (!parts.length && recordedOnly.length) parts.push(`record ${recordedOnly.join(", ")} (no change in Glance)`);
  return head + (parts.length ? parts.join("; ") : "no change");
}
