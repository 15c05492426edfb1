import { z } from "zod";
import { normalizeInterface } from "./config-build";
import { EndpointNotFoundError } from "./errors";
import type { EndpointInterface } from "./service-client";

/** Keystone v3 service catalog (as in a token body or `GET /v3/auth/catalog`). */
export const CatalogEndpointSchema = z.looseObject({
  id: z.string().optional(),
  interface: z.string(),
  region: z.string().nullish(),
  region_id: z.string().nullish(),
  url: z.string(),
});
export const CatalogServiceSchema = z.looseObject({
  id: z.string().optional(),
  type: z.string(),
  name: z.string().optional(),
  endpoints: z.array(CatalogEndpointSchema),
});
export const CatalogSchema = z.array(CatalogServiceSchema);
export type CatalogEndpoint = z.infer<typeof CatalogEndpointSchema>;
export type CatalogService = z.infer<typeof CatalogServiceSchema>;
export type Catalog = z.infer<typeof CatalogSchema>;

export interface EndpointQuery {
  /** Service type, e.g. `image`, `identity`, `load-balancer`. */
  readonly type: string;
  /** Region ID; when omitted, the endpoint must be unambiguous. */
  readonly region?: string;
  /** `public` (default), `internal`, `admin`, or `publicURL`-style names. */
  readonly interface?: EndpointInterface | string;
}

function regionOf(e: CatalogEndpoint): string {
  return e.region_id ?? e.region ?? "(no region)";
}

/** `image (glance): RegionOne [public, internal, admin]; identity (keystone): RegionOne [public]` */
export function describeCatalog(catalog: Catalog): string {
  if (catalog.length === 0) return "(empty catalog)";
  return catalog
    .map((s) => {
      const regions = new Map<string, string[]>();
      for (const e of s.endpoints) regions.set(regionOf(e), [...(regions.get(regionOf(e)) ?? []), e.interface]);
      const list = [...regions].map(([r, ifaces]) => `${r} [${ifaces.join(", ")}]`).join(", ");
      return `${s.type}${s.name ? ` (${s.name})` : ""}: ${list || "no endpoints"}`;
    })
    .join("; ");
}

/** The URL (without trailing slash) of the matching endpoint; `EndpointNotFoundError` lists what the catalog has. */
export function findEndpoint(catalog: Catalog, query: EndpointQuery): string {
  const iface = normalizeInterface(query.interface ?? "public");
  if (!iface) {
    throw new EndpointNotFoundError(
      `unknown endpoint interface "${query.interface}": use public, internal or admin (publicURL style also works)`,
    );
  }
  const wanted = `"${query.type}" endpoint with interface "${iface}"${query.region ? ` in region "${query.region}"` : ""}`;
  const services = catalog.filter((s) => s.type === query.type);
  if (services.length === 0) {
    throw new EndpointNotFoundError(`no ${wanted}: the catalog has no "${query.type}" service. Catalog: ${describeCatalog(catalog)}`);
  }
  const all = services.flatMap((s) => s.endpoints);
  const inRegion = query.region === undefined ? all : all.filter((e) => regionOf(e) === query.region || e.region === query.region);
  if (inRegion.length === 0) {
    const regions = [...new Set(all.map(regionOf))].join(", ");
    throw new EndpointNotFoundError(
      `no ${wanted}: "${query.type}" is offered in regions ${regions}. Catalog: ${describeCatalog(catalog)}`,
    );
  }
  const matches = inRegion.filter((e) => normalizeInterface(e.interface) === iface);
  if (matches.length === 0) {
    const ifaces = [...new Set(inRegion.map((e) => e.interface))].join(", ");
    throw new EndpointNotFoundError(`no ${wanted}: available interfaces are ${ifaces}. Catalog: ${describeCatalog(catalog)}`);
  }
  const urls = [...new Set(matches.map((e) => e.url.replace(/\/+$/, "")))];
  if (urls.length > 1) {
    const regions = [...new Set(matches.map(regionOf))].join(", ");
    throw new EndpointNotFoundError(
      `several ${wanted.replace(" endpoint ", " endpoints ")} found (regions ${regions}): set openstack:region (OS_REGION_NAME)`,
    );
  }
  return urls[0] as string;
}
