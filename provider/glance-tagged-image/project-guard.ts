/**
 * The session's project must be the one that owns the resource's images (state `ownerId`): another project's
 * credentials (a stray `OS_*`, another `openstack:cloud`) would otherwise publish into the wrong project on update,
 * and on delete find nothing of the resource and forget it, leaving its tagged images behind unmanaged. The one
 * way across is the `projectId` input naming the session's project: a move, which the old project's images
 * survive as they are (the session cannot touch them, and Octavia may still be configured for their owner).
 */
import type { FlowContext } from "./context";
import { GlanceTaggedImageError } from "./errors";
import type { GlanceTaggedImageInputs } from "./inputs";
import type { GlanceTaggedImageOutputs } from "./outputs";

const ADVICE = {
  update:
    "nothing was changed. Check the credentials (openstack:cloud, OS_* variables); to move the resource to this " +
    "project, set projectId to it",
  delete:
    "nothing was deleted and the resource stays in state. Destroy it with that project's credentials (openstack:cloud, " +
    "OS_* variables), or `pulumi state delete` it to forget it and leave its images as they are",
} as const;

export function assertSameProject(ctx: FlowContext, olds: GlanceTaggedImageOutputs, operation: keyof typeof ADVICE): void {
  if (olds.ownerId === "" || olds.ownerId === ctx.glance.projectId) return;
  throw new GlanceTaggedImageError(
    "ERR_PROJECT_CHANGED",
    ctx.resourceKey,
    `the session is project ${ctx.glance.projectId}, but image ${olds.imageId} and the tag "${olds.tag}" belong to project ` +
      `${olds.ownerId}: ${ADVICE[operation]}`,
    olds.imageId,
  );
}

/** Why a session of `sessionProject` may not apply inputs that name `projectId`, or undefined when it may. */
export function projectIdMismatch(projectId: string | undefined, sessionProject: string): string | undefined {
  if (projectId === undefined || projectId === sessionProject) return undefined;
  return `the session is project ${sessionProject}, not ${projectId}: check the credentials (openstack:cloud, OS_* variables)`;
}

/** `projectId` names the session's project and the state's images belong to another: the update is a move. */
export function isProjectMove(sessionProject: string, olds: GlanceTaggedImageOutputs, news: Pick<GlanceTaggedImageInputs, "projectId">): boolean {
  return olds.ownerId !== "" && olds.ownerId !== sessionProject && news.projectId === sessionProject;
}

/** What a move leaves in the old project: `done` is what happened in the new one (the plan: what up will do). */
export function releasedLine(olds: GlanceTaggedImageOutputs, to: string, done: string): string {
  const others = olds.previousImageIds.length ? ` and ${olds.previousImageIds.join(", ")}` : "";
  return (
    `project ${olds.ownerId} → ${to} (projectId): ${done}; in ${olds.ownerId}, image ${olds.imageId} (tag "${olds.tag}")${others} ` +
    `are left as they are, released from this resource: Octavia keeps booting ${olds.imageId} until its ` +
    `amp_image_owner_id is ${to}; delete them with ${olds.ownerId}'s credentials once it is`
  );
}
