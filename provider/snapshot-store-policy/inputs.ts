import { z } from "zod";
import { once } from "../common/once";
import { text, uniqueTexts } from "../common/text-input";

/**
 * Inputs of SnapshotStorePolicy, the single source of its input types (the SDK's are generated from it). Built on
 * first use and kept (common/once.ts says why).
 */

export const MODES = ["copy", "move"] as const;
export type Mode = (typeof MODES)[number];

/** Nova's `image_type` values for instance snapshots and backups (`nova image-create`, `createBackup`). */
export const DEFAULT_IMAGE_TYPES = ["snapshot", "backup"] as const;

/** `owner` value that selects the images of every project (admin sessions only). */
export const ALL_OWNERS = "all";

export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_PAGE_SIZE = 500;

/** Image properties that are attributes owned by Glance: not usable as `propertyFilters`. */
const NOT_FILTERABLE = ["id", "status", "visibility", "owner", "stores", "tags", "name", "image_type", "limit", "marker", "sort"];

function propertyFiltersSchema() {
  return z.record(z.string(), text()).superRefine((filters, ctx) => {
    for (const key of Object.keys(filters)) {
      const reason = key === "" || key.length > 255
        ? "must be 1 to 255 characters"
        : NOT_FILTERABLE.includes(key) || key.startsWith("os_glance_")
          ? "is not a free image property (use the input made for it)"
          : undefined;
      if (reason) ctx.addIssue({ code: "custom", path: [key], message: `property "${key}" ${reason}` });
    }
  });
}

function timeoutsSchema() {
  return z
    .strictObject({
      /** Bound for one image's copy-image (request to the image being in the target store). */
      copySeconds: z
        .number()
        .positive("must be positive")
        .max(86400)
        .default(1800)
        .describe("Bound of one image's copy-image, from the request to the image being in the target store."),
      /** How often a running copy is polled. */
      pollSeconds: z.number().min(0.05, "must be at least 0.05").max(60).default(2).describe("How often a running copy is polled."),
    })
    .default({ copySeconds: 1800, pollSeconds: 2 })
    .describe("Time limits of the copies.");
}

export const snapshotStorePolicyInputsSchema = once(function snapshotStorePolicyInputsSchema() {
  return z.strictObject({
    /** Target store id, as listed by `GET /v2/info/stores`. */
    store: text().describe("Target store id, as listed by `GET /v2/info/stores`; must exist and not be read-only."),
    /** `image_type` values that select images (one image list per value). */
    imageTypes: uniqueTexts("image type")
      .min(1, "must list at least one image type")
      .default([...DEFAULT_IMAGE_TYPES])
      .describe("`image_type` values that select images (one image list per value): Nova's `snapshot` and `backup`."),
    /** Project id whose images are selected; default the session's project; `"all"` for every project (admin). */
    owner: text()
      .optional()
      .describe(
        "Project id whose images are selected; default the session's project. Another project or `\"all\"` (every " +
          "project) needs an admin session.",
      ),
    /** Also place the images named by the matching images' `base_image_ref`. */
    includeBaseImages: z
      .boolean()
      .default(true)
      .describe("Also place the images named by the selected images' `base_image_ref` (whoever owns them)."),
    /** Image ids (UUIDs) or tags (e.g. the amphora tag) whose images must also live in the store. */
    extraImages: uniqueTexts("image id or tag")
      .default([])
      .describe("Image ids (UUIDs) or tags (e.g. the amphora tag) whose images must also live in the store (any owner)."),
    /** `copy`: a copy in the store is enough; `move`: the store holds the only copy. */
    mode: z
      .enum(MODES)
      .default("copy")
      .describe("`copy`: a copy in the store is enough; `move`: the store holds the only copy (copies in other stores are deleted)."),
    /** Images worked on at the same time. */
    concurrency: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(16)
      .default(DEFAULT_CONCURRENCY)
      .describe("Images worked on at the same time."),
    /** Further exact-match property filters for the image list (AND), e.g. `{ os_distro: "ubuntu" }`. */
    propertyFilters: propertyFiltersSchema()
      .default({})
      .describe("Further exact-match property filters of the image lists (AND), e.g. `{ os_distro: \"ubuntu\" }`."),
    /** Images per page of `GET /v2/images` (Glance caps it at `api_limit_max`). */
    pageSize: z
      .number()
      .int("must be a whole number")
      .min(1)
      .max(1000)
      .default(DEFAULT_PAGE_SIZE)
      .describe("Images per page of `GET /v2/images` (Glance caps it at its `api_limit_max`)."),
    timeouts: timeoutsSchema(),
  });
});

export type SnapshotStorePolicyArgsInput = z.input<ReturnType<typeof snapshotStorePolicyInputsSchema>>;
export type SnapshotStorePolicyInputs = z.output<ReturnType<typeof snapshotStorePolicyInputsSchema>>;

/** Inputs that decide which images are selected (a change needs a new image list, not just a new verdict). */
export const SELECTION_INPUTS = ["imageTypes", "owner", "includeBaseImages", "extraImages", "propertyFilters"] as const;

/** An `extraImages` entry is an image id when it looks like a UUID, a tag otherwise. */
export const isImageId = (entry: string): boolean =>
  /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(entry);
