import { z } from "zod";
import { once } from "../common/once";
import { CONTROL_CHARS } from "../common/text-input";
import { CONTAINER_FORMATS, DISK_FORMATS, IMAGE_VISIBILITIES } from "../glance/images";
import { osloConfigCanCarry } from "./oslo-config";

/**
 * Inputs of GlanceTaggedImage, the single source of its input types (the SDK's are generated from it). Built on
 * first use and kept (common/once.ts says why).
 */

export const IMPORT_METHODS = ["auto", "glance-direct", "web-download", "upload", "glance-download"] as const;
export const RETENTION_ACTIONS = ["keep", "deactivate", "delete"] as const;

/** Image attributes Glance owns, or that have their own input: never accepted in `properties`. */
export const RESERVED_PROPERTIES = [
  "id", "name", "status", "visibility", "protected", "os_hidden", "checksum", "os_hash_algo", "os_hash_value",
  "size", "virtual_size", "owner", "created_at", "updated_at", "file", "schema", "self", "locations",
  "direct_url", "tags", "stores", "disk_format", "container_format", "min_disk", "min_ram", "member_status",
] as const;

/** The inputs that say where the image comes from: exactly one is given. */
export const SOURCES = ["file", "url", "imageId", "importFrom"] as const;

/** Prefix of the properties this package writes on the images it creates (crash-safety marker). */
export const MARKER_PREFIX = "pulumi_amphora_";

function tagSchema() {
  return z
    .string()
    .min(1, "must not be empty")
    .max(255, "must be at most 255 characters (Glance's limit)")
    .refine((t) => !CONTROL_CHARS.test(t), "must not contain control characters")
    .refine((t) => t.trim() === t, "must not start or end with white space")
    .refine(
      osloConfigCanCarry,
      "must not contain a backslash directly before $: oslo.config, which reads Octavia's amp_image_tag, treats \\$ " +
        "as an escape in some versions and not in others, so no configuration line reads back as this tag",
    );
}

function httpUrl() {
  return z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL (Glance's web-download accepts nothing else)")
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.username === "" && url.password === "";
      } catch {
        return true; // reported by the check above
      }
    }, "must not contain a user name or password: the URL is shown in plan lines and kept in state and in Glance");
}

function localFileSchema() {
  return z
    .string()
    .min(1)
    .refine((p) => !CONTROL_CHARS.test(p), "must not contain control characters");
}

function regionSchema() {
  return z
    .string()
    .min(1)
    .max(255)
    .refine((r) => !CONTROL_CHARS.test(r) && r.trim() === r, "must be a region id without control characters or outer white space");
}

/** A Keystone project id as Glance stores it for a member (Glance does not check that the project exists). */
function projectIdSchema() {
  return z
    .string()
    .min(1, "must not be empty")
    .max(255, "must be at most 255 characters (Glance's limit)")
    .refine((p) => !CONTROL_CHARS.test(p) && !/\s/.test(p), "must be a project id, without white space or control characters");
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
              : CONTROL_CHARS.test(key)
                ? "must not contain control characters"
                : props[key]?.includes("\u0000")
                  ? "must not hold a NUL character in its value"
                  : undefined;
      if (reason) ctx.addIssue({ code: "custom", path: [key], message: `property ${JSON.stringify(key)} ${reason}` });
    }
  });
}

export const glanceTaggedImageInputsSchema = once(function glanceTaggedImageInputsSchema() {
  // Glance keeps min_disk/min_ram as 32-bit integers and answers 400 above this: refused here, in check, instead.
  const nonNegativeInt = z.number().int("must be a whole number").min(0, "must not be negative").max(2147483647, "must be at most 2147483647 (Glance's limit)");
  const source = " Exactly one of `file`, `url`, `imageId` and `importFrom` is given.";
  return z
    .strictObject({
      /** Identity of the resource in its stack, set by the SDK class: the crash-safety marker's key. */
      resourceKey: z
        .string()
        .min(1)
        .max(255)
        .describe(
          "Set by the SDK class to `<project>/<stack>/<name>`, not an argument: the resource's id and the value of the " +
            "`pulumi_amphora_resource` property on every image it creates.",
        ),
      /** Identity of this resource instance, created once by check and kept in state: the ownership marker. */
      instanceId: z
        .string()
        .regex(/^[0-9a-f-]{36}$/, "must be an instance id made by check")
        .optional()
        .describe(
          "Set by `check`, not an argument: a random id created when the resource is created (or replaced) and kept " +
            "in state, written as `pulumi_amphora_instance` on every image it creates. Only images carrying it are this " +
            "resource's own, so a replacement or a second deployment with the same names never touches them.",
        ),
      tag: tagSchema().describe(
        "The tag Octavia looks for (`[controller_worker] amp_image_tag`). Exclusive among the images of the session's " +
          "project: after an update only the current image carries it. A change moves the tag and removes the old one " +
          "from the project's images.",
      ),
      name: z
        .string()
        .min(1)
        .max(255)
        .refine((n) => !CONTROL_CHARS.test(n), "must not contain control characters")
        .optional()
        .describe("Image name (a new image without one is named after the tag). Patched in place; left alone when not given."),
      diskFormat: z
        .enum(DISK_FORMATS)
        .default("qcow2")
        .describe("Glance `disk_format`, e.g. AmphoraImageBuild's `diskFormat`. Part of the source identity: a change publishes a new image."),
      containerFormat: z
        .enum(CONTAINER_FORMATS)
        .default("bare")
        .describe("Glance `container_format`. Part of the source identity: a change publishes a new image."),
      visibility: z
        .enum(IMAGE_VISIBILITIES)
        .optional()
        .describe(
          "Glance visibility, patched in place. Not set: `private` for an image this resource publishes; an adopted " +
            "image (`imageId`) keeps its own. With `community` Octavia finds the image only when its own project owns " +
            "it; `public` needs Glance's `publicize_image` policy (admin by default); `shared` with `members` shares it " +
            "with other projects.",
        ),
      protected: z
        .boolean()
        .optional()
        .describe(
          "Glance `protected`, set once the image is verified. Protected images are never deleted by retention or " +
            "delete. Not set: `false` for an image this resource publishes; an adopted image keeps its own.",
        ),
      minDisk: nonNegativeInt.optional().describe("Glance `min_disk` in GB; left alone when not given."),
      minRam: nonNegativeInt.optional().describe("Glance `min_ram` in MB; left alone when not given."),
      properties: propertiesSchema()
        .optional()
        .describe(
          "Image properties (string values), e.g. `hw_rng_model`. Properties dropped from the map are removed, " +
            "properties set by others are left alone; not set: none for an image this resource publishes, an adopted " +
            "image keeps its own. Glance's own attributes, `os_glance_*` and `pulumi_amphora_*` are refused.",
        ),
      members: z
        .array(projectIdSchema())
        .refine((m) => new Set(m).size === m.length, "must not list a project twice")
        .optional()
        .describe(
          "Projects the image is shared with (Glance image members), e.g. Octavia's service project when another " +
            "project publishes; needs `visibility: \"shared\"`. Every image the resource tags is shared before it " +
            "gets the tag; members this resource added are removed on delete. Each member project must accept each " +
            "image before it lists it (see `memberStatus` and docs/octavia-configuration.md), or `acceptMembers`.",
        ),
      projectId: z
        .string()
        .min(1, "must not be empty")
        .max(64)
        .optional()
        .describe(
          "The project that owns the images (Octavia's `amp_image_owner_id`). Optional; when set, the session must be " +
            "this project: credentials that resolve to another one are refused in check, naming both. Setting it to " +
            "another project than the state's `ownerId` (with that project's credentials) moves the resource: up " +
            "publishes the source in the new project and tags it there, and releases the old project's images as " +
            "they are, still tagged, so Octavia keeps booting them until its `amp_image_owner_id` is the new " +
            "project (`octavia.configSnippet`); delete them later with that project's credentials. Without it a " +
            "change of project is refused (`ERR_PROJECT_CHANGED`).",
        ),
      acceptMembers: z
        .boolean()
        .default(false)
        .describe(
          "Accept each image for its `members` as well, so that Octavia's project finds it by the tag with no call " +
            "of its own. Glance lets only an admin session set another project's member status: a session without " +
            "the admin role is refused before anything is created. A member whose status changes back (refresh) is " +
            "accepted again by the next update.",
        ),
      file: localFileSchema()
        .optional()
        .describe(
          "Source: a local image file (e.g. AmphoraImageBuild's `path`), streamed to Glance and hashed in the same pass." +
            source,
        ),
      url: httpUrl()
        .optional()
        .describe("Source: an http(s) URL Glance downloads itself (web-download import, subject to Glance's `[import_filtering_opts]`)." + source),
      imageId: z
        .string()
        .uuid("must be a Glance image id (UUID)")
        .optional()
        .describe(
          "Source: an existing active image of the session's project to tag (rollback, or adoption of an image " +
            "uploaded by hand)." +
            source,
        ),
      importFrom: z
        .strictObject({
          region: regionSchema().describe("Keystone region whose Glance holds the image (the first region's `region`)."),
          imageId: z
            .string()
            .uuid("must be a Glance image id (UUID)")
            .describe("The image published there (the first region's GlanceTaggedImage `imageId` output)."),
          file: localFileSchema()
            .optional()
            .describe(
              "A local copy of the same image (e.g. AmphoraImageBuild's `path`), uploaded when this region's Glance does " +
                "not offer glance-download; left out, the image's data is downloaded from `region` and uploaded.",
            ),
        })
        .optional()
        .describe(
          "Source: an active image published in another region of the same Keystone, imported by this region's Glance " +
            "straight from that region's (`glance-download` import, Zed+, off by default) when `/v2/info/import` offers " +
            "it: nothing is sent from this machine. Otherwise the image is uploaded (see `file`). Either way the tag " +
            "moves only once `os_hash_algo`/`os_hash_value` equal the source image's." +
            source,
        ),
      expectedSha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/i, "must be 64 hex characters")
        .optional()
        .describe("sha256 the file must have, checked on the bytes sent (`file` only). Part of the source identity."),
      expectedSha512: z
        .string()
        .regex(/^[0-9a-f]{128}$/i, "must be 128 hex characters")
        .optional()
        .describe(
          "sha512 of the image data, e.g. AmphoraImageBuild's `sha512`: checked on the bytes sent and against Glance's " +
            "`os_hash_value`. Part of the source identity, so an identical rebuilt file is no change.",
        ),
      importMethod: z
        .enum(IMPORT_METHODS)
        .default("auto")
        .describe(
          "How `file` data reaches Glance: `auto` = `glance-direct` when `/v2/info/import` offers it, else `upload` " +
            "(`PUT /file`); `web-download` is implied by `url`. With `importFrom`: `auto` = `glance-download` when " +
            "offered, else the upload; `glance-download` insists on it; `glance-direct`/`upload` always upload. An " +
            "explicit method must be enabled in the cloud.",
        ),
      stores: z
        .array(z.string().min(1).max(255))
        .min(1, "must list at least one store (leave stores out for Glance's default store)")
        .refine((s) => new Set(s).size === s.length, "must not list a store twice")
        .optional()
        .describe(
          "Stores (multi-store Glance) that must hold the image; checked against `/v2/info/stores`. Imports go to " +
            "them; later the image is copied to added stores (copy-image, admin-only by default) and deleted from " +
            "removed ones. Left out: Glance's default store, and stores are not managed.",
        ),
      allStoresMustSucceed: z
        .boolean()
        .default(true)
        .describe(
          "Glance's `all_stores_must_succeed` for imports and copies to several stores. With false an import that " +
            "failed for some stores is accepted; the stores still missing are then copied with copy-image.",
        ),
      /** Leave an image whose publish failed in Glance for debugging (the next publish of the source deletes it). */
      keepFailedImages: z
        .boolean()
        .default(false)
        .describe("Leave an image whose publish failed in Glance for debugging (the next publish of the same source deletes it)."),
      region: regionSchema()
        .optional()
        .describe(
          "Keystone region whose Glance (`image` endpoint) holds the image; default: the session's region (`openstack:region`, " +
            "`OS_REGION_NAME`, clouds.yaml `region_name`). Lets one program publish to several regions; a change replaces " +
            "the resource (the old region's resource is deleted first: its images leave, except the current one, which keeps " +
            "the tag there unless `keepLastTaggedImage` is false).",
        ),
      keepLastTaggedImage: z
        .boolean()
        .default(true)
        .describe(
          "On delete (destroy, or the delete half of a replacement): when no other active image of the project carries " +
            "the tag, the current image keeps it and is not deleted, so Octavia never finds no image; the next resource " +
            "with the same name takes it over. false: the tag is removed and the images deleted whatever Octavia then finds.",
        ),
      retention: z
        .strictObject({
          keep: nonNegativeInt
            .max(100)
            .default(2)
            .describe("Previous images kept as they are, newest first (`previousImageIds`, the rollback targets)."),
          action: z
            .enum(RETENTION_ACTIONS)
            .default("keep")
            .describe(
              "What happens to older ones: `keep` (nothing), `deactivate` or `delete` (never protected images). " +
                "Images carrying any tag are never touched, nor images Octavia's amphorae boot from (its amphora API, " +
                "asked before anything is removed; when the session may not read it, the plan says so).",
            ),
        })
        .default({ keep: 2, action: "keep" })
        .describe("What happens to the images this resource published before (found by their marker property)."),
      timeouts: z
        .strictObject({
          uploadSeconds: z.number().positive().max(86400).default(3600).describe("Bound of one upload (stage or `PUT /file`), and of reading a web-download back from Glance to check it."),
          importSeconds: z
            .number()
            .positive()
            .max(86400)
            .default(3600)
            .describe("Bound of one import or copy (glance-direct, web-download, copy-image)."),
        })
        .default({ uploadSeconds: 3600, importSeconds: 3600 })
        .describe("Time limits of the calls that move data."),
    })
    .superRefine((inputs, ctx) => {
      const sources = (SOURCES as readonly (typeof SOURCES)[number][]).filter((k) => inputs[k] !== undefined);
      if (sources.length !== 1) {
        ctx.addIssue({
          code: "custom",
          path: [sources[1] ?? "file"],
          message:
            sources.length === 0
              ? "exactly one source is required: file, url, imageId or importFrom"
              : `exactly one source is allowed, got ${sources.join(" and ")}`,
        });
      }
      const method = inputs.importMethod;
      if (method === "glance-download" && inputs.importFrom === undefined) {
        ctx.addIssue({ code: "custom", path: ["importMethod"], message: "glance-download needs importFrom (the image to import from another region)" });
      }
      if (inputs.importFrom !== undefined) {
        if (method === "web-download") {
          ctx.addIssue({ code: "custom", path: ["importMethod"], message: "web-download cannot import from importFrom; use auto or glance-download" });
        }
        if (inputs.region !== undefined && inputs.region === inputs.importFrom.region) {
          ctx.addIssue({ code: "custom", path: ["importFrom", "region"], message: `must be another region than this resource's region ${inputs.region}` });
        }
        if (inputs.expectedSha256 !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["expectedSha256"],
            message: "cannot be checked for importFrom (Glance keeps sha512 only); use expectedSha512, checked against os_hash_value",
          });
        }
      }
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
      if (inputs.members?.length && inputs.visibility !== "shared") {
        ctx.addIssue({
          code: "custom",
          path: ["members"],
          message:
            `needs visibility "shared" (Glance has members only for shared images), visibility is ` +
            (inputs.visibility === undefined ? "not set" : `"${inputs.visibility}"`),
        });
      }
      if (inputs.acceptMembers && !inputs.members?.length) {
        ctx.addIssue({ code: "custom", path: ["acceptMembers"], message: "needs members: there is no member to accept the image for" });
      }
      if (inputs.url !== undefined && inputs.expectedSha256 !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["expectedSha256"],
          message: "cannot be checked for url sources (Glance fetches the bytes); use expectedSha512, checked against os_hash_value",
        });
      }
    });
});

export type GlanceTaggedImageArgsInput = z.input<ReturnType<typeof glanceTaggedImageInputsSchema>>;
export type GlanceTaggedImageInputs = z.output<ReturnType<typeof glanceTaggedImageInputsSchema>>;
