/**
 * The parts of a plan line that come from decide.ts: which image gets the tag, which images lose it, what
 * retention does to each earlier image, the stores and the import method. The same ActionPlan is what the update
 * executes, so these parts say what the update does.
 */
import type { ActionPlan, GlanceView, Verdict } from "./decide";
import type { GlanceTaggedImageInputs } from "./inputs";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { describeSource, ofOtherResources, short, storesText } from "./plan-line";
import { chooseMethod } from "./publish";
import { GlanceTaggedImageError } from "./errors";
import { describeImport, importCheckText, importRoute, type ImportRoute, type KnownImportFrom } from "./import-from";
import { isOwnedBy } from "./markers";
import type { Image } from "../glance/images";
import { attributeChanges, attributesOf, describeChange, requestedAttributes } from "./attributes";

export interface Observed {
  action: ActionPlan;
  view: GlanceView;
}

/** Inputs as a preview may have them: the source (and anything else) possibly not known yet. */
export type KnownInputs = Pick<GlanceTaggedImageInputs, "tag" | "retention" | "resourceKey"> &
  Partial<Omit<GlanceTaggedImageInputs, "importFrom">> & { importFrom?: KnownImportFrom };

/** `1a2b3c4d… ("amphora-2026-11", created 2026-11-21T09:00:00Z)`. */
export function describeImage(image: { id: string; name?: string | null; created?: string }): string {
  const facts = [image.name ? JSON.stringify(image.name) : "", image.created ? `created ${image.created}` : ""].filter(Boolean);
  return `${short(image.id)}${facts.length ? ` (${facts.join(", ")})` : ""}`;
}

const fromGlance = (i: Image): string => describeImage({ id: i.id, name: i.name, created: i.created_at });

/** The image holding the tag now, as the state recorded it. */
export function currentImage(olds: GlanceTaggedImageOutputs): string {
  return describeImage({ id: olds.imageId, name: olds.attributes?.name ?? "", created: olds.createdAt });
}

/** ` by glance-direct`, or the refusal the update will hit; "" when unknown or not a publish. */
export function methodText(news: KnownInputs, view: GlanceView | undefined): string {
  if (news.imageId !== undefined) return "";
  if (news.importFrom !== undefined) return importText(news, view);
  const wanted = news.url !== undefined ? "web-download" : news.importMethod;
  if (wanted === undefined) return "";
  if (!view?.importMethods && wanted !== "upload") return wanted === "auto" || news.url !== undefined ? "" : ` by ${wanted}`;
  const method = chooseMethod({ importMethod: news.importMethod ?? "auto", url: news.url }, view?.importMethods ?? []);
  if (method === undefined) return ` by ${wanted}, which this Glance does not offer: up will fail (ERR_IMPORT_METHOD)`;
  // The source already reads "new web-download of <url>".
  if (method === "web-download" && news.url !== undefined) return "";
  return method === "upload" ? " by upload (PUT /file)" : ` by ${method}`;
}

/**
 * importFrom: the route (import-from.ts importRoute, what apply takes) on this region's import methods, the
 * upload's method when it falls back, and the hash check before the tag moves.
 */
function importText(news: KnownInputs, view: GlanceView | undefined, note = ""): string {
  let route: ImportRoute | undefined;
  try {
    route = importRoute(news, view?.importMethods, news.resourceKey, news.region);
  } catch (err) {
    if (!(err instanceof GlanceTaggedImageError)) throw err;
    return `${describeImport(news, undefined)}${storesText(news)}: up will fail (ERR_IMPORT_METHOD): ${err.detail}`;
  }
  const upload = route?.kind === "upload" && view?.importMethods ? uploadMethod(news, view.importMethods) : "";
  return `${describeImport(news, route)}${storesText(news)}${upload}${note}${importCheckText(news)}`;
}

/** How the upload fallback sends the data: importMethod auto's rule (glance-download does not apply to an upload). */
function uploadMethod(news: KnownInputs, offered: readonly string[]): string {
  const method = chooseMethod({ importMethod: news.importMethod ?? "auto", url: undefined }, offered);
  if (method === undefined) return ` by ${news.importMethod}, which this Glance does not offer: up will fail (ERR_IMPORT_METHOD)`;
  return method === "upload" ? " by upload (PUT /file)" : ` by ${method}`;
}

/**
 * What adopting the image read for the plan changes on it, or why up will refuse it (adopt.ts); "" when it was not
 * read. Only the attributes the inputs set are changed, as the adoption itself does (metadata.ts).
 */
function adoptionText(news: KnownInputs, view: GlanceView): string {
  const image = view.adoptee;
  if (image === undefined) return "";
  const refuse = (why: string): string => `: up will fail (ERR_ADOPT): ${why}`;
  if (image === null) return refuse(`it does not exist or project ${view.owner} cannot see it`);
  if (image.owner !== view.owner) return refuse(`it is owned by project ${image.owner ?? "(none)"}, not by ${view.owner} (the session's project)`);
  // As adopt.ts: only an image this resource deactivated (its own) is reactivated; a running import is waited for.
  const reactivated = image.status === "deactivated" && news.instanceId !== undefined && isOwnedBy(image, { resourceKey: news.resourceKey, instanceId: news.instanceId });
  if (image.status !== "active" && !reactivated && !image.os_glance_import_task) return refuse(`its status is ${image.status}, only active images can carry the tag`);
  const changes = attributeChanges(attributesOf(image), requestedAttributes(news as GlanceTaggedImageInputs));
  return changes.length ? `: update ${changes.map(describeChange).join(", ")}` : ": attributes left as they are";
}

/** Where the tag goes: the target of the plan. `unknownSource` names the inputs a preview does not know yet. */
function targetPart(olds: GlanceTaggedImageOutputs | undefined, news: KnownInputs, observed: Observed, unknownSource: readonly string[]): string | undefined {
  const { target } = observed.action;
  const from = olds ? `${currentImage(olds)} → ` : "";
  const publish = news.importFrom !== undefined ? "" : `${storesText(news)}${methodText(news, observed.view)}`;
  const source = news.importFrom !== undefined ? methodText(news, observed.view) : describeSource(news);
  switch (target.kind) {
    case "keep":
      return undefined;
    case "reuse":
      return `${from}${fromGlance(target.image)} again: published earlier from the same source, re-tagged (no upload)`;
    case "adopt":
      return `${from}${describeSource(news)}${adoptionText(news, observed.view)}`;
    case "publish":
      return `${olds && target.gone ? `image ${short(olds.imageId)} is gone: ` : from}${source}${publish}`;
    case "unknown":
      if (news.importFrom !== undefined) return `${from}${importText(news, observed.view, ", a new image unless one of this resource holds the same source")}`;
      return (
        `${from}the image of the new source (${unknownSource.join(", ")} known only during the update: the output of ` +
        `the resource that builds it), a new upload${publish} unless an image of this resource holds the same source`
      );
  }
}

const VERDICTS: Record<Verdict, string> = {
  keep: "kept (retention action keep)",
  deactivate: "deactivated by retention",
  delete: "deleted by retention",
  tagged: "kept: still tagged",
  protected: "kept: protected, never deleted",
  "in-use": "kept: amphorae boot from it",
  "use-unknown": "kept: Octavia did not say whether amphorae boot from it",
};

const amphoraCount = (e: { amphorae?: number }): string => (e.amphorae !== undefined ? ` (${e.amphorae} amphorae)` : "");

function retentionParts(news: KnownInputs, action: ActionPlan, moves: boolean, retentionChanged: boolean): string[] {
  const { kept, expired, leftovers } = action.retention;
  const parts: string[] = [];
  if (moves && kept.length) parts.push(`${kept.map((i) => short(i.id)).join(", ")} kept untagged`);
  if (!moves && retentionChanged) parts.push(`apply retention: keep ${news.retention.keep} previous image(s)`);
  for (const [v, text] of Object.entries(VERDICTS) as Array<[Verdict, string]>) {
    // Without a move, images already beyond the window with action keep are not news.
    if (v === "keep" && !moves) continue;
    const hits = expired.filter((e) => e.verdict === v);
    if (hits.length) parts.push(`${hits.map((e) => short(e.image.id) + amphoraCount(e)).join(", ")} ${text}`);
  }
  if (action.retention.amphoraUseNote !== undefined) parts.push(action.retention.amphoraUseNote);
  if (leftovers.length) parts.push(`delete unfinished ${leftovers.map((i) => short(i.id)).join(", ")}`);
  return parts;
}

function holderParts(olds: GlanceTaggedImageOutputs | undefined, news: KnownInputs, observed: Observed): string[] {
  const { holders } = observed.action;
  const parts: string[] = [];
  if (holders.conflicts.length) {
    const list = ofOtherResources(holders.conflicts);
    parts.push(`up will fail (ERR_TAG_CONFLICT): tag "${news.tag}" is also on ${list}; nothing moves`);
  }
  // The state's image losing the tag is the move itself; any other holder is news for the reviewer.
  const others = holders.untag.filter((i) => i.id !== olds?.imageId);
  if (others.length) {
    const active = observed.view.holders.filter((i) => i.status === "active" && i.owner === observed.view.owner);
    const booted = [...active].sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
    const notes = others.map((i) => `${fromGlance(i)}${i.id === booted?.id ? ", which Octavia boots now" : ""}`);
    parts.push(`tag "${news.tag}" taken off ${notes.join(", ")} (it carries the tag too; the tag is exclusive)`);
  }
  if (holders.siblings.length) {
    // A create cannot tell whether the engine deletes that instance first (deleteBeforeReplace): then it is released
    // by the time this create runs, which takes it over (claims.ts) instead of leaving it.
    const dbr = olds === undefined ? "; if the engine deletes that instance first (deleteBeforeReplace), this create takes it over instead" : "";
    parts.push(`left tagged: ${holders.siblings.map((i) => short(i.id)).join(", ")} of another instance of this resource name (Octavia takes the newest${dbr})`);
  }
  return parts;
}

/**
 * The decided parts, in reading order: target, other holders, retention. `retentionChanged`: the retention input
 * changed (said even when nothing expires).
 */
export function actionParts(
  olds: GlanceTaggedImageOutputs | undefined,
  news: KnownInputs,
  observed: Observed,
  opts: { unknownSource?: readonly string[]; retentionChanged?: boolean } = {},
): string[] {
  const target = targetPart(olds, news, observed, opts.unknownSource ?? []);
  const moves = observed.action.target.kind !== "keep";
  return [
    ...(target ? [target] : []),
    ...holderParts(olds, news, observed),
    ...retentionParts(news, observed.action, moves && olds !== undefined, opts.retentionChanged ?? false),
  ];
}
