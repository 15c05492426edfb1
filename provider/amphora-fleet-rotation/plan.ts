import type { Fleet, FleetMember } from "./fleet";
import type { AmphoraFleetRotationInputs } from "./inputs";

/**
 * Which load balancers a rotation fails over, and in which order, from a fleet read (pure: diff prints it,
 * up runs it). A load balancer needs a failover when one of its serving amphorae is not on its tag's target
 * image. Rotatable ones go canary first, then in batches; `SINGLE` ones last. Load balancers in `ERROR` (without
 * `includeErrored`) or `PENDING_*` (with `whenPending: "skip"`; else they are waited for at their turn), `SINGLE`
 * ones without `allowStandalone`, and those whose tag has no image are skipped with the reason.
 */

export interface RotationPlan {
  /** Load balancer ids already on their target image. */
  onTarget: string[];
  canary: string[];
  batches: string[][];
  /** Id → why it is not rotated (it still needs rotating). */
  skipped: Record<string, string>;
  /** Image id ("" for amphorae without one) → serving amphorae on it, over the selected load balancers. */
  amphoraeByImage: Record<string, number>;
}

const onTarget = (m: FleetMember, fleet: Fleet): boolean => {
  const target = fleet.targets[m.tag];
  return target !== undefined && m.images.length > 0 && m.images.every((i) => i === target);
};

function skipReason(m: FleetMember, fleet: Fleet, inputs: AmphoraFleetRotationInputs): string | undefined {
  if (fleet.targets[m.tag] === undefined) return `no active image has tag "${m.tag}"`;
  if (m.provisioningStatus === "ERROR" && !inputs.includeErrored) return "provisioning status ERROR (set includeErrored to rotate it)";
  if (m.provisioningStatus.startsWith("PENDING_")) {
    // Waited for at its turn (Octavia answers 409 until the other operation ends), unless configured otherwise.
    if (inputs.whenPending === "skip") return `provisioning status ${m.provisioningStatus}: another operation is running on it (whenPending is skip)`;
  } else if (m.provisioningStatus !== "ACTIVE" && m.provisioningStatus !== "ERROR") return `provisioning status ${m.provisioningStatus}`;
  if (m.standalone && !inputs.allowStandalone) return "SINGLE topology: its VIP is down during a failover (set allowStandalone)";
  return undefined;
}

export function planRotation(fleet: Fleet, inputs: AmphoraFleetRotationInputs): RotationPlan {
  const amphoraeByImage: Record<string, number> = {};
  for (const m of fleet.members) for (const image of m.images) amphoraeByImage[image] = (amphoraeByImage[image] ?? 0) + 1;
  const skipped: Record<string, string> = {};
  const rotatable: FleetMember[] = [];
  const done: string[] = [];
  for (const m of fleet.members) {
    if (onTarget(m, fleet)) {
      done.push(m.id);
      continue;
    }
    const reason = skipReason(m, fleet, inputs);
    if (reason === undefined) rotatable.push(m);
    else skipped[m.id] = reason;
  }
  // Stable: highly available ones first, standalone last, each group in the fleet's (name, id) order.
  const ordered = [...rotatable.filter((m) => !m.standalone), ...rotatable.filter((m) => m.standalone)].map((m) => m.id);
  const canary = ordered.slice(0, inputs.canary);
  const rest = ordered.slice(inputs.canary);
  const batches: string[][] = [];
  for (let i = 0; i < rest.length; i += inputs.batchSize) batches.push(rest.slice(i, i + inputs.batchSize));
  return { onTarget: done, canary, batches, skipped, amphoraeByImage };
}

export const plannedIds = (plan: RotationPlan): string[] => [...plan.canary, ...plan.batches.flat()];

/** `lb-web (1a2b3c4d)`: names are not unique in Octavia, ids are unreadable. */
export function describeLb(fleet: Fleet, id: string): string {
  const m = fleet.members.find((x) => x.id === id);
  return m?.name ? `${m.name} (${id.slice(0, 8)})` : id;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The plan in one line, printed by diff (preview and up) and refresh:
 * `3 load balancers to fail over onto image 1a2b3c4d (tag "amphora"): canary web (…); batch 1: api (…), db (…); 2 on target`.
 */
export function planLine(fleet: Fleet, plan: RotationPlan): string {
  const ids = plannedIds(plan);
  const targets = Object.entries(fleet.targets)
    .map(([tag, id]) => `image ${id.slice(0, 8)} (tag "${tag}")`)
    .join(", ");
  const parts = [`${plural(ids.length, "load balancer", "load balancers")} to fail over${ids.length ? ` onto ${targets}` : ""}`];
  const compact = ids.length + Object.keys(plan.skipped).length > NAMED_IN_FULL;
  const names = (list: readonly string[]): string =>
    compact && list.length > NAMED_PER_STEP
      ? `${list.slice(0, NAMED_PER_STEP).map((id) => describeLb(fleet, id)).join(", ")} and ${list.length - NAMED_PER_STEP} more`
      : list.map((id) => describeLb(fleet, id)).join(", ");
  const steps: string[] = [];
  if (plan.canary.length) steps.push(`canary ${names(plan.canary)}`);
  plan.batches.forEach((b, i) => {
    const last = plan.batches.length - 1;
    // A long plan names its first two batches and its last (SINGLE ones go last); the middle ones are counted.
    if (compact && i >= 2 && i < last) {
      if (i === 2) {
        const middle = plan.batches.slice(2, last);
        steps.push(`batches 3–${last}: ${plural(middle.flat().length, "load balancer", "load balancers")} in order of the list`);
      }
      return;
    }
    steps.push(`batch ${i + 1}: ${names(b)}`);
  });
  const tail = [`${plan.onTarget.length} on target`];
  const skipped = Object.entries(plan.skipped);
  if (skipped.length && !compact) tail.push(`${skipped.length} skipped (${skipped.map(([id, why]) => `${describeLb(fleet, id)}: ${why}`).join("; ")})`);
  if (skipped.length && compact) {
    const byReason = new Map<string, number>();
    for (const [, why] of skipped) byReason.set(why, (byReason.get(why) ?? 0) + 1);
    tail.push(`${skipped.length} skipped (${[...byReason].map(([why, n]) => `${n}: ${why}`).join("; ")})`);
  }
  return `${parts.join("")}${steps.length ? `: ${steps.join("; ")}` : ""}; ${tail.join(", ")}`;
}

/** Up to this many load balancers (to rotate or skipped), the plan line names every one. */
const NAMED_IN_FULL = 20;
/** Beyond it, each step names its first few and counts the rest. */
const NAMED_PER_STEP = 3;
