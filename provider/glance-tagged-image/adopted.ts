/**
 * Giving an adopted image back as it was found. An image this resource did not create (adopted by `imageId`)
 * only loses the tag on delete; whatever the resource changed on it (the attributes the inputs set, the members
 * it added) is recorded in the state's `adopted` when changed, with the value it had, and restored on delete.
 */
import { isStatus } from "../glance/errors";
import { getImage, updateImage, type Image } from "../glance/images";
import { attributeChanges, attributesOf, describeChange, patchOps, type AttributeChange, type RequestedAttributes } from "./attributes";
import type { FlowContext } from "./context";
import type { AdoptedChanges } from "./outputs";
import { imageMembers, removeMembers } from "./sharing";

export function emptyRecord(imageId: string): AdoptedChanges {
  return { imageId, original: {}, originalProperties: {}, addedProperties: [], addedMembers: [] };
}

/**
 * What converging an adopted image asks for: a property the inputs no longer set goes back to the value it had
 * when the image was adopted, or away when this resource added it. Properties that were there before and the
 * resource never changed are left alone.
 */
export function adoptedRequest(record: AdoptedChanges, requested: RequestedAttributes): { requested: RequestedAttributes; removable: string[] } {
  if (!requested.properties) return { requested, removable: [] };
  return { requested: { ...requested, properties: { ...record.originalProperties, ...requested.properties } }, removable: record.addedProperties };
}

/** The record after `changes` (made to an image that had the changes' `from` values), first values kept. */
export function recordChanges(record: AdoptedChanges, changes: readonly AttributeChange[]): AdoptedChanges {
  const next: AdoptedChanges = {
    ...record,
    original: { ...record.original },
    originalProperties: { ...record.originalProperties },
    addedProperties: [...record.addedProperties],
  };
  for (const c of changes) {
    if (c.kind === "attribute") {
      if (!(c.field in next.original) && c.from !== undefined) Object.assign(next.original, { [c.field]: c.from });
      continue;
    }
    if (c.key in next.originalProperties || next.addedProperties.includes(c.key)) continue;
    if (c.from === undefined) next.addedProperties.push(c.key);
    else next.originalProperties[c.key] = c.from;
  }
  return next;
}

/** The record after members were added to and removed from the image. */
export function recordMembers(record: AdoptedChanges, added: readonly string[], removed: readonly string[]): AdoptedChanges {
  const members = record.addedMembers.filter((m) => !removed.includes(m));
  return { ...record, addedMembers: [...members, ...added.filter((m) => !members.includes(m))] };
}

/** What restoring asks for: the recorded values, and recorded added properties removed. */
function restoreRequest(record: AdoptedChanges): { requested: RequestedAttributes; removable: string[] } {
  const properties = { ...record.originalProperties };
  return { requested: { ...record.original, properties }, removable: record.addedProperties };
}

/** `visibility community (it had shared)`, `property x: b (it had a)`, `property y: c (it had none)`. */
function describeLeft(c: AttributeChange): string {
  if (c.kind === "attribute") return `${c.field} ${String(c.from)} (it had ${String(c.to)})`;
  return `property ${c.key}: ${c.from ?? "(none)"} (it had ${c.to ?? "none"})`;
}

/**
 * Restores what the record says was changed, against what the image has now (members first: Glance has members
 * only while the image is shared, and restoring may make it private). An image that keeps the tag (`keepsTag`)
 * stays in service: amphorae boot from it and Octavia's project may see it only through what this resource set, so
 * only its name and protection go back; visibility, members, minimum sizes and properties are left and listed.
 * Returns what was restored and what was left, for the delete line; an image that is gone needs nothing.
 */
export async function restoreAdopted(ctx: FlowContext, record: AdoptedChanges, keepsTag = false): Promise<{ restored: string[]; left: string[] }> {
  let image: Image;
  try {
    image = await getImage(ctx.glance, record.imageId);
  } catch (err) {
    if (isStatus(err, 404)) return { restored: [], left: [] };
    throw err;
  }
  const restored: string[] = [];
  const left: string[] = [];
  if (record.addedMembers.length && image.visibility === "shared") {
    const present = new Set((await imageMembers(ctx, image)).map((m) => m.member_id));
    const gone = record.addedMembers.filter((m) => present.has(m));
    if (keepsTag) {
      if (gone.length) left.push(`members ${gone.map((m) => `+${m}`).join(" ")}`);
    } else {
      await removeMembers(ctx, image.id, gone);
      if (gone.length) restored.push(`members: ${gone.map((m) => `-${m}`).join(" ")}`);
    }
  }
  const { requested, removable } = restoreRequest(record);
  const changes = attributeChanges(attributesOf(image), requested, removable);
  const harmless = (c: AttributeChange): boolean => c.kind === "attribute" && (c.field === "name" || c.field === "protected");
  const applied = keepsTag ? changes.filter(harmless) : changes;
  if (applied.length) {
    await updateImage(ctx.glance, image.id, patchOps(applied));
    restored.push(...applied.map(describeChange));
  }
  left.push(...changes.filter((c) => !applied.includes(c)).map(describeLeft));
  return { restored, left };
}
