/**
 * Octavia's own account of each load balancer's failover, from its logs (oslo.log, millisecond timestamps, the
 * machine's local time):
 *   start: the API's `Sending failover request for load balancer <id> to the provider amphora` (octavia-wsgi.log),
 *          logged once the API has set the load balancer PENDING_UPDATE, just before it casts the flow to the worker;
 *   end:   the worker's `Mark ACTIVE in DB for load balancer id: <id>` (octavia-worker.log), the failover flow's
 *          last task, whose commit is what a client polling the load balancer sees as ACTIVE.
 * A flow that fails logs `LB <id> failover exception` instead (the load balancer goes to ERROR).
 */
import { promises as fs, realpathSync } from "node:fs";
import * as path from "node:path";

export interface FailoverSpan {
  /** Epoch ms. */
  startMs: number;
  /** Epoch ms; NaN when the log shows no end (yet). */
  endMs: number;
  failed: boolean;
}

const STAMP = String.raw`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) \d+ `;
const UUID = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})";
const ACCEPTED = new RegExp(`${STAMP}INFO octavia\\.api\\.v2\\.controllers\\.load_balancer .*Sending failover request for load balancer ${UUID}`, "gm");
const ACTIVE = new RegExp(`${STAMP}INFO \\S+ .*Mark ACTIVE in DB for load balancer id: ${UUID}`, "gm");
const FAILED = new RegExp(`${STAMP}ERROR \\S+ .*LB ${UUID} failover exception`, "gm");

/** `2026-12-04 17:23:10.382` (local time, as oslo.log writes it) → epoch ms. */
export function logTimeMs(stamp: string): number {
  return new Date(stamp.replace(" ", "T")).getTime();
}

function events(text: string, pattern: RegExp): Array<{ id: string; ms: number }> {
  return [...text.matchAll(pattern)].map((m) => ({ id: m[2] as string, ms: logTimeMs(m[1] as string) }));
}

/**
 * Each load balancer's failovers in the given log text: every accepted request paired with the first end (ACTIVE
 * or failure) the worker logged for that load balancer after it and before its next accepted request.
 */
export function failoverSpans(apiLog: string, workerLog: string): Map<string, FailoverSpan[]> {
  const ends = [...events(workerLog, ACTIVE).map((e) => ({ ...e, failed: false })), ...events(workerLog, FAILED).map((e) => ({ ...e, failed: true }))].sort(
    (a, b) => a.ms - b.ms,
  );
  const spans = new Map<string, FailoverSpan[]>();
  const accepted = events(apiLog, ACCEPTED).sort((a, b) => a.ms - b.ms);
  for (const [i, start] of accepted.entries()) {
    const next = accepted.slice(i + 1).find((a) => a.id === start.id)?.ms ?? Infinity;
    const end = ends.find((e) => e.id === start.id && e.ms >= start.ms && e.ms < next);
    spans.set(start.id, [...(spans.get(start.id) ?? []), { startMs: start.ms, endMs: end?.ms ?? NaN, failed: end?.failed ?? false }]);
  }
  return spans;
}

/** The API's and the worker's log files of a local cloud (scripts/local-openstack/octavia.sh). */
export function octaviaLogFiles(cloudDir: string): { api: string; worker: string } {
  const dir = path.join(realpathSync(cloudDir), "log", "octavia");
  return { api: path.join(dir, "octavia-wsgi.log"), worker: path.join(dir, "octavia-worker.log") };
}

/** Where the two logs end now; `since` reads what was written after. */
export async function logMark(files: { api: string; worker: string }): Promise<{ since: () => Promise<{ api: string; worker: string }> }> {
  const size = async (file: string): Promise<number> => (await fs.stat(file).catch(() => ({ size: 0 }))).size;
  const [api, worker] = [await size(files.api), await size(files.worker)];
  const tail = async (file: string, from: number): Promise<string> => {
    const handle = await fs.open(file, "r");
    try {
      const now = (await handle.stat()).size;
      // Smaller than before: the file was truncated meanwhile (octavia.sh restart-worker); all of it is new.
      const start = now < from ? 0 : from;
      const buffer = Buffer.alloc(now - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString("utf8");
    } finally {
      await handle.close();
    }
  };
  return { since: async () => ({ api: await tail(files.api, api), worker: await tail(files.worker, worker) }) };
}
