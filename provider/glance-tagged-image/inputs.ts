import { z } from "zod";

/**
 * Inputs of GlanceTaggedImage. Built behind a function: a zod schema created at module top level cannot be
 * captured by a serialized provider (see pulumi-dynamic-providers notes), and this module is also imported by
 * the SDK for its types.
 */

export const DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"] as const;
export const CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"] as const;
export const VISIBILITIES = ["private", "shared", "community", "public"] as const;
export const IMPORT_METHODS = ["auto", "glance-direct", "web-download", "upload"] as const;
export const RETENTION_ACTIONS = ["keep", "deactivate", "delete"] as const;

/** Image attributes Glance owns, or that have their own input: never accepted in `properties`. */
export const RESERVED_PROPERTIES = [
  "id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo", "os_hash_value",
  "size", "virtual_size", "owner", "created_at", "updated_at", "file", "schema", "self", "locations",
  "direct_url", "tags", "stores", "disk_format", "container_format", "min_disk", "min_ram", "member_status",
] as const;

/** Prefix of the properties this package writes on the images it creates (crash-safety marker). */
export const MARKER_PREFIX = "pulumi_amphora_";

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function tagSchema() {
  return z
    .string()
    .min(1, "must not be empty")
    .max(255, "must be at most 255 characters (Glance's limit)")
    .refine((t) => !CONTROL_CHARS.test(t), "must not contain control characters")
    .refine((t) => t.trim() === t, "must not start or end with white space");
}

function httpUrl() {
  return z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL (Glance's web-download accepts nothing else)");
}

function propertiesSchema() {
  return z.record(z.string(), z.string()).superRefine((props, ctx) => {
    for (const key of Object.keys(props)) {
      const reason = key.startsWith("os_glance_")
        ? "is reserved by Glance (os_glance_*)"
        : (RESERVED_PROPERTIES as readonly string[]).includes(key)
          ? "is an image attribute owned by Glance or by another input, not a free property"
          : key.startsWith(MARKER_PREFIX)
            ? `is reserved for this package's markers (${MARKER_PREFIX}*)`
            : key.length > 255 || key.length === 0
              ? "must be 1 to 255 characters"
              : undefined;
      if (reason) ctx.addIssue({ code: "custom", path: [key], message: `property "${key}" ${reason}` });
    }
  });
}

export function glanceTaggedImageInputsSchema() {
  const nonNegativeInt = z.number().int("must be a whole number").min(0, "must not be negative");
  return z
    .strictObject({
      /** Identity of the resource in its stack, set by the SDK class: the crash-safety marker's key. */
      resourceKey: z.string().min(1).max(255),
      tag: tagSchema(),
      name: z.string().min(1).max(255).optional(),
      diskFormat: z.enum(DISK_FORMATS).default("qcow2"),
      containerFormat: z.enum(CONTAINER_FORMATS).default("bare"),
      visibility: z.enum(VISIBILITIES).default("private"),
      protected: z.boolean().default(false),
      minDisk: nonNegativeInt.optional(),
      minRam: nonNegativeInt.optional(),
      properties: propertiesSchema().default({}),
      file: z
        .string()
        .min(1)
        .refine((p) => !CONTROL_CHARS.test(p), "must not contain control characters")
        .optional(),
      url: httpUrl().optional(),
      imageId: z.string().uuid("must be a Glance image id (UUID)").optional(),
      expectedSha256: z.string().regex(/^[0-9a-f]{64}$/i, "must be 64 hex characters").optional(),
      expectedSha512: z.string().regex(/^[0-9a-f]{128}$/i, "must be 128 hex characters").optional(),
      importMethod: z.enum(IMPORT_METHODS).default("auto"),
      stores: z
        .array(z.string().min(1).max(255))
        .min(1, "must list at least one store (leave stores out for Glance's default store)")
        .refine((s) => new Set(s).size === s.length, "must not list a store twice")
        .optional(),
      allStoresMustSucceed: z.boolean().default(true),
      /** Leave an image whose publish failed in Glance for debugging (the next publish of the source deletes it). */
      keepFailedImages: z.boolean().default(false),
      retention: z
        .strictObject({
          keep: nonNegativeInt.max(100).default(2),
          action: z.enum(RETENTION_ACTIONS).default("keep"),
        })
        .default({ keep: 2, action: "keep" }),
      timeouts: z
        .strictObject({
          uploadSeconds: z.number().positive().max(86400).default(3600),
          importSeconds: z.number().positive().max(86400).default(3600),
        })
        .default({ uploadSeconds: 3600, importSeconds: 3600 }),
    })
    .superRefine((inputs, ctx) => {
      const sources = (["file", "url", "imageId"] as const).filter((k) => inputs[k] !== undefined);
      if (sources.length !== 1) {
        ctx.addIssue({
          code: "custom",
          path: [sources[1] ?? "file"],
          message:
            sources.length === 0
              ? "exactly one source is required: file, url or imageId"
              : `exactly one source is allowed, got ${sources.join(" and ")}`,
        });
      }
      const method = inputs.importMethod;
      if (inputs.url !== undefined && method !== "auto" && method !== "web-download") {
        ctx.addIssue({ code: "custom", path: ["importMethod"], message: `"${method}" cannot import from url; use web-download or auto` });
      }
      if (inputs.file !== undefined && method === "web-download") {
        ctx.addIssue({ code: "custom", path: ["importMethod"], message: "web-download needs url, not file" });
      }
      if (inputs.imageId !== undefined && inputs.expectedSha256 !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["expectedSha256"],
          message: "cannot be checked for an adopted image (Glance keeps sha512 only); use expectedSha512",
        });
      }
      if (inputs.url !== undefined && inputs.expectedSha256 !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["expectedSha256"],
          message: "cannot be checked for url sources (Glance fetches the bytes); use expectedSha512, checked against os_hash_value",
        });
      }
    });
}

export type GlanceTaggedImageArgsInput = z.input<ReturnType<typeof glanceTaggedImageInputsSchema>>;
export type GlanceTaggedImageInputs = z.output<ReturnType<typeof glanceTaggedImageInputsSchema>>;
