import type { GlanceClient } from "../client";
import { GlanceInputError, HttpError, isStatus } from "../errors";
import { requestVoid } from "../http";
import type { ImportImageOptions } from "./results";
import { imageImportUrl } from "./urls";

/**
 * Options → `{"method": {"name", "uri"?, "glance_region"?, "glance_image_id"?, "glance_service_interface"?},
 * "stores"?, "all_stores"?, "all_stores_must_succeed"?}`.
 */
export function toImportBody(opts: ImportImageOptions): Record<string, unknown> {
  if (opts.allStores && opts.stores !== undefined) throw new GlanceInputError("Give either stores or allStores, not both");
  if (opts.stores !== undefined && opts.stores.length === 0) throw new GlanceInputError("stores must not be empty");
  const method: Record<string, unknown> = { name: opts.method };
  if (opts.method === "web-download") {
    if (!/^https?:\/\//i.test(opts.uri)) throw new GlanceInputError(`web-download needs an http(s) uri, got '${opts.uri}'`);
    method.uri = opts.uri;
  }
  if (opts.method === "glance-download") {
    method.glance_region = opts.region;
    method.glance_image_id = opts.imageId;
    if (opts.interface !== undefined) method.glance_service_interface = opts.interface;
  }
  const body: Record<string, unknown> = { method };
  if (opts.stores !== undefined) body.stores = [...opts.stores];
  if (opts.allStores !== undefined) body.all_stores = opts.allStores;
  if (opts.allStoresMustSucceed !== undefined) body.all_stores_must_succeed = opts.allStoresMustSucceed;
  return body;
}

/**
 * `POST /v2/images/{id}/import` → 202 (empty text/html body). 202 only means the task was created: follow with
 * `waitForImport`. Errors at API time: unknown method 400, unknown store 409, nothing staged 409,
 * web-download URI refused by filtering 400, copy-image without admin 403, glance-download without
 * glance_region/glance_image_id or with a malformed id 400 (an unknown region or image fails in the task).
 */
export async function importImage(c: GlanceClient, id: string, opts: ImportImageOptions): Promise<void> {
  try {
    await requestVoid(c, "POST", imageImportUrl(await c.baseUrl(), id), { json: toImportBody(opts) });
  } catch (err) {
    throw opts.method === "web-download" ? explainFiltering(err) : err;
  }
}

/** Appended to Glance's bare 400 "URI for web-download does not pass filtering: <uri>". */
export const WEB_DOWNLOAD_FILTERING_HINT =
  "Glance's [import_filtering_opts] in glance-api.conf rejected the URL: allowed_schemes/disallowed_schemes, " +
  "allowed_hosts/disallowed_hosts and allowed_ports/disallowed_ports decide; by default only http and https on " +
  "ports 80 and 443 (or no explicit port) pass. Serve the image from a host and port the operator allows, ask the " +
  "operator to allow this one, or publish it from a local file instead";

/** The same HttpError (status, URL, request id) with the filtering explained in its service message. */
function explainFiltering(err: unknown): unknown {
  if (!isStatus(err, 400) || !/does not pass filtering/i.test(err.serviceMessage)) return err;
  return new HttpError(
    {
      status: err.status,
      method: err.method,
      url: err.url,
      serviceMessage: `${err.serviceMessage} (${WEB_DOWNLOAD_FILTERING_HINT})`,
      ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
      ...(err.body !== undefined ? { body: err.body } : {}),
    },
    { cause: err.cause },
  );
}
