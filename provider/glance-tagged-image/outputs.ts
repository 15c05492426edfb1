import { z } from "zod";
import { glanceTaggedImageInputsSchema } from "./inputs";

export function octaviaSettingsSchema() {
  return z.strictObject({
    ampImageTag: z.string(),
    /** The image's owner. Always set: without it a newer image of another project with the tag could win. */
    ampImageOwnerId: z.string(),
    ampImageId: z.string(),
    /** The `[controller_worker]` section Octavia needs, ready to paste or template. */
    configSnippet: z.string(),
  });
}

/**
 * State of a GlanceTaggedImage: the normalised inputs (the engine hands old outputs to diff, so they must be
 * here) plus what Glance reports. No field is ever undefined: absent numbers are 0, absent strings "".
 */
export function glanceTaggedImageOutputsSchema() {
  const inputs = glanceTaggedImageInputsSchema();
  const { stores: _requestedStores, ...inputFields } = inputs.shape;
  return z.strictObject({
    ...inputFields,
    imageId: z.string(),
    ownerId: z.string(),
    status: z.string(),
    size: z.number(),
    virtualSize: z.number(),
    checksum: z.string(),
    osHashAlgo: z.string(),
    osHashValue: z.string(),
    /**
     * Stores that hold the image, sorted. Shares its name with the `stores` input on purpose: diff compares the
     * requested set with what Glance last reported, so a store lost behind our back shows as a change to repair.
     */
    stores: z.array(z.string()),
    createdAt: z.string(),
    /** Newest first: images this resource published before, still kept by retention. */
    previousImageIds: z.array(z.string()),
    /** Identity of the source the current image came from (see source-key.ts). */
    sourceKey: z.string(),
    /** Problems the last refresh found (tag removed, other images tagged, stores differ); empty when in sync. */
    drift: z.array(z.string()),
    octavia: octaviaSettingsSchema(),
  });
}

export type OctaviaSettings = z.infer<ReturnType<typeof octaviaSettingsSchema>>;
export type GlanceTaggedImageOutputs = z.infer<ReturnType<typeof glanceTaggedImageOutputsSchema>>;

/** The `[controller_worker]` snippet Octavia reads (amp_image_owner_id whenever the owner is known). */
export function octaviaConfigSnippet(tag: string, ownerId: string): string {
  const lines = ["[controller_worker]", `amp_image_tag = ${tag}`];
  if (ownerId) lines.push(`amp_image_owner_id = ${ownerId}`);
  return lines.join("\n") + "\n";
}
