import type { GlanceClient } from "../client";
import { waitFor } from "../wait";
import { getImage } from "./requests";
import type { Image, ImageStatus } from "./results";

export interface WaitForImageStatusOptions {
  target: readonly ImageStatus[];
  /** Default: the transitional states `queued`, `saving`, `uploading`, `importing`, `pending_delete`. */
  pending?: readonly ImageStatus[];
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

const TRANSITIONAL: readonly ImageStatus[] = ["queued", "saving", "uploading", "importing", "pending_delete"];

/** Polls the image until its status is a target (UnexpectedStateError on e.g. `killed`). */
export function waitForImageStatus(c: GlanceClient, id: string, opts: WaitForImageStatusOptions): Promise<Image> {
  return waitFor<Image>({
    pending: (opts.pending ?? TRANSITIONAL).filter((s) => !opts.target.includes(s)),
    target: opts.target,
    refresh: async () => {
      const image = await getImage(c, id);
      return { state: image.status, value: image };
    },
    timeoutMs: opts.timeoutMs ?? 10 * 60_000,
    intervalMs: opts.intervalMs ?? 1000,
    description: `image ${id} to become ${opts.target.join("/")}`,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
