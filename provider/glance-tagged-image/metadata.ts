/**
 * Making the tagged image what the inputs ask for, before it gets the tag: its attributes (attributes.ts) and
 * its members (sharing.ts). On an adopted image every change is recorded first (adopted.ts), so that delete can
 * restore it; on an image this resource created, `members` is the whole member list.
 */
import { updateImage, type Image, type ImagePatchOp } from "../glance/images";
import { adoptedRequest, emptyRecord, recordChanges, recordMembers } from "./adopted";
import { attributeChanges, attributesOf, patchOps, requestedAttributes, type AttributeChange } from "./attributes";
import type { FlowContext } from "./context";
import type { GlanceTaggedImageInputs } from "./inputs";
import { isOwnedBy } from "./markers";
import type { AdoptedChanges, GlanceTaggedImageOutputs } from "./outputs";
import { acceptMembers, addMembers, imageMembers, memberPlan, memberStatus, removeMembers, type MemberPlan } from "./sharing";

/**
 * JSON-patch ops that make the image's attributes match the inputs. Properties the previous inputs set and the
 * new ones dropped are removed; properties set by others (or by Glance plugins) are left alone. Attributes the
 * inputs leave out are only set on images this resource publishes (see attributes.ts).
 */
export function metadataPatch(image: Image, inputs: GlanceTaggedImageInputs, previousProperties: Record<string, string> = {}): ImagePatchOp[] {
  return patchOps(attributeChanges(attributesOf(image), requestedAttributes(inputs), Object.keys(previousProperties)));
}

export interface Converged {
  image: Image;
  /** Attribute changes made. */
  changes: AttributeChange[];
  members: MemberPlan;
  memberStatus: Record<string, string>;
  /** Set when the image is not this resource's own (adopted). */
  adopted?: AdoptedChanges;
}

/** The adoption record of `image`: carried over while the resource stays on it, fresh for a newly adopted one. */
function adoptionRecord(ctx: FlowContext, image: Image, olds?: GlanceTaggedImageOutputs): AdoptedChanges | undefined {
  if (isOwnedBy(image, ctx)) return undefined;
  return olds?.adopted?.imageId === image.id ? olds.adopted : emptyRecord(image.id);
}

export async function convergeImage(ctx: FlowContext, image: Image, news: GlanceTaggedImageInputs, olds?: GlanceTaggedImageOutputs): Promise<Converged> {
  let record = adoptionRecord(ctx, image, olds);
  const asked = record ? adoptedRequest(record, requestedAttributes(news)) : { requested: requestedAttributes(news), removable: Object.keys(olds?.properties ?? {}) };
  const changes = attributeChanges(attributesOf(image), asked.requested, asked.removable);

  const wanted = news.members ?? [];
  const added = record?.addedMembers ?? [];
  const previous = olds?.members ?? [];
  const removable = record
    ? (m: string) => added.includes(m)
    : (m: string) => news.members !== undefined || previous.includes(m);
  const before = await imageMembers(ctx, image);
  const plan = memberPlan(
    before.map((m) => m.member_id),
    wanted,
    removable,
    news.acceptMembers ? memberStatus(before) : undefined,
  );
  // Removed while the image is still shared (the patch may make it private), added once it is shared.
  await removeMembers(ctx, image.id, plan.remove);
  let current = image;
  if (changes.length) current = await updateImage(ctx.glance, image.id, patchOps(changes));
  await addMembers(ctx, image.id, plan.add);
  await acceptMembers(ctx, image.id, plan.accept);
  if (record) record = recordMembers(recordChanges(record, changes), plan.add, plan.remove);
  const touched = plan.add.length || plan.remove.length || plan.accept.length || changes.length;
  const after = touched ? await imageMembers(ctx, current) : before;
  return { image: current, changes, members: plan, memberStatus: memberStatus(after), ...(record ? { adopted: record } : {}) };
}
