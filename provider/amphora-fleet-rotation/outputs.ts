import { z } from "zod";
import { once } from "../common/once";
import { amphoraFleetRotationInputsSchema } from "./inputs";

/**
 * State of an AmphoraFleetRotation: the normalised inputs plus what the last up/refresh found. Progress is never
 * read back from here: every run reads the fleet again (fleet.ts), so these are reports.
 */

export const amphoraFleetRotationOutputsSchema = once(function amphoraFleetRotationOutputsSchema() {
  return z.object({
    ...amphoraFleetRotationInputsSchema().shape,
    targetImages: z
      .record(z.string(), z.string())
      .describe("Tag → the image Octavia boots for it now (newest active image with the tag), for the tags of the selected load balancers."),
    amphoraeByImage: z
      .record(z.string(), z.number())
      .describe("Image id → serving amphorae of the selected load balancers on it (`\"\"`: amphorae Octavia reports without an image)."),
    onTarget: z.array(z.string()).describe("Load balancers whose amphorae are all on their target image."),
    rotated: z.array(z.string()).describe("Load balancers failed over (and through their gate) by the last create/update."),
    pending: z.array(z.string()).describe("Load balancers still to fail over (planned, skipped or failed)."),
    skipped: z.record(z.string(), z.string()).describe("Load balancer id → why it is not rotated (not ACTIVE, SINGLE without allowStandalone, no image)."),
    failed: z.record(z.string(), z.string()).describe("Load balancer id → why its failover or gate failed (the last create/update stopped there)."),
    checkedAt: z.string().describe("ISO time of the last create/update/refresh."),
  });
});

export type AmphoraFleetRotationOutputs = z.output<ReturnType<typeof amphoraFleetRotationOutputsSchema>>;
