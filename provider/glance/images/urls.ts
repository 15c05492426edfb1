import { seg } from "../http";

export const imagesUrl = (base: string): string => `${base}/images`;
export const imageUrl = (base: string, id: string): string => `${base}/images/${seg(id)}`;
export const imageActionUrl = (base: string, id: string, action: "deactivate" | "reactivate"): string =>
  `${base}/images/${seg(id)}/actions/${action}`;

/**
 * Absolute URL of a `next` link. Glance sends it root-relative (`/v2/images?...`); it is resolved against
 * the endpoint root so that a path prefix (`https://cloud/image`) survives, unless the link already carries
 * that prefix. Absolute links are used as they are.
 */
export function nextPageUrl(rootUrl: string, next: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(next)) return next;
  const root = new URL(rootUrl);
  const prefix = root.pathname.replace(/\/+$/, "");
  if (!next.startsWith("/")) return new URL(next, `${rootUrl}/v2/`).toString();
  if (prefix !== "" && (next === prefix || next.startsWith(`${prefix}/`))) return `${root.origin}${next}`;
  return `${root.origin}${prefix}${next}`;
}
