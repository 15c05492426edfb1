/**
 * OpenStack session layer: configuration (explicit args, Pulumi `openstack:*` config, `OS_*` env, clouds.yaml),
 * Keystone v3 authentication, service catalog lookup and the HTTP client every API client uses.
 *
 *   import { OpenStackSession, resolveSessionConfig } from "../openstack";
 *   const session = await OpenStackSession.create(resolveSessionConfig({}, (k) => cfg.get(k), process.env));
 *   const glance = await session.serviceClient("image");
 */
export * from "./errors";
export type { EndpointInterface, ServiceClient } from "./service-client";
export { Secret } from "./secret";
export { resolveSessionConfig } from "./config";
export { RawFieldsSchema, SessionInputSchema, type SessionInput, type RawFields } from "./config-fields";
export { type PulumiConfigGetter } from "./config-layers";
export { findCloudsFiles, cloudsSearchPaths, type CloudsFile, type CloudsFiles } from "./clouds-yaml";
export {
  SessionConfigSchema,
  AuthSchema,
  type SessionConfig,
  type SessionConfigInput,
  type AuthMethod,
  type AuthKind,
  type EntityRef,
  type DomainRef,
} from "./config-schema";
export { normalizeAuthUrl, normalizeInterface } from "./config-build";
export { findEndpoint, describeCatalog, CatalogSchema, type Catalog, type CatalogService, type EndpointQuery } from "./catalog";
export { computeRetryDelay, parseRetryAfter, DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryInput } from "./retry";
export { createHttp, DEFAULT_TIMEOUT, type Http, type HttpOptions, type TokenSource } from "./http";
export { serviceMessageFrom, cleanServiceMessage } from "./http-errors";
export { consoleLogger, type Logger } from "./tls";
export { authenticate, type TokenInfo } from "./keystone";
export { clearTokenCache } from "./token-manager";
export { OpenStackSession, type SessionOptions, type ServiceClientOptions } from "./session";
