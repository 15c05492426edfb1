/**
 * A stand-in for Octavia's read API (section 7's preview of a large fleet): the list and show calls the
 * AmphoraFleetRotation provider reads a fleet with, over many fake rows, paged exactly as Octavia 11 (Zed) pages
 * (octavia/api/common/pagination.py): `limit` capped at `[api_settings] pagination_max_limit` (1,000), rows after
 * `marker`, a `next` link whenever a page is full (so a list whose size is a multiple of the limit ends with an
 * empty page), a `previous` link when a marker was given; links are absolute and carry only `limit` and
 * `marker` (Octavia drops the other filters from them). Every request is counted per method and path.
 */
import type { ServerResponse } from "node:http";
import { sendJson, startServer, type TestServer } from "../test/glance/support/fake-service";

export const PAGINATION_MAX_LIMIT = 1000;

export interface FakeFlavor {
  id: string;
  /** The flavor profile's `flavor_data` (JSON text in Octavia). */
  flavorData: Record<string, unknown>;
}

export interface FakeOctavia {
  origin: string;
  /** `METHOD /path` (no query) → requests. */
  byPath(): Record<string, number>;
  requests(): number;
  /** Forgets the counts. */
  reset(): void;
  close(): Promise<void>;
}

const uuid = (kind: number, i: number): string => `${kind.toString(16).padStart(8, "0")}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
const stamp = "2026-11-01T10:00:00";

type Row = Record<string, unknown> & { id: string };

function loadBalancerRow(i: number, projectId: string, flavorId: string): Row {
  return {
    id: uuid(1, i),
    name: `bench-lb-${String(i).padStart(4, "0")}`,
    description: "",
    project_id: projectId,
    tenant_id: projectId,
    provisioning_status: "ACTIVE",
    operating_status: "ONLINE",
    admin_state_up: true,
    vip_address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    vip_port_id: uuid(2, i),
    vip_subnet_id: uuid(3, 0),
    vip_network_id: uuid(4, 0),
    vip_qos_policy_id: null,
    listeners: [{ id: uuid(5, i) }],
    pools: [{ id: uuid(6, i) }],
    provider: "amphora",
    flavor_id: flavorId,
    availability_zone: null,
    tags: [],
    created_at: stamp,
    updated_at: stamp,
  };
}

function amphoraRow(lb: Row, n: number, role: string, imageId: string): Row {
  const i = Number.parseInt((lb.id as string).slice(-12), 16) * 2 + n;
  return {
    id: uuid(7, i),
    loadbalancer_id: lb.id,
    compute_id: uuid(8, i),
    lb_network_ip: `192.168.${(i >> 8) & 255}.${i & 255}`,
    vrrp_ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
    ha_ip: lb.vip_address,
    vrrp_port_id: uuid(9, i),
    ha_port_id: lb.vip_port_id,
    cert_expiration: "2028-11-01T10:00:00",
    cert_busy: false,
    role,
    status: "ALLOCATED",
    vrrp_interface: "eth1",
    vrrp_id: 1,
    vrrp_priority: role === "MASTER" ? 100 : 90,
    cached_zone: "nova",
    created_at: stamp,
    updated_at: stamp,
    image_id: imageId,
    compute_flavor: "amphora",
  };
}

/** Octavia's `_make_links` and the page itself. */
function sendPage(res: ServerResponse, origin: string, url: URL, key: string, rows: Row[]): void {
  const asked = Number(url.searchParams.get("limit") ?? PAGINATION_MAX_LIMIT);
  const limit = asked > 0 ? Math.min(asked, PAGINATION_MAX_LIMIT) : PAGINATION_MAX_LIMIT;
  const marker = url.searchParams.get("marker");
  const from = marker === null ? 0 : rows.findIndex((r) => r.id === marker) + 1;
  if (marker !== null && from === 0) return sendJson(res, 404, { faultstring: `Marker ${marker} could not be found.` });
  const page = rows.slice(from, from + limit);
  const links: Array<{ rel: string; href: string }> = [];
  const base = `${origin}${url.pathname}`;
  if (page.length > 0) {
    if (marker !== null) links.push({ rel: "previous", href: `${base}?limit=${limit}&marker=${page[0]?.id}&page_reverse=True` });
    if (page.length >= limit) links.push({ rel: "next", href: `${base}?limit=${limit}&marker=${page[page.length - 1]?.id}` });
  }
  sendJson(res, 200, { [key]: page, [`${key}_links`]: links });
}

/** Rows matching the query's field filters (Octavia filters a list by any of its fields given in the query). */
function filtered(rows: Row[], url: URL): Row[] {
  const filters = [...url.searchParams].filter(([k]) => !["limit", "marker", "page_reverse", "sort", "sort_key", "sort_dir", "fields"].includes(k));
  return filters.length ? rows.filter((r) => filters.every(([k, v]) => String(r[k]) === v)) : rows;
}

/**
 * `loadBalancers` ACTIVE_STANDBY load balancers (two amphorae each, MASTER and BACKUP, on `imageOf(i)`), their
 * flavors taken in turn from `flavors`.
 */
export async function startFakeOctavia(opts: { loadBalancers: number; projectId: string; flavors: FakeFlavor[]; imageOf: (i: number) => string }): Promise<FakeOctavia> {
  const lbs = Array.from({ length: opts.loadBalancers }, (_, i) => loadBalancerRow(i, opts.projectId, (opts.flavors[i % opts.flavors.length] as FakeFlavor).id));
  const amphorae = lbs.flatMap((lb, i) => [amphoraRow(lb, 0, "MASTER", opts.imageOf(i)), amphoraRow(lb, 1, "BACKUP", opts.imageOf(i))]);
  const flavors = new Map(opts.flavors.map((f) => [f.id, f]));
  let counts: Record<string, number> = {};
  let server: TestServer | undefined = undefined;
  server = await startServer((req, res) => {
    const url = new URL(req.url, "http://fake");
    const key = `${req.method} ${url.pathname}`;
    counts[key] = (counts[key] ?? 0) + 1;
    const origin = (server as TestServer).origin;
    if (req.method !== "GET") return sendJson(res, 405, { faultstring: "read-only fake" });
    if (url.pathname === "/v2/lbaas/loadbalancers") return sendPage(res, origin, url, "loadbalancers", filtered(lbs, url));
    if (url.pathname === "/v2/octavia/amphorae") return sendPage(res, origin, url, "amphorae", filtered(amphorae, url));
    let m = /^\/v2\/lbaas\/loadbalancers\/([\w-]+)$/.exec(url.pathname);
    const lb = m && lbs.find((l) => l.id === m?.[1]);
    if (lb) return sendJson(res, 200, { loadbalancer: lb });
    m = /^\/v2\/lbaas\/flavors\/([\w-]+)$/.exec(url.pathname);
    const flavor = m && flavors.get(m[1] as string);
    if (flavor) return sendJson(res, 200, { flavor: { id: flavor.id, name: flavor.id, description: "", enabled: true, flavor_profile_id: `profile-${flavor.id}` } });
    m = /^\/v2\/lbaas\/flavorprofiles\/profile-([\w-]+)$/.exec(url.pathname);
    const profiled = m && flavors.get(m[1] as string);
    if (profiled) {
      return sendJson(res, 200, {
        flavorprofile: { id: `profile-${profiled.id}`, name: profiled.id, provider_name: "amphora", flavor_data: JSON.stringify(profiled.flavorData) },
      });
    }
    return sendJson(res, 404, { faultstring: `no ${url.pathname} in the fake Octavia` });
  });
  const running = server;
  return {
    origin: running.origin,
    byPath: () => ({ ...counts }),
    requests: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      counts = {};
    },
    close: () => running.close(),
  };
}
