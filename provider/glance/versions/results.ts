import { z } from "zod";

/** One entry of Glance's version list (`{"id": "v2.15", "status": "CURRENT", "links": [...]}`). */
export const ApiVersion = z.looseObject({
  id: z.string(),
  status: z.string(),
  links: z.array(z.looseObject({ rel: z.string().optional(), href: z.string() })).optional(),
});
export type ApiVersion = z.infer<typeof ApiVersion>;

/**
 * `GET /` answers `{"versions": [...]}`; a versioned URL may answer `{"version": {...}}`. Normalised to the
 * list.
 */
export const VersionDocument = z
  .union([z.looseObject({ versions: z.array(ApiVersion) }), z.looseObject({ version: ApiVersion })])
  .transform((doc): ApiVersion[] => (Array.isArray(doc.versions) ? (doc.versions as ApiVersion[]) : [doc.version as ApiVersion]));

/** The API version a GlanceClient talks to, as chosen by discovery. */
export interface DiscoveredVersion {
  /** e.g. `v2.15`; `v2` when discovery was impossible and the versioned endpoint was trusted. */
  id: string;
  major: number;
  minor: number;
  status: string;
  /** Unversioned endpoint root (keeps any path prefix), no trailing slash. */
  rootUrl: string;
  /** `{rootUrl}/v2`: what all request URLs are built on. */
  baseUrl: string;
  /** Every version the endpoint listed, as `id (STATUS)`, for messages. */
  offered: string[];
}

/** Parses `v2.15` / `v2` into numbers; undefined for ids that are not `v<major>[.<minor>]`. */
export function parseVersionId(id: string): { major: number; minor: number } | undefined {
  const m = /^v(\d+)(?:\.(\d+))?$/i.exec(id.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: m[2] === undefined ? 0 : Number(m[2]) };
}

/** Statuses of versions this client is willing to use. */
export const USABLE_STATUSES: readonly string[] = ["CURRENT", "SUPPORTED"];

/**
 * Picks the highest CURRENT/SUPPORTED v2.x from an (unsorted) list; undefined when there is none.
 * DEPRECATED/EXPERIMENTAL entries are ignored.
 */
export function chooseVersion(
  versions: readonly ApiVersion[],
  major = 2,
): (ApiVersion & { major: number; minor: number }) | undefined {
  let best: (ApiVersion & { major: number; minor: number }) | undefined;
  for (const v of versions) {
    const parsed = parseVersionId(v.id);
    if (!parsed || parsed.major !== major) continue;
    if (!USABLE_STATUSES.includes(v.status.toUpperCase())) continue;
    if (!best || parsed.minor > best.minor) best = { ...v, ...parsed };
  }
  return best;
}
