import type { GlanceClient } from "../client";
import { requestVoid } from "../http";
import { storeImageUrl } from "./urls";

/**
 * `DELETE /v2/stores/{store}/{id}` → 204: removes the image's data from one store, keeping the image.
 * 404 if the image is not in that store, 403 for its last remaining location, 409 for an unknown store.
 */
export async function deleteImageFromStore(c: GlanceClient, store: string, id: string): Promise<void> {
  await requestVoid(c, "DELETE", storeImageUrl(await c.baseUrl(), store, id));
}
