import { z } from "zod";

/** Image lifecycle states (Glance v2). */
export const ImageStatus = z.enum([
  /** Record exists, no data yet. */
  "queued",
  /** Data is being written by a legacy upload (`PUT /file`). */
  "saving",
  /** Data is being staged (`PUT /stage`). */
  "uploading",
  /** An import task is running. */
  "importing",
  "active",
  /** Upload failed; the image is unusable. */
  "killed",
  "deleted",
  "pending_delete",
  /** Data download disabled by an admin or owner. */
  "deactivated",
]);
export type ImageStatus = z.infer<typeof ImageStatus>;

/** Statuses of an image that is deleted or being deleted: it is gone even while Glance still lists it. */
export const GONE_STATUSES: readonly string[] = ["deleted", "pending_delete", "killed"] satisfies ImageStatus[];
export const isGoneStatus = (status: string): boolean => GONE_STATUSES.includes(status);

export const IMAGE_VISIBILITIES = ["private", "shared", "community", "public"] as const;
export const ImageVisibility = z.enum(IMAGE_VISIBILITIES);
export type ImageVisibility = z.infer<typeof ImageVisibility>;

/**
 * An image as Glance returns it. Loose: keys not listed here are the image's custom properties (always
 * strings). Note that `stores` is a comma-separated *string* (`"cheap,fast"`); use `imageStores()`.
 */
export const Image = z.looseObject({
  id: z.string(),
  name: z.string().nullable().optional(),
  status: ImageStatus,
  visibility: ImageVisibility,
  protected: z.boolean(),
  os_hidden: z.boolean().optional(),
  owner: z.string().nullable().optional(),
  checksum: z.string().nullable().optional(),
  os_hash_algo: z.string().nullable().optional(),
  os_hash_value: z.string().nullable().optional(),
  size: z.number().nullable().optional(),
  virtual_size: z.number().nullable().optional(),
  min_ram: z.number().optional(),
  min_disk: z.number().optional(),
  disk_format: z.string().nullable().optional(),
  container_format: z.string().nullable().optional(),
  tags: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
  self: z.string().optional(),
  file: z.string().optional(),
  schema: z.string().optional(),
  direct_url: z.string().optional(),
  locations: z.array(z.looseObject({ url: z.string(), metadata: z.record(z.string(), z.unknown()) })).optional(),
  /** Comma-separated store ids holding the data (multi-store only). */
  stores: z.string().optional(),
  /** Set while an import task holds the image (the "import running" lock). */
  os_glance_import_task: z.string().optional(),
  /** Comma-separated stores still to import to. */
  os_glance_importing_to_stores: z.string().optional(),
  /** Comma-separated stores the last import failed for. */
  os_glance_failed_import: z.string().optional(),
});
export type Image = z.infer<typeof Image>;

/** The attributes Glance defines itself; everything else on an image is a custom property. */
export const CORE_IMAGE_ATTRIBUTES: ReadonlySet<string> = new Set([
  ...Object.keys(Image.shape).filter((k) => !k.startsWith("os_glance_")),
  "kernel_id",
  "ramdisk_id",
  "instance_uuid",
]);

/** A page of `GET /v2/images`. `next` is relative (`/v2/images?...&marker=<id>`), absent on the last page. */
export const ImagePage = z.looseObject({
  images: z.array(Image),
  next: z.string().optional(),
  first: z.string().optional(),
  schema: z.string().optional(),
});
export type ImagePage = z.infer<typeof ImagePage>;

/** Splits Glance's comma strings (`stores`, `os_glance_failed_import`, ...) into ids. */
export function splitStores(value: string | null | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** The stores holding the image's data (`stores` is a comma string). */
export const imageStores = (image: Image): string[] => splitStores(image.stores);

/**
 * The image's custom properties: every string-valued key that is not a core attribute. Glance's reserved
 * `os_glance_*` import bookkeeping is left out unless `includeReserved` is set.
 */
export function imageProperties(image: Image, includeReserved = false): Record<string, string> {
  const props: Record<string, string> = {};
  for (const [key, value] of Object.entries(image)) {
    if (CORE_IMAGE_ATTRIBUTES.has(key)) continue;
    if (!includeReserved && key.startsWith("os_glance_")) continue;
    if (typeof value === "string") props[key] = value;
  }
  return props;
}
