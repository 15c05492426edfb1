/**
 * The arithmetic of section 7's rotation overhead (pure): a rotation's wall time against Octavia's own failover
 * times (octavia-log.ts), and where the difference goes, from the client's request trace (http-trace.ts).
 *
 *   wall = before + Σ steps' wall + between steps + after
 *   Σ steps' wall = Octavia's critical path (Σ over steps of the step's slowest failover) + the steps' excess
 * so wall − critical path = before + steps' excess + between + after, each reported.
 */
import type { TracedRequest } from "./http-trace";
import type { FailoverSpan } from "./octavia-log";

/** One load balancer's turn as the client saw it, epoch ms. */
export interface Turn {
  /** The accepted failover request was sent. */
  requestMs: number;
  /** The poll that saw the load balancer out of PENDING_UPDATE was answered. */
  seenMs: number;
  /** The gate's amphora list was answered (or the poll that saw the end, when a list before it proved the gate): the turn's end. */
  gateEndMs: number;
}

const last = <T>(list: T[]): T | undefined => list[list.length - 1];

/**
 * Each load balancer's turn in a rotation's requests (failover.ts): its accepted `PUT …/failover`, then polls of
 * `GET …/loadbalancers/{id}` until it is no longer PENDING_*, and its amphora lists (`GET /v2/octavia/amphorae?…
 * loadbalancer_id={id}`): the gate's after the end, or, when one taken while the failover ran proved the gate
 * (gate-witness.ts), none after it. The poll that saw it settle is its last poll; the turn ends with the last
 * answer of either.
 */
export function turnsFromTrace(requests: readonly TracedRequest[], ids: readonly string[]): Map<string, Turn> {
  const turns = new Map<string, Turn>();
  for (const id of ids) {
    const put = last(requests.filter((r) => r.method === "PUT" && r.path.endsWith(`/loadbalancers/${id}/failover`) && r.status === 202));
    if (!put) continue;
    const after = requests.filter((r) => r.method === "GET" && r.startMs >= put.startMs);
    const lists = after.filter((r) => r.path.includes("/v2/octavia/amphorae?") && new URLSearchParams(r.path.split("?")[1]).get("loadbalancer_id") === id);
    const seen = last(after.filter((r) => r.path.endsWith(`/loadbalancers/${id}`)));
    if (!lists.length || !seen) continue;
    turns.set(id, { requestMs: put.startMs, seenMs: seen.endMs, gateEndMs: Math.max(seen.endMs, ...lists.map((r) => r.endMs)) });
  }
  return turns;
}

export interface RotationOverhead {
  wallMs: number;
  /** Σ over load balancers of Octavia's failover time. */
  octaviaSumMs: number;
  /** Σ over steps (each canary, each batch) of the step's slowest failover: the least the batch structure allows. */
  octaviaCriticalMs: number;
  /** wall / Σ − 1. */
  overSum: number;
  /** wall / critical path − 1. */
  overCritical: number;
  /** wall − critical path, split (ms): these four add up to it. */
  parts: {
    /** Rotation start → the first failover request (fleet read, preflight). */
    beforeMs: number;
    /** Σ over steps of (first request → last gate answered) − the step's slowest failover. */
    stepsExcessMs: number;
    /** Σ of the gaps between a step's last gate and the next step's first request. */
    betweenMs: number;
    /** Last gate → rotation end (the fleet read again for the outputs). */
    afterMs: number;
  };
  /** Per load balancer, ms. */
  perTurn: {
    octaviaMs: number[];
    /** The failover request sent → Octavia's API logs it accepted. */
    submitMs: number[];
    /** Octavia marked it ACTIVE → the client's poll saw it. */
    detectMs: number[];
    /** Seen → the gate's amphora list answered. */
    gateMs: number[];
  };
}

/** The last finished failover of each load balancer (throws naming one without). */
export function finishedSpan(spans: ReadonlyMap<string, FailoverSpan[]>, id: string): FailoverSpan {
  const span = last((spans.get(id) ?? []).filter((s) => Number.isFinite(s.endMs)));
  if (!span) throw new Error(`Octavia's logs show no finished failover of load balancer ${id}`);
  return span;
}

export function rotationOverhead(input: {
  startMs: number;
  endMs: number;
  steps: readonly (readonly string[])[];
  spans: ReadonlyMap<string, FailoverSpan[]>;
  turns: ReadonlyMap<string, Turn>;
}): RotationOverhead {
  const { startMs, endMs, steps, spans, turns } = input;
  const turnOf = (id: string): Turn => {
    const turn = turns.get(id);
    if (!turn) throw new Error(`the request trace shows no complete turn of load balancer ${id}`);
    return turn;
  };
  const perTurn: RotationOverhead["perTurn"] = { octaviaMs: [], submitMs: [], detectMs: [], gateMs: [] };
  let octaviaSumMs = 0;
  let octaviaCriticalMs = 0;
  let stepsExcessMs = 0;
  let betweenMs = 0;
  let previousEnd: number | undefined;
  let firstStart: number | undefined;
  for (const ids of steps) {
    const octavia = ids.map((id) => {
      const span = finishedSpan(spans, id);
      const turn = turnOf(id);
      perTurn.octaviaMs.push(span.endMs - span.startMs);
      perTurn.submitMs.push(span.startMs - turn.requestMs);
      perTurn.detectMs.push(turn.seenMs - span.endMs);
      perTurn.gateMs.push(turn.gateEndMs - turn.seenMs);
      return span.endMs - span.startMs;
    });
    const slowest = Math.max(...octavia);
    octaviaSumMs += octavia.reduce((a, b) => a + b, 0);
    octaviaCriticalMs += slowest;
    const stepStart = Math.min(...ids.map((id) => turnOf(id).requestMs));
    const stepEnd = Math.max(...ids.map((id) => turnOf(id).gateEndMs));
    stepsExcessMs += stepEnd - stepStart - slowest;
    if (previousEnd !== undefined) betweenMs += stepStart - previousEnd;
    firstStart ??= stepStart;
    previousEnd = stepEnd;
  }
  const wallMs = endMs - startMs;
  return {
    wallMs,
    octaviaSumMs,
    octaviaCriticalMs,
    overSum: wallMs / octaviaSumMs - 1,
    overCritical: wallMs / octaviaCriticalMs - 1,
    parts: { beforeMs: (firstStart ?? endMs) - startMs, stepsExcessMs, betweenMs, afterMs: endMs - (previousEnd ?? endMs) },
    perTurn,
  };
}
