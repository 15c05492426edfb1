/**
 * The GlanceTaggedImage dynamic provider, loaded in the provider host by the SDK's shim
 * (`pulumi-amphora/provider/glance-tagged-image/provider`). Every change is an in-place update of the resource
 * whose id is its `resourceKey`; the helpers below do the work:
 *   check   → inputs.ts (schema) + stores.ts (stores against /v2/info/stores, when Glance is reachable)
 *   check   → also prints a create's plan line (the engine calls no diff for a create)
 *   diff    → plan.ts (what the inputs change; no network when nothing does) + for a change, observe.ts (read-only
 *             GETs) and decide.ts, the decisions update executes too, rendered by plan-line.ts / action-line.ts
 *   create / update → apply.ts: publish.ts | adopt.ts, metadata.ts, stores.ts, tag-move.ts, retention.ts
 * All of them talk to the Glance of the resource's `region` input (default: the session's region).
 *   read    → drift.ts
 *   delete  → teardown.ts
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { splitUnknowns } from "../common/check";
import { connectFailure } from "../common/errors";
import { watchEngine } from "../common/engine-liveness";
import { probeInCheck } from "../common/check-probe";
import { configureOpenStack, connectedGlance, glanceClient } from "../common/provider-context";
import { validateInputs } from "../common/validate";
import type { GlanceClient } from "../glance/client";
import { applyInputs } from "./apply";
import { flowContext, print, type FlowContext } from "./context";
import { planUpdate } from "./plan";
import { detectDrift } from "./drift";
import { GlanceTaggedImageError, step } from "./errors";
import { knownImportFrom } from "./import-from";
import { glanceTaggedImageInputsSchema, type GlanceTaggedImageInputs } from "./inputs";
import type { Identity } from "./markers";
import type { GlanceTaggedImageOutputs } from "./outputs";
import { planLine, unknownPlanLine } from "./plan-line";
import type { KnownInputs, Observed } from "./action-line";
import { decide, removesImages } from "./decide";
import { observe } from "./observe";
import { sourceKey } from "./source-key";
import { parseInputs, parseOutputs, imageFacts } from "./state";
import { assertSameProject, isProjectMove, projectIdMismatch, releasedLine } from "./project-guard";
import { acceptNeedsAdmin } from "./sharing";
import { storeProblem } from "./stores";
import { teardown } from "./teardown";

async function flow(who: Identity, region: string | undefined, sourceRegion?: string): Promise<FlowContext> {
  const { resourceKey } = who;
  const connect = async (r: string | undefined, which: string) => {
    try {
      return await glanceClient(r);
    } catch (err) {
      throw new GlanceTaggedImageError("ERR_CONNECT", resourceKey, connectFailure(`${which} endpoint`, "Glance", err), undefined, { cause: err });
    }
  };
  const glance = await connect(region, "Glance's");
  const sourceGlance = sourceRegion !== undefined ? await connect(sourceRegion, `the Glance of importFrom.region ${sourceRegion}:`) : undefined;
  return flowContext(glance, who, { ...(region !== undefined ? { region } : {}), ...(sourceGlance ? { sourceGlance } : {}) });
}

const isTextList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string");

/**
 * What check refuses once Glance answered (one connection for all of them): stores this Glance does not have,
 * a `projectId` that is not the session's, `acceptMembers` without the admin role.
 */
async function glanceFailures(glance: GlanceClient, inputs: Record<string, unknown>, stores: string[] | undefined): Promise<pulumi.dynamic.CheckFailure[]> {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (stores) {
    const problem = await probeInCheck("checking the stores", () => storeProblem(glance, stores));
    if (problem) failures.push({ property: "stores", reason: problem });
  }
  const mismatch = typeof inputs.projectId === "string" ? projectIdMismatch(inputs.projectId, glance.projectId) : undefined;
  if (mismatch) failures.push({ property: "projectId", reason: mismatch });
  if (inputs.acceptMembers === true && !glance.isAdmin) failures.push({ property: "acceptMembers", reason: acceptNeedsAdmin(glance.projectId) });
  return failures;
}

/**
 * The plan line of a session whose project is not the one owning the images (diff: no network, a connected client
 * only): a refusal, or with `projectId` naming the session's project, a move.
 */
function projectChangeLine(olds: GlanceTaggedImageOutputs, news: GlanceTaggedImageInputs): string | undefined {
  const project = connectedGlance(news.region)?.projectId;
  if (project === undefined || olds.ownerId === "" || project === olds.ownerId) return undefined;
  if (isProjectMove(project, olds, news)) return releasedLine(olds, project, `up publishes the source in ${project} and tags it there`);
  return (
    `the session is project ${project}, but image ${olds.imageId} and tag "${olds.tag}" belong to project ` +
    `${olds.ownerId}: up will refuse (ERR_PROJECT_CHANGED) and change nothing; check openstack:cloud / OS_CLOUD, or set projectId to move it`
  );
}

/** What the update will do, decided (decide.ts) on what Glance shows now; undefined when Glance does not answer in time. */
async function observeAndDecide(olds: GlanceTaggedImageOutputs | undefined, news: KnownInputs, key: string | undefined): Promise<Observed | undefined> {
  const who: Identity = { resourceKey: news.resourceKey, instanceId: news.instanceId ?? olds?.instanceId ?? "" };
  return probeInCheck("reading what Glance holds", async () => {
    const ctx = flowContext(await glanceClient(news.region), who, news.region !== undefined ? { region: news.region } : {});
    let view = await observe(ctx, olds, news.tag, news.imageId === undefined, news.imageId);
    let action = decide(ctx, olds, news, key, view);
    // Octavia is asked only when retention would deactivate or delete something, as the update does.
    if (removesImages(action.retention)) {
      view = { ...view, amphoraUse: await ctx.amphoraUse() };
      action = decide(ctx, olds, news, key, view);
    }
    return { view, action };
  });
}

const SOURCE_INPUTS = ["file", "url", "imageId", "importFrom", "expectedSha256", "expectedSha512", "diskFormat", "containerFormat"];

/**
 * The plan line of a create (printed by check: the engine calls no diff for a create) and of an update whose
 * inputs are not all known (a preview of a pipeline: the build's outputs feed this resource): what is known.
 */
async function previewLine(olds: GlanceTaggedImageOutputs | undefined, checked: Record<string, unknown>, unknown: readonly string[]): Promise<string> {
  const { known } = splitUnknowns(checked);
  const fallback = `tag "${String(olds?.tag ?? known.tag ?? "?")}": ${unknown.join(", ")} known only during the update; planned as a change`;
  if (["tag", "retention", "region", "resourceKey"].some((f) => unknown.includes(f))) return fallback;
  const importFrom = unknown.includes("importFrom") ? knownImportFrom(checked.importFrom) : undefined;
  const news = { ...known, ...(importFrom ? { importFrom } : {}) } as KnownInputs;
  const unknownSource = SOURCE_INPUTS.filter((f) => unknown.includes(f));
  if (!olds && !unknown.length) {
    const complete = parseInputs(checked);
    return planLine(undefined, complete, undefined, await observeAndDecide(undefined, complete, sourceKey(complete)));
  }
  const observed = await observeAndDecide(olds, news, unknownSource.length ? undefined : sourceKey(news as GlanceTaggedImageInputs));
  if (!observed) return `${fallback}; Glance not reachable now, so the images it would change are not listed`;
  return unknownPlanLine(olds, news, observed, unknown, unknownSource);
}

/** The identity check gave the inputs; inputs that did not go through check have none and are refused. */
function identityOf(news: GlanceTaggedImageInputs): Identity {
  if (news.instanceId === undefined) {
    throw new GlanceTaggedImageError("ERR_GLANCE", news.resourceKey, "internal error: inputs without instanceId (check was not called)");
  }
  return { resourceKey: news.resourceKey, instanceId: news.instanceId };
}

/** State written by version 0.1.0 has no instance id: "" owns nothing by marker (teardown uses the state's ids). */
function stateIdentity(olds: GlanceTaggedImageOutputs): Identity {
  return { resourceKey: olds.resourceKey, instanceId: olds.instanceId ?? "" };
}

export const provider: pulumi.dynamic.ResourceProvider = {
  async configure(req) {
    configureOpenStack(req.config);
  },

  async check(olds, news) {
    // The instance id is kept from the old inputs; with none (a create, or the engine's check of a replacement,
    // which passes no olds) this is a new instance: it never owns the images of the one it replaces.
    const instanceId = typeof olds.instanceId === "string" && olds.instanceId !== "" ? olds.instanceId : randomUUID();
    const result = validateInputs(glanceTaggedImageInputsSchema(), { ...news, instanceId });
    const unknown = splitUnknowns(news).unknown;
    const region = news.region;
    const regionKnown = !unknown.includes("region") && (region === undefined || typeof region === "string");
    const storesValid = result.failures.every((f) => !f.property.startsWith("stores")) && !unknown.includes("stores");
    const stores = storesValid && isTextList(news.stores) ? news.stores : undefined;
    // An update connects in any case (one token per process), so that diff can tell a change of project without a call.
    const needsGlance = Object.keys(olds).length > 0 || stores !== undefined || result.inputs.projectId !== undefined || result.inputs.acceptMembers === true;
    const glance = regionKnown && needsGlance ? await probeInCheck("connecting to Glance", () => glanceClient(region as string | undefined)) : undefined;
    if (glance) result.failures.push(...(await glanceFailures(glance, result.inputs, stores)));
    if (Object.keys(olds).length === 0 && result.failures.length === 0) {
      const line = await previewLine(undefined, result.inputs, unknown);
      print(String(result.inputs.resourceKey), line);
    }
    if (result.complete && result.inputs.visibility === "community") {
      print(String(result.inputs.resourceKey), `warning: visibility community: projects other than the owner (Octavia's, unless it owns the image) will not find it`);
    }
    return { inputs: result.inputs, failures: result.failures };
  },

  async diff(_id, oldState, newInputs) {
    const { unknown } = splitUnknowns(newInputs);
    const olds = parseOutputs(oldState);
    if (unknown.length) {
      print(olds?.resourceKey ?? String(newInputs.resourceKey), await previewLine(olds, newInputs, unknown));
      return { changes: true, replaces: [], deleteBeforeReplace: false };
    }
    const news = parseInputs(newInputs);
    const projectChange = olds ? projectChangeLine(olds, news) : undefined;
    if (projectChange) {
      print(news.resourceKey, projectChange);
      return { changes: true, replaces: [], deleteBeforeReplace: false };
    }
    if (!olds) {
      print(news.resourceKey, `${planLine(undefined, news)} (state written by an incompatible version)`);
      return { changes: true, replaces: [], deleteBeforeReplace: false };
    }
    if (olds.region !== news.region) {
      // Another Glance: the old region's tag and images go first (delete before replace), then the new region
      // publishes. Two region names may share one Glance; create-before-delete would then delete the new image.
      const [from, to] = [olds.region ?? "the session's region", news.region ?? "the session's region"];
      const leaves = olds.keepLastTaggedImage
        ? `the old resource's images leave ${from} first, except its current image, which keeps the tag there while no other image of the project carries it`
        : `tag and images leave ${from} first`;
      print(news.resourceKey, `tag "${news.tag}": region ${from} → ${to}: replace (${leaves}; then ${to} publishes)`);
      return { changes: true, replaces: ["region"], deleteBeforeReplace: true };
    }
    const key = sourceKey(news);
    const plan = planUpdate(olds, news, key);
    if (plan.changed) print(news.resourceKey, planLine(olds, news, plan, await observeAndDecide(olds, news, key)));
    return { changes: plan.changed, replaces: [], deleteBeforeReplace: false };
  },

  async create(raw) {
    watchEngine();
    const news = parseInputs(raw);
    // The plan was printed by check (the engine calls no diff for a create); an adopted image's changes are
    // printed once the image is read (apply.ts).
    const ctx = await flow(identityOf(news), news.region, news.importFrom?.region);
    return { id: news.resourceKey, outs: await applyInputs(ctx, news) };
  },

  async update(_id, oldState, newInputs) {
    // The plan line was printed by diff, which the engine always calls first; update prints what it did.
    const news: GlanceTaggedImageInputs = parseInputs(newInputs);
    const ctx = await flow(identityOf(news), news.region, news.importFrom?.region);
    return { outs: await applyInputs(ctx, news, parseOutputs(oldState)) };
  },

  async read(id, props) {
    const olds = parseOutputs(props);
    if (!olds) return { id, props };
    const ctx = await flow(stateIdentity(olds), olds.region);
    const report = await step(olds.resourceKey, `refreshing image ${olds.imageId}`, olds.imageId, () => detectDrift(ctx, olds));
    if ("unseen" in report) {
      print(olds.resourceKey, `tag "${olds.tag}": ${report.unseen}`);
      return { id, props };
    }
    if (report.gone) {
      print(olds.resourceKey, `tag "${olds.tag}": image ${olds.imageId} is gone; the resource is removed from state (the next up publishes again)`);
      return { id: "", props: {} };
    }
    for (const line of report.drift) print(olds.resourceKey, `tag "${olds.tag}": drift: ${line}`);
    for (const line of report.notes) print(olds.resourceKey, line);
    return { id, props: { ...olds, ...imageFacts(report.image, olds.tag), memberStatus: report.memberStatus, drift: report.drift } };
  },

  async delete(_id, props) {
    const olds = parseOutputs(props);
    if (!olds) return;
    const ctx = await flow(stateIdentity(olds), olds.region);
    assertSameProject(ctx, olds, "delete");
    print(olds.resourceKey, await step(olds.resourceKey, `deleting (tag "${olds.tag}" on image ${olds.imageId})`, olds.imageId, () => teardown(ctx, olds)));
  },
};
