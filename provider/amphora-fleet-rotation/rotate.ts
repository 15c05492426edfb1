import { runPool } from "../common/pool";
import { sleep } from "../common/sleep";
import { failoverLoadBalancer, getLoadBalancer, GONE_AMPHORA_STATUSES, listAmphorae } from "../octavia/client";
import type { ServiceClient } from "../openstack/service-client";
import { FleetRotationError, serviceMessage } from "./errors";
import type { Fleet } from "./fleet";
import type { AmphoraFleetRotationInputs } from "./inputs";
import { describeLb, type RotationPlan } from "./plan";

/**
 * Runs a plan: the canary load balancers one by one, then batch by batch (`concurrency` failovers in flight),
 * each failover followed by its health gate. The first failure stops the run: no further failover starts (those
 * in flight in the same batch are waited for), and the error names the load balancer and Octavia's answer.
 */

export interface RotationResult {
  rotated: string[];
  failed: Record<string, string>;
  /** The first failure, when the run stopped. */
  failure?: FleetRotationError;
}

const settled = (status: string): boolean => !status.startsWith("PENDING_");

/** Fails over one load balancer and waits for its gate; throws FleetRotationError. */
async function failoverAndGate(
  octavia: ServiceClient,
  fleet: Fleet,
  inputs: AmphoraFleetRotationInputs,
  id: string,
): Promise<void> {
  const member = fleet.members.find((m) => m.id === id);
  const target = member ? fleet.targets[member.tag] : undefined;
  const lb = describeLb(fleet, id);
  const fail = (code: "ERR_FAILOVER" | "ERR_GATE" | "ERR_TIMEOUT", why: string, cause?: unknown): FleetRotationError =>
    new FleetRotationError(code, inputs.imageTag, `load balancer ${lb}: ${why}`, id, cause === undefined ? undefined : { cause });
  try {
    await failoverLoadBalancer(octavia, id);
  } catch (err) {
    throw fail("ERR_FAILOVER", `failover refused: ${serviceMessage(err)}`, err);
  }
  const deadline = Date.now() + inputs.timeouts.failoverSeconds * 1000;
  let state = await getLoadBalancer(octavia, id);
  while (!settled(state.provisioning_status)) {
    if (Date.now() > deadline) {
      throw fail("ERR_TIMEOUT", `failover still ${state.provisioning_status} after ${inputs.timeouts.failoverSeconds} s`);
    }
    await sleep(inputs.timeouts.pollSeconds * 1000);
    state = await getLoadBalancer(octavia, id);
  }
  const amphorae = (await listAmphorae(octavia, { loadbalancer_id: id }, inputs.pageSize)).filter((a) => !GONE_AMPHORA_STATUSES.has(a.status));
  const describeAmps = amphorae.map((a) => `${a.role ?? "?"} ${a.id.slice(0, 8)} ${a.status} on ${a.image_id ? a.image_id.slice(0, 8) : "no image"}`).join(", ");
  if (state.provisioning_status !== "ACTIVE") {
    throw fail(
      "ERR_GATE",
      `Octavia's failover ended in provisioning status ${state.provisioning_status} (amphorae: ${describeAmps || "none"}); ` +
        `Octavia's worker log has the flow's error`,
    );
  }
  if (!inputs.healthGate.operatingStatuses.includes(state.operating_status as never)) {
    throw fail("ERR_GATE", `operating status ${state.operating_status} after failover, the gate accepts ${inputs.healthGate.operatingStatuses.join(", ")}`);
  }
  if (target === undefined || amphorae.length === 0 || amphorae.some((a) => a.image_id !== target)) {
    throw fail("ERR_GATE", `after failover its amphorae are not all on image ${target ?? "(none)"}: ${describeAmps || "none"}`);
  }
}

function asRotationError(err: unknown, tag: string, fleet: Fleet, id: string): FleetRotationError {
  if (err instanceof FleetRotationError) return err;
  return new FleetRotationError("ERR_OCTAVIA", tag, `load balancer ${describeLb(fleet, id)}: ${serviceMessage(err)}`, id, { cause: err });
}

export async function runRotation(
  octavia: ServiceClient,
  fleet: Fleet,
  inputs: AmphoraFleetRotationInputs,
  plan: RotationPlan,
  print: (line: string) => void,
): Promise<RotationResult> {
  const steps: Array<{ label: string; ids: string[]; concurrency: number }> = [
    ...plan.canary.map((id, i) => ({ label: `canary ${i + 1}/${plan.canary.length}`, ids: [id], concurrency: 1 })),
    ...plan.batches.map((ids, i) => ({ label: `batch ${i + 1}/${plan.batches.length}`, ids, concurrency: inputs.concurrency })),
  ];
  const total = plan.canary.length + plan.batches.flat().length;
  const rotated: string[] = [];
  const failed: Record<string, string> = {};
  let failure: FleetRotationError | undefined;
  for (const [n, step] of steps.entries()) {
    if (n > plan.canary.length && inputs.pauseSeconds > 0) await sleep(inputs.pauseSeconds * 1000);
    const results = await runPool(
      step.ids,
      step.concurrency,
      async (id) => {
        const started = Date.now();
        try {
          await failoverAndGate(octavia, fleet, inputs, id);
        } catch (err) {
          const typed = asRotationError(err, inputs.imageTag, fleet, id);
          failure ??= typed;
          throw typed;
        }
        rotated.push(id);
        print(`${step.label}: ${describeLb(fleet, id)} failed over and passed its gate in ${((Date.now() - started) / 1000).toFixed(1)} s (${rotated.length}/${total})`);
      },
      { stop: () => failure !== undefined },
    );
    for (const [i, r] of results.entries()) {
      if (r.status !== "rejected") continue;
      failed[step.ids[i] as string] = (r.reason as FleetRotationError).message;
    }
    if (failure) {
      print(`${step.label}: stopped: ${failure.message}; ${total - rotated.length - Object.keys(failed).length} load balancer(s) left untouched`);
      break;
    }
  }
  return { rotated, failed, ...(failure ? { failure } : {}) };
}
