/**
 * Times every undici request of this process (the provider's HTTP client) from its creation to the end of its
 * response, through undici's diagnostics channels: where a rotation spends its time between Octavia's failovers.
 */
import * as dc from "node:diagnostics_channel";

export interface TracedRequest {
  method: string;
  /** Path with query. */
  path: string;
  /** Epoch ms, the wall clock Octavia's log times come from (same machine). */
  startMs: number;
  /** Response complete (or failed), epoch ms; NaN while in flight. */
  endMs: number;
  status?: number;
}

interface UndiciRequest {
  method?: string;
  path?: string;
}

export const epochMs = (): number => Date.now();

/** Starts tracing; `stop()` ends it and returns the requests in creation order. */
export function traceRequests(): { stop: () => TracedRequest[] } {
  const all: TracedRequest[] = [];
  const open = new WeakMap<object, TracedRequest>();
  const handlers: Record<string, (message: unknown) => void> = {
    "undici:request:create": (message) => {
      const request = (message as { request: UndiciRequest }).request;
      const traced: TracedRequest = { method: request.method ?? "?", path: request.path ?? "", startMs: epochMs(), endMs: NaN };
      open.set(request, traced);
      all.push(traced);
    },
    "undici:request:headers": (message) => {
      const { request, response } = message as { request: object; response: { statusCode?: number } };
      const traced = open.get(request);
      if (traced && response.statusCode !== undefined) traced.status = response.statusCode;
    },
    "undici:request:trailers": (message) => {
      const traced = open.get((message as { request: object }).request);
      if (traced) traced.endMs = epochMs();
    },
    "undici:request:error": (message) => {
      const traced = open.get((message as { request: object }).request);
      if (traced) traced.endMs = epochMs();
    },
  };
  for (const [name, handler] of Object.entries(handlers)) dc.subscribe(name, handler);
  return {
    stop: () => {
      for (const [name, handler] of Object.entries(handlers)) dc.unsubscribe(name, handler);
      return all;
    },
  };
}
