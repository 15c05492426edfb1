import { getImage, isStatus, type GlanceClient } from "../glance";
import { imageForTag, type Fleet } from "./fleet";
import type { AmphoraFleetRotationInputs } from "./inputs";

/**
 * Checks before any failover, on the fleet just read: the load balancers named in `loadBalancers` are all there,
 * and with `imageId` the tag resolves to exactly that image in Octavia's own choice (the image exists, is active,
 * carries `imageTag`, is owned by `imageOwner` when set, and no newer image with the tag shadows it). Returns why
 * the rotation must not start, or undefined. Diff prints it with the plan; up refuses with ERR_PREFLIGHT.
 */

export async function preflightRefusal(glance: GlanceClient, fleet: Fleet, inputs: AmphoraFleetRotationInputs): Promise<string | undefined> {
  const missing = (inputs.loadBalancers ?? []).filter((id) => !fleet.members.some((m) => m.id === id));
  if (missing.length) {
    return (
      `loadBalancers names ${missing.join(", ")}, which Octavia does not list` +
      `${inputs.projectId !== undefined ? ` in project ${inputs.projectId}` : ""}${inputs.flavorIds ? " with the flavors of flavorIds" : ""} ` +
      "(deleted, being deleted, or not visible to this session)"
    );
  }
  if (inputs.imageId === undefined) return undefined;
  const wanted = inputs.imageId;
  let image;
  try {
    image = await getImage(glance, wanted);
  } catch (err) {
    if (isStatus(err, 404)) return `imageId ${wanted} is not an image this session sees in Glance`;
    throw err;
  }
  if (image.status !== "active") return `imageId ${wanted} is ${image.status} in Glance: Octavia boots only active images`;
  if (!image.tags.includes(inputs.imageTag)) return `imageId ${wanted} does not carry the tag "${inputs.imageTag}": Octavia would not boot it`;
  if (inputs.imageOwner !== undefined && image.owner !== inputs.imageOwner) {
    return `imageId ${wanted} is owned by project ${image.owner ?? "(none)"}, not imageOwner ${inputs.imageOwner}: Octavia would not boot it`;
  }
  const chosen = fleet.targets[inputs.imageTag] ?? (await imageForTag(glance, inputs.imageTag, inputs.imageOwner));
  if (chosen !== wanted) {
    return (
      `the tag "${inputs.imageTag}" resolves to image ${chosen ?? "(none)"} in Octavia's choice (the newest active image with the tag` +
      `${inputs.imageOwner !== undefined ? ` owned by ${inputs.imageOwner}` : ""}), not imageId ${wanted}: amphorae would boot that one`
    );
  }
  return undefined;
}
