import type { Http } from "../../openstack/http";
import { isStatus, VersionError } from "../../openstack/errors";
import { UnexpectedResponseError } from "../errors";
import { chooseVersion, parseVersionId, VersionDocument, type DiscoveredVersion } from "./results";
import { endpointRoot, endpointVersion, versionBaseUrl, versionsUrl } from "./urls";

/** The major API version this client speaks. */
export const GLANCE_MAJOR = 2;

/**
 * Version discovery: `GET {root}/` (no auth needed; Glance answers 300 with an unsorted list) and pick the
 * highest CURRENT/SUPPORTED v2.x. Accepts unversioned (`http://h:9292`), versioned (`.../v2`, `.../v2/`) and
 * path-prefixed (`https://cloud/image[/v2]`) endpoints; request URLs are always built from the catalog's
 * root plus `/v2` (the hrefs Glance puts in the list name its own host, which is wrong behind a proxy).
 *
 * If the root does not answer with a version list (401/403/404, as some proxies do) but the endpoint itself
 * was registered as `.../v2`, that endpoint is trusted as is. An endpoint offering no v2 fails with a
 * VersionError that names the versions it does offer.
 */
export async function discoverVersion(http: Http, endpoint: string): Promise<DiscoveredVersion> {
  const rootUrl = endpointRoot(endpoint);
  const pinned = endpointVersion(endpoint);
  const url = versionsUrl(rootUrl);
  // With redirects off, got treats 3xx as success: the 300 Multiple Choices body is the answer we want.
  let body: string;
  try {
    const res = await http.get(url, { followRedirect: false, responseType: "text" });
    if (res.statusCode !== 200 && res.statusCode !== 300) {
      const location = res.headers.location ? ` to ${res.headers.location}` : "";
      throw new UnexpectedResponseError(`version discovery was redirected (${res.statusCode})${location}`, "GET", url);
    }
    body = res.body;
  } catch (err) {
    const pinnedVersion = pinned === undefined ? undefined : parseVersionId(pinned);
    if (pinnedVersion?.major === GLANCE_MAJOR && isStatus(err, 401, 403, 404)) {
      // Some proxies hide the root; an endpoint registered as .../v2 is then trusted as it is.
      return {
        id: pinned ?? `v${GLANCE_MAJOR}`,
        major: GLANCE_MAJOR,
        minor: pinnedVersion.minor,
        status: "UNKNOWN",
        rootUrl,
        baseUrl: versionBaseUrl(rootUrl, GLANCE_MAJOR),
        offered: [],
      };
    }
    throw err;
  }

  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new UnexpectedResponseError("version discovery answered with a body that is not JSON", "GET", url, {
      cause,
    });
  }
  const doc = VersionDocument.safeParse(json);
  if (!doc.success) {
    throw new UnexpectedResponseError(`version discovery answered with an unexpected body: ${body.slice(0, 300)}`, "GET", url);
  }
  const versions = doc.data;
  const offered = versions.map((v) => `${v.id} (${v.status})`);
  const chosen = chooseVersion(versions, GLANCE_MAJOR);
  if (!chosen) {
    throw new VersionError(
      `The image service at ${rootUrl} offers no CURRENT or SUPPORTED v${GLANCE_MAJOR}.x API; versions found: ${
        offered.length ? offered.join(", ") : "none"
      }`,
    );
  }
  return {
    id: chosen.id,
    major: chosen.major,
    minor: chosen.minor,
    status: chosen.status,
    rootUrl,
    baseUrl: versionBaseUrl(rootUrl, GLANCE_MAJOR),
    offered,
  };
}
