import type { Http } from "../openstack/http";
import type { ServiceClient } from "../openstack/service-client";
import { discoverVersion } from "./versions/requests";
import type { DiscoveredVersion } from "./versions/results";

export interface GlanceClientOptions {
  /**
   * Skip discovery and use this versioned base URL (`http://h:9292/v2`). Meant for tests and for clouds whose
   * root hides the version list behind something discovery cannot get past.
   */
  baseUrl?: string;
}

/**
 * Glance v2 client: a ServiceClient (endpoint + authenticated got) plus the API version discovered on first
 * use. It holds no other state, so one instance can be shared; the request functions in `images/`,
 * `imagedata/`, `imageimport/`, ... take it as their first argument.
 *
 * ```ts
 * const glance = new GlanceClient(await session.serviceClient("image"));
 * const image = await createImage(glance, { name: "amphora", diskFormat: "qcow2", containerFormat: "bare" });
 * ```
 */
export class GlanceClient {
  readonly service: ServiceClient;
  private readonly fixedBaseUrl?: string;
  private discovery?: Promise<DiscoveredVersion>;

  constructor(service: ServiceClient, options: GlanceClientOptions = {}) {
    this.service = service;
    if (options.baseUrl !== undefined) this.fixedBaseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  get http(): Http {
    return this.service.http;
  }

  /** The endpoint as given (catalog or override). */
  get endpoint(): string {
    return this.service.endpoint;
  }

  get projectId(): string {
    return this.service.projectId;
  }

  /** True when the token carries the `admin` role (copy-image is admin-only by default). */
  get isAdmin(): boolean {
    return this.service.roles.includes("admin");
  }

  /**
   * The API version in use. Discovery runs once; the promise is cached, and dropped again if it fails so a
   * later call can retry (e.g. after a network error).
   */
  version(): Promise<DiscoveredVersion> {
    if (!this.discovery) {
      if (this.fixedBaseUrl !== undefined) {
        const baseUrl = this.fixedBaseUrl;
        this.discovery = Promise.resolve({
          id: "v2",
          major: 2,
          minor: 0,
          status: "UNKNOWN",
          rootUrl: baseUrl.replace(/\/v\d+(\.\d+)?$/i, ""),
          baseUrl,
          offered: [],
        });
      } else {
        const pending = discoverVersion(this.http, this.endpoint);
        pending.catch(() => {
          if (this.discovery === pending) this.discovery = undefined;
        });
        this.discovery = pending;
      }
    }
    return this.discovery;
  }

  /** `{root}/v2`, without trailing slash: what every request URL is built on. */
  async baseUrl(): Promise<string> {
    return (await this.version()).baseUrl;
  }

  /** The unversioned root (keeps a path prefix such as `/image`). */
  async rootUrl(): Promise<string> {
    return (await this.version()).rootUrl;
  }
}
