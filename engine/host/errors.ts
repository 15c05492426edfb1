import type { PropertyValue } from "./marshal";

/** A failed gRPC call to the provider host, with the provider's error message. */
export class ProviderCallError extends Error {
  override name = "ProviderCallError";
  constructor(
    message: string,
    readonly method: string,
    readonly code: number,
    /** The error message as the engine would show it (the provider's `Error.message`). */
    readonly details: string,
    readonly urn: string | undefined,
    /** Host output lines printed during the call (the host logs stacks for check/diff/read/delete errors). */
    readonly output: string[],
    /** Create/Update errors thrown with `id` (resource created but not initialized): ErrorResourceInitFailed. */
    readonly initFailed?: { id: string; properties: Record<string, PropertyValue>; reasons: string[] },
  ) {
    super(message);
  }
}

/** Check failures: the engine reports them and stops the update. */
export class CheckFailedError extends Error {
  override name = "CheckFailedError";
  constructor(
    readonly urn: string,
    readonly failures: { property: string; reason: string }[],
  ) {
    super(`resource ${urn} has check errors:\n${failures.map((f) => `  ${f.property}: ${f.reason}`).join("\n")}`);
  }
}
