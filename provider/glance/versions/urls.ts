/** Matches a trailing version segment such as `v2`, `v2.15` or `v1.0`. */
const VERSION_SEGMENT = /^v\d+(\.\d+)?$/i;

/**
 * The unversioned root of a Glance endpoint: `http://h:9292/v2/` → `http://h:9292`,
 * `https://cloud/image/v2` → `https://cloud/image`. Query and fragment are dropped; no trailing slash.
 */
export function endpointRoot(endpoint: string): string {
  const url = new URL(endpoint);
  const segments = url.pathname.split("/").filter((s) => s !== "");
  if (segments.length > 0 && VERSION_SEGMENT.test(segments[segments.length - 1] ?? "")) segments.pop();
  url.pathname = segments.length ? `/${segments.join("/")}` : "/";
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}

/** The version segment the endpoint was registered with (`v2` for `.../v2/`), if any. */
export function endpointVersion(endpoint: string): string | undefined {
  const segments = new URL(endpoint).pathname.split("/").filter((s) => s !== "");
  const last = segments[segments.length - 1];
  return last !== undefined && VERSION_SEGMENT.test(last) ? last.toLowerCase() : undefined;
}

/** Version discovery document: `GET {root}/` (answers 300 Multiple Choices). */
export const versionsUrl = (root: string): string => `${root}/`;

/** Base URL of a major API version under the root: `{root}/v2`. */
export const versionBaseUrl = (root: string, major: number): string => `${root}/v${major}`;
