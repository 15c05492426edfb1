/**
 * Counts every outgoing HTTP request and TCP connect of this process, whatever client makes it (got, node:http,
 * fetch/undici, a raw socket), through Node's diagnostics channels. Used to show that a no-op diff makes none,
 * and what a preview of a large fleet costs (per method, host and path).
 */
import * as dc from "node:diagnostics_channel";

export interface RequestCount {
  /** `http.client.request.start` (node:http, and so got) plus `undici:request:create` (fetch). */
  http: number;
  /** `net.client.socket`: TCP/IPC connects. */
  sockets: number;
  /** What was requested, for the report when the count is not 0. */
  seen: string[];
  /** Requests per `METHOD host/path` (query left out). */
  byTarget: Record<string, number>;
}

const CHANNELS = ["http.client.request.start", "undici:request:create", "net.client.socket"] as const;

/** Starts counting; `stop()` ends it and returns the totals. */
export function countRequests(): { stop: () => RequestCount } {
  const count: RequestCount = { http: 0, sockets: 0, seen: [], byTarget: {} };
  const handlers = CHANNELS.map((name) => {
    const handler = (message: unknown): void => {
      if (name === "net.client.socket") {
        count.sockets++;
        return;
      }
      count.http++;
      const request = (message as { request?: { method?: string; path?: string; host?: string; origin?: string } }).request;
      const target = `${request?.method ?? "?"} ${request?.host ?? request?.origin ?? ""}${request?.path ?? ""}`;
      if (count.seen.length < 10) count.seen.push(target);
      const key = target.split("?")[0] as string;
      count.byTarget[key] = (count.byTarget[key] ?? 0) + 1;
    };
    dc.subscribe(name, handler);
    return { name, handler };
  });
  return {
    stop: () => {
      for (const { name, handler } of handlers) dc.unsubscribe(name, handler);
      return count;
    },
  };
}
