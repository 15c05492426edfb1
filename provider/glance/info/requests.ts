import type { GlanceClient } from "../client";
import { isStatus } from "../../openstack/errors";
import { requestJson } from "../http";
import { ImportInfo, StoresBody, type StoresInfo } from "./results";
import { importInfoUrl, storesInfoUrl } from "./urls";

/** Import methods the deployment enables (`glance-direct`, `web-download`, `copy-image`, ...). */
export async function listImportMethods(c: GlanceClient): Promise<string[]> {
  const body = await requestJson(c, "GET", importInfoUrl(await c.baseUrl()), ImportInfo);
  return body["import-methods"].value;
}

/** The deployment's stores; `{multiStore: false}` when Glance answers 404 (single store). */
export async function getStores(c: GlanceClient): Promise<StoresInfo> {
  try {
    const body = await requestJson(c, "GET", storesInfoUrl(await c.baseUrl()), StoresBody);
    return { multiStore: true, stores: body.stores, defaultStore: body.stores.find((s) => s.isDefault)?.id };
  } catch (err) {
    if (isStatus(err, 404)) return { multiStore: false, stores: [], defaultStore: undefined };
    throw err;
  }
}
