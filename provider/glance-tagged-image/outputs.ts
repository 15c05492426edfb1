import { z } from "zod";
import { glanceTaggedImageInputsSchema } from "./inputs";
import { once } from "../common/once";
import { osloConfigValue } from "./oslo-config";

export const octaviaSettingsSchema = once(function octaviaSettingsSchema() {
  return z
    .strictObject({
      ampImageTag: z.string().describe("`[controller_worker] amp_image_tag`: the tag."),
      /** The image's owner. Always set: without it a newer image of another project with the tag could win. */
      ampImageOwnerId: z
        .string()
        .describe("`[controller_worker] amp_image_owner_id`: the image's owner project. Set it: without it a newer image of another project with the tag could win."),
      ampImageId: z.string().describe("The image Octavia's query returns now (for reference; Octavia reads the tag, not this id)."),
      /** The `[controller_worker]` section Octavia needs, ready to paste or template. */
      configSnippet: z
        .string()
        .describe(
          "The `[controller_worker]` section with both settings, ready to paste or template. Values are escaped for " +
            "oslo.config (`$` doubled, quoted when their ends would be stripped), so Octavia reads exactly `ampImageTag`.",
        ),
    })
    .describe("Octavia's settings for this image.");
});

/** The image attributes the inputs manage, as Glance reports them for the current image. */
export const imageAttributesSchema = once(function imageAttributesSchema() {
  return z
    .strictObject({
      name: z.string().describe("Its name (\"\" when it has none)."),
      visibility: z.string().describe("Its visibility."),
      protected: z.boolean().describe("Its `protected` flag."),
      minDisk: z.number().describe("Its `min_disk` in GB."),
      minRam: z.number().describe("Its `min_ram` in MB."),
      properties: z.record(z.string(), z.string()).describe("Its custom properties, without this package's markers."),
    })
    .describe(
      "What the current image has, as Glance last reported it (create, update, refresh): what the plan compares the " +
        "arguments with. Absent in a state written by 0.1.0.",
    );
});

/**
 * What adoption changed on an image this resource did not create, so that delete can give it back as found.
 * Only what was changed is recorded (keys are omitted, never undefined).
 */
export const adoptedChangesSchema = once(function adoptedChangesSchema() {
  return z
    .strictObject({
      imageId: z.string().describe("The adopted image (the current one)."),
      original: z
        .strictObject({
          name: z.string().optional().describe("Its name before, when this resource renamed it."),
          visibility: z.string().optional().describe("Its visibility before, when this resource changed it."),
          protected: z.boolean().optional().describe("Its `protected` before, when this resource changed it."),
          minDisk: z.number().optional().describe("Its `min_disk` before, when this resource changed it."),
          minRam: z.number().optional().describe("Its `min_ram` before, when this resource changed it."),
        })
        .describe("The attributes this resource changed, with the values they had when it adopted the image."),
      originalProperties: z.record(z.string(), z.string()).describe("The properties this resource changed, with their values before."),
      addedProperties: z.array(z.string()).describe("The properties this resource added to the image (removed on delete)."),
      addedMembers: z.array(z.string()).describe("The projects this resource shared the image with (removed on delete)."),
    })
    .describe(
      "Present while the current image is one this resource adopted (`imageId`, not created by it): what it changed " +
        "there, restored on delete.",
    );
});

/**
 * State of a GlanceTaggedImage: the normalised inputs (the engine hands old outputs to diff, so they must be
 * here) plus what Glance reports. No field is ever undefined: absent numbers are 0, absent strings "".
 */
export const glanceTaggedImageOutputsSchema = once(function glanceTaggedImageOutputsSchema() {
  const inputs = glanceTaggedImageInputsSchema();
  const { stores: _requestedStores, ...inputFields } = inputs.shape;
  return z.strictObject({
    ...inputFields,
    imageId: z.string().describe("The image that carries the tag now."),
    ownerId: z.string().describe("Its owner project (Octavia's `amp_image_owner_id`)."),
    status: z.string().describe("Its Glance status (`active` after create and update)."),
    size: z.number().describe("Its size in bytes (0 when Glance reports none)."),
    virtualSize: z.number().describe("Its virtual size in bytes (0 when Glance reports none)."),
    checksum: z.string().describe("Glance's md5 `checksum`."),
    osHashAlgo: z.string().describe("Glance's `os_hash_algo` (sha512 by default)."),
    osHashValue: z.string().describe("Glance's `os_hash_value`."),
    /**
     * Stores that hold the image, sorted. Shares its name with the `stores` input on purpose: diff compares the
     * requested set with what Glance last reported, so a store lost behind our back shows as a change to repair.
     */
    stores: z.array(z.string()).describe("Stores that hold the image, sorted: what Glance reports, not what was asked for."),
    createdAt: z.string().describe("Glance's `created_at` of the image (Octavia's newest-wins order)."),
    /** Newest first: images this resource published before, still kept by retention. */
    previousImageIds: z.array(z.string()).describe("Images this resource published before and retention keeps, newest first: rollback targets."),
    /** Identity of the source the current image came from (see source-key.ts). */
    sourceKey: z
      .string()
      .describe("Identity of the source the image came from: a declared hash, else file path + size + modification time, the URL, or `image:<id>`."),
    /** Problems the last refresh found (tag removed, other images tagged, stores differ); empty when in sync. */
    /** Fields added after 0.1.0 are optional: a state written by 0.1.0 lacks them (see plan.ts for how it reads). */
    attributes: imageAttributesSchema().optional(),
    memberStatus: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        "Glance member status of each project the current image is shared with (`pending`, `accepted`, `rejected`); " +
          "empty unless it is shared. Octavia's project lists the image only once its status is `accepted`.",
      ),
    adopted: adoptedChangesSchema().optional(),
    drift: z.array(z.string()).describe("What the last refresh found out of line (tag removed, tag on other images, status, stores); the next update repairs it."),
    octavia: octaviaSettingsSchema(),
  });
});

export type ImageAttributes = z.infer<ReturnType<typeof imageAttributesSchema>>;
export type AdoptedChanges = z.infer<ReturnType<typeof adoptedChangesSchema>>;
export type OctaviaSettings = z.infer<ReturnType<typeof octaviaSettingsSchema>>;
export type GlanceTaggedImageOutputs = z.infer<ReturnType<typeof glanceTaggedImageOutputsSchema>>;

/**
 * The `[controller_worker]` snippet Octavia reads (amp_image_owner_id whenever the owner is known), written so that
 * oslo.config reads back exactly the tag: `x-$host` must not become `x-<hostname>`.
 */
export function octaviaConfigSnippet(tag: string, ownerId: string): string {
  const lines = ["[controller_worker]", `amp_image_tag = ${osloConfigValue(tag)}`];
  if (ownerId) lines.push(`amp_image_owner_id = ${osloConfigValue(ownerId)}`);
  return lines.join("\n") + "\n";
}
