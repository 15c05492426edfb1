/**
 * Sharing the tagged image with other projects (Glance image members, `members` input). Glance has members only
 * for `shared` images (other visibilities answer 403), a new member starts `pending`, and only the member
 * project itself can accept: until it does, its image lists (Octavia's query among them) leave the image out.
 */
import { isStatus } from "../glance/errors";
import type { Image } from "../glance/images";
import { addImageMember, listImageMembers, removeImageMember, type Member } from "../glance/members";
import type { FlowContext } from "./context";

export interface MemberPlan {
  add: string[];
  remove: string[];
}

/** Members to add (wanted, missing) and to remove (present, not wanted, and this resource's to remove). */
export function memberPlan(current: readonly string[], wanted: readonly string[], removable: (member: string) => boolean): MemberPlan {
  return {
    add: wanted.filter((m) => !current.includes(m)),
    remove: current.filter((m) => !wanted.includes(m) && removable(m)),
  };
}

/** The image's members; none unless it is shared (Glance answers 403 for the others). */
export async function imageMembers(ctx: FlowContext, image: Pick<Image, "id" | "visibility">): Promise<Member[]> {
  return image.visibility === "shared" ? listImageMembers(ctx.glance, image.id) : [];
}

export async function addMembers(ctx: FlowContext, imageId: string, members: readonly string[]): Promise<void> {
  for (const member of members) {
    await addImageMember(ctx.glance, imageId, member).catch((err: unknown) => {
      if (!isStatus(err, 409)) throw err; // 409: already a member (added concurrently or by hand)
    });
  }
}

export async function removeMembers(ctx: FlowContext, imageId: string, members: readonly string[]): Promise<void> {
  for (const member of members) {
    await removeImageMember(ctx.glance, imageId, member).catch((err: unknown) => {
      if (!isStatus(err, 404)) throw err; // already gone
    });
  }
}

/** `memberStatus`: each member project's status. */
export function memberStatus(members: readonly Member[]): Record<string, string> {
  return Object.fromEntries(members.map((m) => [m.member_id, m.status]));
}

/** `+a -b`, the plan's notation. */
export function describeMembers(plan: MemberPlan): string {
  return [...plan.add.map((m) => `+${m}`), ...plan.remove.map((m) => `-${m}`)].join(" ");
}
