import { z } from "zod";

/** `GET /v2/info/import`: `{"import-methods": {"type": "array", "value": ["glance-direct", ...]}}`. */
export const ImportInfo = z.looseObject({
  "import-methods": z.looseObject({
    description: z.string().optional(),
    type: z.string().optional(),
    value: z.array(z.string()),
  }),
});
export type ImportInfo = z.infer<typeof ImportInfo>;

/**
 * One store of a multi-store deployment. Glance sends `default` as the *string* "true" (and only on the
 * default store); `isDefault` is the boolean view of it.
 */
export const Store = z
  .looseObject({
    id: z.string(),
    description: z.string().optional(),
    default: z.union([z.string(), z.boolean()]).optional(),
    read_only: z.union([z.string(), z.boolean()]).optional(),
    /** Only in `/info/stores/detail` (admin). */
    type: z.string().optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .transform((s) => ({
    ...s,
    isDefault: s.default === true || s.default === "true",
    readOnly: s.read_only === true || s.read_only === "true",
  }));
export type Store = z.output<typeof Store>;

export const StoresBody = z.looseObject({ stores: z.array(Store) });

/**
 * What `/v2/info/stores` says about the deployment. A deployment without `enabled_backends` answers 404:
 * that is a single-store Glance, where per-store options (`stores`, `X-Image-Meta-Store`, copy-image) do
 * not apply.
 */
export type StoresInfo =
  | { multiStore: true; stores: Store[]; defaultStore: string | undefined }
  | { multiStore: false; stores: []; defaultStore: undefined };
