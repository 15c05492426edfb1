/**
 * The session's project must be the one that owns the resource's images (state `ownerId`): another project's
 * credentials (a stray `OS_*`, another `openstack:cloud`) would otherwise publish into the wrong project on update,
 * and on delete find nothing of the resource and forget it, leaving its tagged images behind unmanaged.
 */
import type { FlowContext } from "./context";
import { GlanceTaggedImageError } from "./errors";
import type { GlanceTaggedImageOutputs } from "./outputs";

const ADVICE = {
  update:
    "nothing was changed. Check the credentials (openstack:cloud, OS_* variables); to move the resource to another " +
    "project, destroy it with the old project's credentials and create it with the new ones",
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
