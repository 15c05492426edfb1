import { runPool } from "../common/pool";
import { sleep } from "../common/sleep";
import type { ServiceClient } from "../openstack/service-client";
import { serviceWords } from "../common/errors";
import { FleetRotationError } from "./errors";
import { failoverTurn } from "./failover";
import type { Fleet } from "./fleet";
import type { AmphoraFleetRotationInputs } from "./inputs";
import { describeLb, type RotationPlan } from "./plan";
import { FailoverTimes, SYSTEM_POLL_CLOCK } from "./poll";

/**
 * Runs a plan: the canary load balancers one by one, then batch by batch (`concurrency` failovers in flight,
 * `pauseSeconds` before each batch), each turn (failover.ts) ending with its health gate.
 *
 * Stop rules: a canary failure stops the run; after the canary, the run goes on while at most `maxFailures`
 * load balancers failed and stops when one more fails. Stopping means no further failover starts (those in
 * flight in the same batch are waited for); the error names the load balancer and Octavia's answer. A load
 * balancer skipped at its turn (`whenPending: "skip"`, or found already on target after another operation) is
 * not a failure.
 */

export interface RotationResult {
  rotated: string[];
  failed: Record<string, string>;
  /** Skipped at their turn, with the reason. */
  skipped: Record<string, string>;
  /** The first failure, when one load balancer failed (the run stopped, or went on within maxFailures). */
  failure?: FleetRotationError;
  /** True when the stop rules ended the run before the plan's end. */
  stopped: boolean;
}

function asRotationError(err: unknown, tag: string, fleet: Fleet, id: string): FleetRotationError {
  if (err instanceof FleetRotationError) return err;
  return new FleetRotationError("ERR_OCTAVIA", tag, `load balancer ${describeLb(fleet, id)}: ${serviceWords(err)}`, id, { cause: err });
}

export async function runRotation(
  octavia: ServiceClient,
  fleet: Fleet,
  inputs: AmphoraFleetRotationInputs,
  plan: RotationPlan,
  print: (line: string) => void,
): Promise<RotationResult> {
  const steps: Array<{ label: string; ids: string[]; concurrency: number; canary: boolean }> = [
    ...plan.canary.map((id, i) => ({ label: `canary ${i + 1}/${plan.canary.length}`, ids: [id], concurrency: 1, canary: true })),
    ...plan.batches.map((ids, i) => ({ label: `batch ${i + 1}/${plan.batches.length}`, ids, concurrency: inputs.concurrency, canary: false })),
  ];
  const total = plan.canary.length + plan.batches.flat().length;
  const rotated: string[] = [];
  const failed: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  let failure: FleetRotationError | undefined;
  let stopped = false;
  const times = new FailoverTimes();
  const mustStop = (canary: boolean): boolean => failure !== undefined && (canary || Object.keys(failed).length > inputs.maxFailures);
  for (const [n, step] of steps.entries()) {
    if (n >= plan.canary.length && n > 0 && inputs.pauseSeconds > 0) await sleep(inputs.pauseSeconds * 1000);
    await runPool(
      step.ids,
      step.concurrency,
      async (id) => {
        const started = Date.now();
        const lb = describeLb(fleet, id);
        try {
          const outcome = await failoverTurn(octavia, fleet, inputs, id, (line) => print(`${step.label}: ${line}`), {
            clock: SYSTEM_POLL_CLOCK,
            times,
            step: n,
            inFlight: Math.min(step.ids.length, step.concurrency),
          });
          if (outcome.kind === "skipped") {
            skipped[id] = outcome.reason;
            print(`${step.label}: ${lb} skipped: ${outcome.reason}`);
            return;
          }
        } catch (err) {
          const typed = asRotationError(err, inputs.imageTag, fleet, id);
          failure ??= typed;
          failed[id] = typed.message;
          print(`${step.label}: ${lb} failed (${Object.keys(failed).length} of maxFailures ${inputs.maxFailures}${step.canary ? ", canary" : ""}): ${typed.message}`);
          return;
        }
        rotated.push(id);
        print(`${step.label}: ${lb} failed over and passed its gate in ${((Date.now() - started) / 1000).toFixed(1)} s (${rotated.length}/${total})`);
      },
      { stop: () => mustStop(step.canary) },
    );
    if (mustStop(step.canary)) {
      stopped = true;
      const left = total - rotated.length - Object.keys(failed).length - Object.keys(skipped).length;
      print(
        `${step.label}: stopped after ${Object.keys(failed).length} failed load balancer(s)${step.canary ? " (a canary)" : ` (maxFailures ${inputs.maxFailures})`}; ` +
          `${left} load balancer(s) left untouched`,
      );
      break;
    }
  }
  return { rotated, failed, skipped, stopped, ...(failure ? { failure } : {}) };
}
