/**
 * Sharing the tagged image with other projects (Glance image members, `members` input). Glance has members only
 * for `shared` images (other visibilities answer 403), a new member starts `pending`, and until it is accepted the
 * member project's image lists (Octavia's query among them) leave the image out. The member project accepts, or an
 * admin session on its behalf (`acceptMembers`: Glance's `modify_member` policy and its ownership check let an
 * admin set any member's status; the owner project alone may not).
 */
import { isStatus } from "../glance/errors";
import type { Image } from "../glance/images";
import { addImageMember, listImageMembers, removeImageMember, updateImageMember, type Member } from "../glance/members";
import type { FlowContext } from "./context";

export interface MemberPlan {
  add: string[];
  remove: string[];
  /** Members accepted on their behalf (`acceptMembers`): wanted ones not accepted yet, new ones included. */
  accept: string[];
}

/**
 * Members to add (wanted, missing), to remove (present, not wanted, and this resource's to remove) and, with
 * `accepting` (each current member's status), to accept.
 */
export function memberPlan(
  current: readonly string[],
  wanted: readonly string[],
  removable: (member: string) => boolean,
  accepting?: Readonly<Record<string, string>>,
): MemberPlan {
  return {
    add: wanted.filter((m) => !current.includes(m)),
    remove: current.filter((m) => !wanted.includes(m) && removable(m)),
    accept: accepting ? wanted.filter((m) => accepting[m] !== "accepted") : [],
  };
}

/** Why `acceptMembers` is refused for a session without the admin role (check and apply word it alike). */
export function acceptNeedsAdmin(projectId: string): string {
  return (
    `acceptMembers needs a session with the admin role (Glance lets only an admin set another project's member status); ` +
    `the session of project ${projectId} has none: nothing was changed. Let the member project accept, or drop acceptMembers`
  );
}

/** Sets each member's status to accepted (an admin session, on the member project's behalf). */
export async function acceptMembers(ctx: FlowContext, imageId: string, members: readonly string[]): Promise<void> {
  for (const member of members) await updateImageMember(ctx.glance, imageId, member, "accepted");
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

/** `+a -b`, the plan's notation, then `accepted for a` (on the member's behalf). */
export function describeMembers(plan: MemberPlan): string {
  const changes = [...plan.add.map((m) => `+${m}`), ...plan.remove.map((m) => `-${m}`)].join(" ");
  const accepted = plan.accept.length ? `accepted for ${plan.accept.join(", ")}` : "";
  return [changes, accepted].filter(Boolean).join(", ");
}
