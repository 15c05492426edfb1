import type { GlanceClient } from "../client";
import { requestJson, requestVoid } from "../http";
import { Member, MemberList, type MemberStatus } from "./results";
import { memberUrl, membersUrl } from "./urls";

/** Owner: shares a `shared` image with a project (`POST /v2/images/{id}/members`); status starts `pending`. */
export async function addImageMember(c: GlanceClient, id: string, projectId: string): Promise<Member> {
  return requestJson(c, "POST", membersUrl(await c.baseUrl(), id), Member, { json: { member: projectId } });
}

/** Consumer: accepts or rejects a shared image (`PUT /v2/images/{id}/members/{member}`). */
export async function updateImageMember(c: GlanceClient, id: string, projectId: string, status: MemberStatus): Promise<Member> {
  return requestJson(c, "PUT", memberUrl(await c.baseUrl(), id, projectId), Member, { json: { status } });
}

export async function listImageMembers(c: GlanceClient, id: string): Promise<Member[]> {
  return (await requestJson(c, "GET", membersUrl(await c.baseUrl(), id), MemberList)).members;
}

/** Owner: stops sharing the image with a project → 204. */
export async function removeImageMember(c: GlanceClient, id: string, projectId: string): Promise<void> {
  await requestVoid(c, "DELETE", memberUrl(await c.baseUrl(), id, projectId));
}
