import { z } from "zod";
import { assess, type Inventory } from "./compliance";
import { snapshotStorePolicyInputsSchema, type SnapshotStorePolicyInputs } from "./inputs";
import { novaConfig } from "./nova-config";
import { once } from "../common/once";

/**
 * State of a SnapshotStorePolicy: the normalised inputs (the engine hands old outputs to diff) plus what the last
 * create/update/refresh found. `inventory` (id → status and stores of every selected image) lets `diff` count,
 * without any network call, what an update would do, even for a new store or mode. Optional inputs that were
 * not set are absent; every computed field is always present, never undefined.
 */

export const snapshotStorePolicyOutputsSchema = once(function snapshotStorePolicyOutputsSchema() {
  return z.object({
    ...snapshotStorePolicyInputsSchema().shape,
    /** The project whose images are selected (the session's project when `owner` is unset), or "all". */
    ownerProject: z.string().describe("The project whose images are selected (the session's project when `owner` is unset), or `all`."),
    /** Every selected image (image types, their base images, extra images), sorted. */
    matched: z.array(z.string()).describe("Every selected image id (image types, their base images, extra images), sorted."),
    compliant: z.array(z.string()).describe("Selected images already placed as `mode` requires."),
    /** Images an update would copy or clear from other stores. */
    nonCompliant: z
      .array(z.string())
      .describe("Images an update would copy or clear from other stores (non-empty after a refresh found drift)."),
    /** Id → why the image is left alone (not active, no data). */
    skipped: z.record(z.string(), z.string()).describe("Id → why the image is left alone (not active, no data in any store)."),
    /** Images copied or cleared by the last create/update. */
    relocated: z.array(z.string()).describe("Images copied or cleared from other stores by the last create/update."),
    /** Id → why the image could not be placed (last create/update; dropped once the image complies). */
    failed: z
      .record(z.string(), z.string())
      .describe("Id → why the image could not be placed by the last create/update; dropped once the image complies."),
    /** Base image refs, extra ids and `tag:<t>` entries that name no visible image. */
    missing: z.array(z.string()).describe("Base image refs, extra ids and `tag:<t>` entries that name no image this session can see."),
    inventory: z
      .record(
        z.string(),
        z
          .object({
            status: z.string().describe("Glance status (`importing` while an import holds the image)."),
            stores: z.array(z.string()).describe("Stores holding the image's data."),
          })
          .describe("One selected image."),
      )
      .describe("Id → status and stores of every selected image as last seen; lets a diff count what an update would do without calling Glance."),
    novaConfig: z
      .string()
      .describe("`[libvirt]` snippet for nova.conf on RBD-backed computes (`images_rbd_glance_store_name` = `store`; ignored by other image backends)."),
    checkedAt: z.string().describe("ISO time of the last create, update or refresh."),
  });
});

export type SnapshotStorePolicyOutputs = z.output<ReturnType<typeof snapshotStorePolicyOutputsSchema>>;

/** The inputs as recorded in state: absent optionals stay absent (outputs must not contain undefined). */
export function recordedInputs(inputs: SnapshotStorePolicyInputs): SnapshotStorePolicyInputs {
  return Object.fromEntries(
    Object.keys(snapshotStorePolicyInputsSchema().shape)
      .filter((k) => inputs[k as keyof SnapshotStorePolicyInputs] !== undefined)
      .map((k) => [k, inputs[k as keyof SnapshotStorePolicyInputs]]),
  ) as SnapshotStorePolicyInputs;
}

export interface OutputFacts {
  ownerProject: string;
  inventory: Inventory;
  missing: string[];
  relocated: string[];
  failed: Record<string, string>;
  checkedAt?: Date;
}

export function buildOutputs(inputs: SnapshotStorePolicyInputs, f: OutputFacts): SnapshotStorePolicyOutputs {
  const a = assess(f.inventory, inputs.store, inputs.mode);
  const compliant = new Set(a.compliant);
  // A failure stays reported while the image is still selected and does not comply.
  const failed = Object.fromEntries(Object.entries(f.failed).filter(([id]) => f.inventory[id] && !compliant.has(id)));
  return {
    ...recordedInputs(inputs),
    ownerProject: f.ownerProject,
    matched: Object.keys(f.inventory).sort(),
    compliant: a.compliant,
    nonCompliant: a.nonCompliant,
    skipped: a.skipped,
    relocated: [...f.relocated].sort(),
    failed,
    missing: [...f.missing],
    inventory: f.inventory,
    novaConfig: novaConfig(inputs.store),
    checkedAt: (f.checkedAt ?? new Date()).toISOString(),
  };
}

/** The inputs part of a state (for read, which re-runs the selection with the recorded inputs). */
export function inputsOf(outputs: SnapshotStorePolicyOutputs): SnapshotStorePolicyInputs {
  return recordedInputs(outputs);
}
