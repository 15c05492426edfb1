/**
 * The builder layer's own failure: an inspection tool (qemu-img, debugfs, tar, xorriso, openssl) missing or failing
 * for a reason other than the image. A resource error of the common model (common/errors.ts) with code ERR_TOOL;
 * the resource that ran the tool names itself in it (`failingAs`).
 */
import { ResourceError } from "../common/errors";

/** An inspection tool (qemu-img, debugfs, tar) is missing or failed for a reason other than the image. */
export class ToolError extends ResourceError {
  override name = "ToolError";
  override readonly code = "ERR_TOOL";
  constructor(
    readonly tool: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("ERR_TOOL", `${tool}: ${message}`, options?.cause !== undefined ? { cause: options.cause } : {});
  }
}
