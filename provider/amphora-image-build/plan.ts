import { statSync } from "node:fs";
import * as path from "node:path";
import { canonicalJson, computeKeyParts, type KeyParts } from "./build-key";
import { changedFiles } from "./element-tree";
import type { AmphoraImageBuildInputs } from "./inputs";
import { artifactPaths, contentOptions, RUNTIME_FIELDS } from "./options";
import type { AmphoraImageBuildOutputs } from "./outputs";
import { secretMatches } from "./secret-digest";

/**
 * What an update has to do, from old state and new inputs: nothing, record runtime settings, validate again,
 * rebuild in place, or replace (the artifact path changed). Each reason is phrased for the plan line.
 */

export type PlanAction = "none" | "record" | "revalidate" | "rebuild" | "replace";

export interface BuildPlan {
  action: PlanAction;
  rebuild: string[];
  revalidate: string[];
  recorded: string[];
  /** Inputs whose change moves the artifact (engine replacement). */
  replaces: string[];
  keyParts: KeyParts;
}

const show = (v: unknown): string => (typeof v === "string" ? (v === "" ? '""' : v) : canonicalJson(v));
const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

function optionChanges(olds: AmphoraImageBuildOutputs, news: AmphoraImageBuildInputs): string[] {
  // Old state has no password, only whether one was set: stand in a placeholder so the defaults line up.
  const oldView = { ...olds, rootPassword: olds.rootPasswordSet ? "set" : undefined } as unknown as AmphoraImageBuildInputs;
  const before = contentOptions(oldView);
  const after = contentOptions(news);
  const reasons: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (same(before[key], after[key])) continue;
    if (key === "rootPasswordSet") reasons.push(after[key] ? "rootPassword set" : "rootPassword removed");
    else reasons.push(`${key} ${show(before[key])} → ${show(after[key])}`);
  }
  if (news.rootPassword !== undefined && olds.rootPasswordSet && !secretMatches(news.rootPassword, olds.rootPasswordDigest)) {
    reasons.push("rootPassword changed");
  }
  return reasons;
}

function envChanges(before: Record<string, string>, after: Record<string, string>): string[] {
  const reasons: string[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    if (before[name] === after[name]) continue;
    reasons.push(`env ${name} ${before[name] === undefined ? "added" : after[name] === undefined ? "removed" : "changed"}`);
  }
  return reasons;
}

function partChanges(before: KeyParts, after: KeyParts, news: AmphoraImageBuildInputs): string[] {
  const reasons: string[] = [];
  const label: Record<string, string> = {
    script: path.basename(news.script ?? "diskimage-create.sh"),
    command: path.basename(news.command ?? "disk-image-create"),
    localImage: "localImage",
  };
  for (const role of new Set([...Object.keys(before.files), ...Object.keys(after.files)])) {
    if (before.files[role] !== after.files[role]) reasons.push(`${label[role] ?? role} changed`);
  }
  if (before.builder !== after.builder) reasons.push(`diskimage-builder ${before.builder} → ${after.builder}`);
  for (const name of [...new Set([...Object.keys(before.elements), ...Object.keys(after.elements)])].sort()) {
    const a = before.elements[name];
    const b = after.elements[name];
    if (a?.hash === b?.hash) continue;
    if (!a) reasons.push(`element ${name} added`);
    else if (!b) reasons.push(`element ${name} removed`);
    else {
      const n = changedFiles(a, b);
      reasons.push(`element ${name} changed (${n} file${n === 1 ? "" : "s"})`);
    }
  }
  return reasons;
}

async function artifactChanges(olds: AmphoraImageBuildOutputs): Promise<string[]> {
  if (olds.artifactState === "modified") return ["artifact modified since it was built"];
  const st = statSync(olds.path, { throwIfNoEntry: false });
  if (!st) return [`artifact ${olds.path} missing`];
  if (st.size !== olds.fileSize) return [`artifact size ${olds.fileSize} → ${st.size} bytes`];
  return [];
}

export async function planUpdate(olds: AmphoraImageBuildOutputs, news: AmphoraImageBuildInputs): Promise<BuildPlan> {
  const keyParts = await computeKeyParts(news, olds.keyParts);
  const replaces: string[] = [];
  if (artifactPaths(news.output, news.imageType).artifact !== olds.path) {
    if (news.output !== olds.output) replaces.push("output");
    if (news.imageType !== olds.imageType) replaces.push("imageType");
  }
  const rebuild = [
    ...partChanges(olds.keyParts, keyParts, news),
    ...optionChanges(olds, news),
    ...envChanges(olds.env, news.env),
  ];
  if (rebuild.length === 0 && keyParts.options !== olds.keyParts.options) rebuild.push("build options changed");
  rebuild.push(...(await artifactChanges(olds)));
  const revalidate: string[] = [];
  for (const [key, value] of Object.entries(news.validation)) {
    const before = (olds.validation as Record<string, unknown>)[key];
    if (!same(before, value)) revalidate.push(`validation.${key} ${show(before)} → ${show(value)}`);
  }
  const recorded: string[] = RUNTIME_FIELDS.filter((f) => !same(olds[f as keyof AmphoraImageBuildOutputs], news[f]));
  if (!replaces.length && news.output !== olds.output) recorded.push("output");
  const action: PlanAction = replaces.length
    ? "replace"
    : rebuild.length
      ? "rebuild"
      : revalidate.length
        ? "revalidate"
        : recorded.length
          ? "record"
          : "none";
  return { action, rebuild, revalidate, recorded, replaces, keyParts };
}

/** One plain line for the CLI (the provider puts the resource in front), e.g. `rebuild: element haproxy-octavia changed (2 files), sizeGb 2 → 3`. */
export function planLine(plan: BuildPlan | undefined, news: AmphoraImageBuildInputs): string {
  const off = Object.entries(news.validation).filter(([k, v]) => k !== "requiredPackages" && v === false).map(([k]) => k);
  const warning = off.length ? ` (validation switched off: ${off.join(", ")})` : "";
  if (!plan) return `build${warning}`;
  switch (plan.action) {
    case "none":
      return `up to date, no build`;
    case "replace":
      return `replace (${plan.replaces.join(", ")} changed): build a new artifact${warning}`;
    case "rebuild":
      return `rebuild: ${plan.rebuild.join(", ")}${warning}`;
    case "revalidate":
      return `validate again, no build: ${plan.revalidate.join(", ")}${warning}`;
    case "record":
      return `record ${plan.recorded.join(", ")} (no build)`;
  }
}
