import { failoverLoadBalancer, getLoadBalancer, GONE_AMPHORA_STATUSES, listAmphorae, type Amphora, type LoadBalancer } from "../octavia/client";
import { isStatus } from "../openstack/errors";
import type { ServiceClient } from "../openstack/service-client";
import { serviceWords } from "../common/errors";
import { FleetRotationError } from "./errors";
import type { Fleet } from "./fleet";
import type { AmphoraFleetRotationInputs } from "./inputs";
import { GateWitness } from "./gate-witness";
import { ReplacementWatch } from "./replacement-watch";
import { describeLb } from "./plan";
import { awaitSettled, pending, type FailoverTimes, type PollClock } from "./poll";

/**
 * One load balancer's turn in a rotation: fail it over and wait for its gate.
 *
 * Octavia refuses a failover with 409 while the load balancer is `PENDING_*` (another operation: someone's update,
 * someone's failover, a flow whose worker died). The turn asks first and reads the state only on a 409 (the
 * answer is authoritative, a read before would be stale by the time the request lands); then, with
 * `whenPending: "wait"`, it waits for the other operation to end (bounded by `timeouts.pendingSeconds`), reads
 * the amphorae again, and either finds the load balancer already on its target image (someone else's failover
 * put it there: it is not failed over again) or asks again. After an accepted failover it waits through
 * `PENDING_UPDATE` until `ACTIVE` or `ERROR` (bounded by `timeouts.failoverSeconds`), polling faster once its end
 * is near by what the run saw and by its amphorae (poll.ts, replacement-watch.ts), and checks the gate.
 */

export type TurnOutcome = { kind: "rotated" } | { kind: "skipped"; reason: string };

/** What a turn shares with the run's other turns: the clock and the failover times observed so far. */
export interface TurnPace {
  clock: PollClock;
  times: FailoverTimes;
  /** This turn's step (its index in the run: each canary, then each batch). */
  step: number;
  /** Failovers in flight in this turn's step (1 for a canary). */
  inFlight: number;
}

/** Failover requests of one turn at most (each 409 means another operation started and ended meanwhile). */
const MAX_REQUESTS = 5;
/**
 * Amphora lists watching a failover's replacement (replacement-watch.ts): one every LIST_EVERY_MS (or
 * LIST_EVERY_FRACTION of the expected failover time, if longer), from LIST_FROM of the expected time (alone; in a
 * batch, from its first end), LISTS at most per failover.
 */
const LIST_EVERY_MS = 200;
const LIST_EVERY_FRACTION = 0.05;
const LIST_FROM = 0.5;
const LISTS = 30;

const servingAmphorae = async (octavia: ServiceClient, id: string, pageSize: number): Promise<Amphora[]> =>
  (await listAmphorae(octavia, { loadbalancer_id: id }, pageSize)).filter((a) => !GONE_AMPHORA_STATUSES.has(a.status));

const onImage = (amphorae: Amphora[], target: string | undefined): boolean =>
  target !== undefined && amphorae.length > 0 && amphorae.every((a) => a.image_id === target);

const describeAmphorae = (amphorae: Amphora[]): string =>
  amphorae.map((a) => `${a.role ?? "?"} ${a.id.slice(0, 8)} ${a.status} on ${a.image_id ? a.image_id.slice(0, 8) : "no image"}`).join(", ") ||
  "none";

export async function failoverTurn(
  octavia: ServiceClient,
  fleet: Fleet,
  inputs: AmphoraFleetRotationInputs,
  id: string,
  print: (line: string) => void,
  pace: TurnPace,
): Promise<TurnOutcome> {
  const member = fleet.members.find((m) => m.id === id);
  const target = member ? fleet.targets[member.tag] : undefined;
  const lb = describeLb(fleet, id);
  const fail = (code: "ERR_FAILOVER" | "ERR_GATE" | "ERR_TIMEOUT", why: string, cause?: unknown): FleetRotationError =>
    new FleetRotationError(code, inputs.imageTag, `load balancer ${lb}: ${why}`, id, cause === undefined ? undefined : { cause });

  const { clock } = pace;
  const pollMs = inputs.timeouts.pollSeconds * 1000;
  const read = (): Promise<LoadBalancer> => getLoadBalancer(octavia, id);
  const pendingDeadline = clock.now() + inputs.timeouts.pendingSeconds * 1000;
  let waited = false;
  for (let request = 1; ; request++) {
    try {
      await failoverLoadBalancer(octavia, id);
      break;
    } catch (err) {
      if (!isStatus(err, 409)) throw fail("ERR_FAILOVER", `failover refused: ${serviceWords(err)}`, err);
      const state = await getLoadBalancer(octavia, id);
      if (!pending(state.provisioning_status) || request >= MAX_REQUESTS) {
        throw fail("ERR_FAILOVER", `failover refused while ${state.provisioning_status}: ${serviceWords(err)}`, err);
      }
      if (inputs.whenPending === "skip") {
        return { kind: "skipped", reason: `provisioning status ${state.provisioning_status}: another operation is running on it (whenPending is skip)` };
      }
      const left = Math.max(0, Math.round((pendingDeadline - clock.now()) / 1000));
      print(`${lb}: Octavia answered ${serviceWords(err)}; waiting up to ${left} s for that operation to end`);
      const other = await awaitSettled(read, { clock, pollMs, deadlineMs: pendingDeadline, first: state });
      if (other.timedOut) {
        throw fail(
          "ERR_TIMEOUT",
          `still ${other.state.provisioning_status} after ${inputs.timeouts.pendingSeconds} s (timeouts.pendingSeconds) waiting for another operation on it to end ` +
            `before its failover; a load balancer whose Octavia worker died mid-flow stays so until an operator resets it`,
        );
      }
      const after = other.state;
      waited = true;
      if (after.provisioning_status === "ERROR" && !inputs.includeErrored) {
        return { kind: "skipped", reason: "provisioning status ERROR after another operation (set includeErrored to rotate it)" };
      }
      if (after.provisioning_status !== "ACTIVE" && after.provisioning_status !== "ERROR") {
        return { kind: "skipped", reason: `provisioning status ${after.provisioning_status} after another operation` };
      }
      if (onImage(await servingAmphorae(octavia, id, inputs.pageSize), target)) {
        return { kind: "skipped", reason: `already on image ${target?.slice(0, 8)} after another operation: not failed over again` };
      }
    }
  }

  const acceptedMs = clock.now();
  const watch = watchReplacement(octavia, inputs.pageSize, id, new GateWitness(member?.amphoraIds ?? [], member?.amphoraIds.length ?? 0, target), pace);
  let settled;
  try {
    settled = await awaitSettled(read, {
      clock,
      pollMs,
      deadlineMs: acceptedMs + inputs.timeouts.failoverSeconds * 1000,
      learn: { times: pace.times, step: pace.step, inFlight: pace.inFlight, startMs: acceptedMs },
      progress: watch,
    });
  } finally {
    watch.stop();
  }
  if (settled.timedOut) {
    throw fail(
      "ERR_TIMEOUT",
      `failover still ${settled.state.provisioning_status} after ${inputs.timeouts.failoverSeconds} s (timeouts.failoverSeconds)` +
        `${waited ? ", after waiting for another operation" : ""}; Octavia may still finish it: the next up waits for it`,
    );
  }
  const state = settled.state;
  // A list taken while the failover ran may have proven the image gate (gate-witness.ts); otherwise one now.
  const proven = state.provisioning_status === "ACTIVE" && (await watch.proven());
  const amphorae = proven ? [] : await servingAmphorae(octavia, id, inputs.pageSize);
  if (state.provisioning_status !== "ACTIVE") {
    throw fail(
      "ERR_GATE",
      `Octavia's failover ended in provisioning status ${state.provisioning_status} (amphorae: ${describeAmphorae(amphorae)}); ` +
        `Octavia's worker log has the flow's error`,
    );
  }
  if (!inputs.healthGate.operatingStatuses.includes(state.operating_status as never)) {
    throw fail("ERR_GATE", `operating status ${state.operating_status} after failover, the gate accepts ${inputs.healthGate.operatingStatuses.join(", ")}`);
  }
  if (!proven && !onImage(amphorae, target)) {
    throw fail("ERR_GATE", `after failover its amphorae are not all on image ${target ?? "(none)"}: ${describeAmphorae(amphorae)}`);
  }
  return { kind: "rotated" };
}

/** The watch of one turn's replacement, paced by what the run saw (LIST_* above). */
function watchReplacement(octavia: ServiceClient, pageSize: number, id: string, witness: GateWitness, pace: TurnPace): ReplacementWatch {
  const { times, step, inFlight, clock } = pace;
  const expected = times.expected(step, inFlight, clock.now());
  const batch = inFlight > 1;
  const begin = batch && !times.firstEnded(step) ? new Promise<void>((resolve) => times.onFirstEnd(step, resolve)) : Promise.resolve();
  return new ReplacementWatch(() => servingAmphorae(octavia, id, pageSize), witness, clock, {
    firstMs: batch ? 0 : (expected ?? 0) * LIST_FROM,
    everyMs: Math.max(LIST_EVERY_MS, (expected ?? 0) * LIST_EVERY_FRACTION),
    max: LISTS,
    begin,
  });
}
