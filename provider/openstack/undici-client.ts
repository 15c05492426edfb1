import type { Agent as UndiciAgent, Dispatcher } from "undici";

/**
 * undici's HTTP/1.1 connection pool (Agent) and its `request` API, loaded without the rest of undici's index
 * (fetch, WebSocket, EventSource, the cache, mocks). Measured on Node 24: the index raises a process's peak RSS
 * by about 30 MB when it loads, these two modules by about 16 MB; got 11 by about 23 MB. The paths are undici 7's
 * (package.json: ^7); every HTTP test fails if they move.
 */
const AgentClass = require("undici/lib/dispatcher/agent.js") as typeof UndiciAgent;
const requestApi = require("undici/lib/api/api-request.js") as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

export type Agent = UndiciAgent;
export const Agent = AgentClass;

/** `undici.request(url, { dispatcher: agent, ... })` without the index. */
export function request(
  agent: Agent,
  url: URL,
  options: Omit<Dispatcher.RequestOptions, "origin" | "path">,
): Promise<Dispatcher.ResponseData> {
  return requestApi.call(agent, { ...options, origin: url.origin, path: `${url.pathname}${url.search}` });
}
