import { statSync } from "node:fs";
import { describeChange, type AttributeChange } from "./attributes";
import { sameValue } from "../common/compare";
import { actionParts, type KnownInputs, type Observed } from "./action-line";
import type { GlanceTaggedImagePlan } from "./plan";
import { describeImport, importCheckText, type ImportRoute } from "./import-from";
import type { GlanceTaggedImageInputs } from "./inputs";
import type { Converged } from "./metadata";
import type { AdoptedChanges, GlanceTaggedImageOutputs } from "./outputs";
import { describeMembers, type MemberPlan } from "./sharing";
import type { Image } from "../glance/images";
import { RESOURCE_MARKER } from "./markers";

export const short = (id: string): string => (id.length > 8 ? `${id.slice(0, 8)}…` : id);

/** `1a2b3c4d… of resource p/s/other, …`: images another resource's marker names. */
export function ofOtherResources(images: readonly Image[]): string {
  return images.map((i) => `${short(i.id)} of resource ${String(i[RESOURCE_MARKER])}`).join(", ");
}

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

export function describeSource(news: Pick<KnownInputs, "imageId" | "importFrom" | "expectedSha512" | "expectedSha256" | "url" | "file">, route?: ImportRoute): string {
  if (news.imageId !== undefined) return `adopt image ${short(news.imageId)}`;
  if (news.importFrom !== undefined) return describeImport(news, route);
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

export function storesText(news: Pick<GlanceTaggedImageInputs, "stores">): string {
  return news.stores && news.stores.length > 0 ? ` to ${news.stores.join(",")}` : " to the default store";
}

/** The source, its stores and (importFrom) the hash check, when Glance was not asked: no import methods, no route. */
function publishText(news: GlanceTaggedImageInputs): string {
  if (news.imageId !== undefined) return describeSource(news);
  return `${describeSource(news)}${storesText(news)}${news.importFrom !== undefined ? importCheckText(news) : ""}`;
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

/** `visibility private, property x: b`: what an image not read yet is given where it differs. */
function describeAsked(c: AttributeChange): string {
  return c.kind === "attribute" ? `${c.field} ${c.field === "name" ? JSON.stringify(c.to) : String(c.to)}` : `property ${c.key}: ${c.to ?? "(removed)"}`;
}

function membersText(members: MemberPlan): string | undefined {
  return members.add.length || members.remove.length || members.accept.length ? `members: ${describeMembers(members)}` : undefined;
}

export const head = (news: Pick<GlanceTaggedImageInputs, "tag" | "region">): string => `tag "${news.tag}"${news.region !== undefined ? ` in ${news.region}` : ""}: `;

/**
 * One plain line per change, printed during preview and up: what happens to the tag, images and stores.
 * `observed`: what the update will do as decide.ts decided it from what Glance shows (without it, Glance was not
 * reachable and the line says what the inputs and the state alone tell).
 */
export function planLine(
  olds: GlanceTaggedImageOutputs | undefined,
  news: GlanceTaggedImageInputs,
  plan?: GlanceTaggedImagePlan,
  observed?: Observed,
): string {
  if (!olds || !plan) {
    const members = news.members?.length ? `; ${membersText({ add: news.members, remove: [], accept: news.acceptMembers ? news.members : [] })}` : "";
    if (observed) return `${head(news)}${actionParts(undefined, news, observed).join("; ")}${members}`;
    return `${head(news)}${publishText(news)}${members}`;
  }
  const parts: string[] = [];
  if (observed) parts.push(...actionParts(olds, news, observed, { retentionChanged: plan.recorded.includes("retention") }));
  else if (plan.newImage) {
    parts.push(`${short(olds.imageId)} → ${publishText(news)}`);
    const { kept, expired } = retentionAfterMove(olds.imageId, olds.previousImageIds, news.retention.keep, news.imageId);
    if (kept.length) parts.push(`${kept.map(short).join(", ")} kept untagged`);
    if (expired.length) {
      const verb = { keep: "kept (retention action keep)", deactivate: "deactivated by retention", delete: "deleted by retention" }[
        news.retention.action
      ];
      parts.push(`${expired.map(short).join(", ")} ${verb}`);
    }
  }
  if (plan.tagChanged) parts.push(...renameParts(olds, news));
  if (plan.storesToAdd.length) parts.push(`copy ${short(olds.imageId)} to ${plan.storesToAdd.join(",")}`);
  if (plan.storesToRemove.length) parts.push(`remove ${short(olds.imageId)} from ${plan.storesToRemove.join(",")}`);
  // An image to adopt that the plan read: its own changes are in the target part already.
  const adopteeRead = observed?.view.adoptee !== undefined;
  if (plan.attributeChanges.length && !(adopteeRead && plan.newImage && news.imageId !== undefined)) {
    parts.push(
      plan.newImage && news.imageId !== undefined
        ? `set where it differs: ${plan.attributeChanges.map(describeAsked).join(", ")}`
        : `update ${plan.attributeChanges.map(describeChange).join(", ")}`,
    );
  }
  const members = membersText(plan.members);
  if (members) parts.push(plan.newImage ? `${members} (on the new image, before the tag moves)` : members);
  if (plan.repairs.length) parts.push(`repair: ${plan.repairs.join("; ")}`);
  // Retention is applied on every update, so a new window acts on the existing history at once.
  if (!observed && !plan.newImage && plan.recorded.includes("retention")) {
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
  return head(news) + (parts.length ? parts.join("; ") : "no change");
}

/** A tag rename, and what it asks of Octavia's configuration. */
function renameParts(olds: GlanceTaggedImageOutputs, news: Pick<GlanceTaggedImageInputs, "tag">): string[] {
  return [
    `tag "${olds.tag}" → "${news.tag}" on ${short(olds.imageId)}`,
    // Octavia's query names the tag: after the move no image carries the old one, and new amphorae fail.
    `warning: Octavia's amp_image_tag must change to "${news.tag}" with it (Octavia keeps asking for "${olds.tag}")`,
  ];
}

/** The plan line of a preview whose inputs are not all known (`unknownSource`: the unknown inputs naming the source). */
export function unknownPlanLine(
  olds: GlanceTaggedImageOutputs | undefined,
  news: KnownInputs,
  observed: Observed,
  unknown: readonly string[],
  unknownSource: readonly string[],
): string {
  const parts = actionParts(olds, news, observed, { unknownSource, retentionChanged: olds !== undefined && !sameValue(olds.retention, news.retention) });
  if (olds && olds.tag !== news.tag) parts.push(...renameParts(olds, news));
  const rest = unknown.filter((f) => !unknownSource.includes(f));
  if (rest.length || !parts.length) parts.push(`${(rest.length ? rest : unknown).join(", ")} known only during the update`);
  return head(news) + parts.join("; ");
}

/** Printed when an image is adopted: what changes on it, known once it is read. */
export function adoptionLine(news: GlanceTaggedImageInputs, imageId: string, converged: Pick<Converged, "changes" | "members">): string {
  const parts = [`adopt image ${short(imageId)}`];
  parts.push(converged.changes.length ? `update ${converged.changes.map(describeChange).join(", ")}` : "attributes left as they are");
  const members = membersText(converged.members);
  if (members) parts.push(members);
  return head(news) + parts.join("; ");
}

/** Printed when the tag leaves an adopted image that this resource changed (only delete restores an image). */
export function leftAdoptedLine(record: AdoptedChanges): string | undefined {
  const before = [
    ...Object.entries(record.original).map(([field, value]) => `${field} ${field === "name" ? JSON.stringify(value) : String(value)}`),
    ...Object.entries(record.originalProperties).map(([key, value]) => `property ${key}: ${value}`),
  ];
  const added = [...record.addedProperties.map((k) => `property ${k}`), ...record.addedMembers.map((m) => `member ${m}`)];
  if (!before.length && !added.length) return undefined;
  const what = [before.length ? `it had ${before.join(", ")}` : "", added.length ? `added: ${added.join(", ")}` : ""].filter(Boolean).join("; ");
  return `adopted image ${record.imageId} no longer carries the tag and keeps what this resource changed (${what}); restore it by hand if needed`;
}

/** Members listed in the inputs that have not accepted the image (their listings, Octavia's query too, leave it out). */
export function pendingMembersLine(imageId: string, wanted: readonly string[], status: Readonly<Record<string, string>>): string | undefined {
  const waiting = wanted.filter((m) => status[m] !== "accepted");
  if (!waiting.length) return undefined;
  return (
    `image ${imageId} is shared with ${waiting.map((m) => `${m} (${status[m] ?? "not a member"})`).join(", ")}: a member project lists it, ` +
    `and Octavia there finds it by the tag, only once that project accepts it (see docs/octavia-configuration.md)`
  );
}
