import type { Http } from "./http";
import { findEndpoint, type Catalog } from "./catalog";
import type { CloudsFiles } from "./clouds-yaml";
import { ignoredEnvironmentWarning, resolveSessionConfig } from "./config";
import { whereToSet } from "./config-fields";
import type { SessionInput } from "./config-fields";
import { normalizeServiceType, type PulumiConfigGetter } from "./config-layers";
import { SessionConfigSchema, type SessionConfig, type SessionConfigInput } from "./config-schema";
import { AuthError, ConfigError } from "./errors";
import { createHttp, type HttpOptions } from "./http";
import { describePrincipal, type TokenInfo } from "./keystone";
import type { EndpointInterface, ServiceClient } from "./service-client";
import { consoleLogger, tlsOptions, type Logger } from "./tls";
import { credentialKey, sharedTokenManager, TokenManager } from "./token-manager";

/**
 * An authenticated connection to one OpenStack cloud: a token (cached per process and credential set, renewed
 * before expiry and once on a 401) and its catalog, from which per-service clients are made.
 *
 *   const session = await OpenStackSession.create(resolveSessionConfig(args, pulumiGet, process.env));
 *   const glance = await session.serviceClient("image");
 *   const images = await glance.http.get(`${glance.endpoint}/v2/images`).json();
 */
export interface SessionOptions extends HttpOptions {
  /**
   * Receives the one-time warning about `insecure` and the warning naming `OS_*` variables ignored because a cloud
   * is named. Default: console.warn.
   */
  readonly logger?: Logger;
  /** Renew the token when less than this is left. Default 60 s. */
  readonly renewBeforeSeconds?: number;
}

export interface ServiceClientOptions {
  /** Region ID; default: the session's `region`. */
  readonly region?: string;
  /** `public` (default: the session's `interface`), `internal`, `admin`; `publicURL` style is accepted. */
  readonly interface?: EndpointInterface | string;
  /** Use this URL instead of the catalog's (wins over the session's `endpointOverrides`). */
  readonly endpointOverride?: string;
}

export class OpenStackSession {
  readonly config: SessionConfig;
  readonly #tokens: TokenManager;
  readonly #http: Http;
  readonly #clients = new Map<string, Promise<ServiceClient>>();

  private constructor(config: SessionConfig, tokens: TokenManager, http: Http) {
    this.config = config;
    this.#tokens = tokens;
    this.#http = http;
  }

  /** Validates `config`, authenticates (or reuses this process's token for the same credentials). */
  static async create(config: SessionConfigInput, options: SessionOptions = {}): Promise<OpenStackSession> {
    const parsed = SessionConfigSchema.safeParse(config);
    if (!parsed.success) {
      const paths = parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ");
      throw new ConfigError(`invalid OpenStack session config at: ${paths}`);
    }
    const cfg = parsed.data;
    const logger = options.logger ?? consoleLogger;
    const ignored = ignoredEnvironmentWarning(cfg);
    if (ignored !== undefined) logger.warn(ignored);
    const tls = tlsOptions(cfg, logger);
    const key = credentialKey(cfg);
    const tokens = sharedTokenManager(key, () => {
      const keystone = createHttp({ tls, ...options });
      const renewBeforeMs = (options.renewBeforeSeconds ?? 60) * 1000;
      return new TokenManager(keystone, cfg.authUrl, cfg.auth, { renewBeforeMs });
    });
    const info = await tokens.info();
    if (info.projectId === undefined) {
      throw new AuthError(
        `the token of ${describePrincipal(cfg.auth)} is not scoped to a project: openstack:tenantName ` +
          `(or openstack:tenantId) is missing: ${whereToSet(["projectName", "projectId"], cfg.cloud)}`,
      );
    }
    return new OpenStackSession(cfg, tokens, createHttp({ tls, tokens, ...options }));
  }

  /** `resolveSessionConfig(...)` then `create(...)`. */
  static async fromSources(
    sources: {
      explicit?: SessionInput;
      pulumiGet?: PulumiConfigGetter;
      env?: Readonly<Record<string, string | undefined>>;
      cloudsFiles?: CloudsFiles;
    } = {},
    options: SessionOptions = {},
  ): Promise<OpenStackSession> {
    const config = resolveSessionConfig(sources.explicit, sources.pulumiGet, sources.env ?? process.env, sources.cloudsFiles);
    return OpenStackSession.create(config, options);
  }

  #info(): TokenInfo {
    const info = this.#tokens.last;
    if (!info) throw new AuthError("the session has no token"); // cannot happen after create()
    return info;
  }

  get projectId(): string {
    return this.#info().projectId ?? "";
  }

  get userId(): string {
    return this.#info().userId;
  }

  get roles(): readonly string[] {
    return this.#info().roles;
  }

  get expiresAt(): Date {
    return this.#info().expiresAt;
  }

  /** A valid token (renewed as needed). Sensitive: never log it. */
  token(): Promise<string> {
    return this.#tokens.current();
  }

  async catalog(): Promise<Catalog> {
    return (await this.#tokens.info()).catalog;
  }

  /** The endpoint URL for a service type: override, else catalog lookup by region and interface. */
  async endpoint(type: string, options: ServiceClientOptions = {}): Promise<string> {
    const override = options.endpointOverride ?? this.config.endpointOverrides[normalizeServiceType(type)];
    if (override !== undefined) return override.replace(/\/+$/, "");
    const region = options.region ?? this.config.region;
    return findEndpoint(await this.catalog(), {
      type,
      interface: options.interface ?? this.config.interface,
      ...(region !== undefined && { region }),
    });
  }

  /** A ServiceClient for the service type (cached per type, region, interface and override). */
  serviceClient(type: string, options: ServiceClientOptions = {}): Promise<ServiceClient> {
    const key = JSON.stringify([type, options.region, options.interface, options.endpointOverride]);
    let client = this.#clients.get(key);
    if (!client) {
      client = this.#makeClient(type, options);
      client.catch(() => this.#clients.delete(key));
      this.#clients.set(key, client);
    }
    return client;
  }

  async #makeClient(type: string, options: ServiceClientOptions): Promise<ServiceClient> {
    const endpoint = await this.endpoint(type, options);
    const projectId = () => this.projectId;
    const roles = () => this.roles;
    return {
      endpoint,
      http: this.#http,
      get projectId() {
        return projectId();
      },
      get roles() {
        return roles();
      },
    };
  }
}
