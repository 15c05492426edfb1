/**
 * Glance API version discovery.
 *
 * ```ts
 * const v = await discoverVersion(service.http, service.endpoint);
 * // { id: "v2.15", baseUrl: "http://127.0.0.1:9292/v2", offered: ["v2.15 (CURRENT)", ...] }
 * ```
 * Normally used through GlanceClient, which runs it once and caches the result.
 */
export * from "./requests";
export * from "./results";
export { endpointRoot, endpointVersion } from "./urls";
