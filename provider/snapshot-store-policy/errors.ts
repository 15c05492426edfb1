import { HttpError } from "../glance";

/**
 * Errors of SnapshotStorePolicy. Each message says what is wrong and what to do; none contains credentials
 * (Glance URLs are already stripped by the HTTP layer).
 */

export class StorePolicyError extends Error {
  override name = "StorePolicyError";
}

/** Authentication with Keystone, or finding Glance in its catalog, failed: nothing was asked of Glance. */
export class ConnectError extends StorePolicyError {
  override name = "ConnectError";
  constructor(store: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`snapshot store "${store}": connecting to OpenStack (a Keystone token, then Glance's endpoint from the catalog) failed, nothing was asked of Glance: ${why}`, { cause });
  }
}

/** The target store is not one of Glance's stores (or cannot hold data). */
export class UnknownStoreError extends StorePolicyError {
  override name = "UnknownStoreError";
  constructor(
    readonly store: string,
    readonly available: readonly string[],
    reason = "is not a store of this Glance",
  ) {
    super(`store "${store}" ${reason}; the stores that exist are: ${available.length ? available.join(", ") : "(none)"}`);
  }
}

/** Glance has no `/v2/info/stores` (no `enabled_backends`): nothing to choose between. */
export class SingleStoreError extends StorePolicyError {
  override name = "SingleStoreError";
  constructor(readonly store: string) {
    super(
      `store "${store}" cannot be enforced: this Glance has a single store (GET /v2/info/stores answered 404, ` +
        `enabled_backends is not set), so copy-image and per-store placement do not exist; configure several ` +
        `stores in Glance first`,
    );
  }
}

/** `owner` names images this session may not manage. */
export class OwnerNotAllowedError extends StorePolicyError {
  override name = "OwnerNotAllowedError";
}

/**
 * copy-image answered 403. Glance's default policy (rule `copy_image`, "role:admin") lets only admins copy an
 * image to another store, whoever owns the image.
 */
export class CopyForbiddenError extends StorePolicyError {
  override name = "CopyForbiddenError";
  constructor(
    readonly imageId: string,
    readonly store: string,
    readonly serviceMessage: string,
  ) {
    super(
      `copy-image of image ${imageId} to store "${store}" was refused (403${serviceMessage ? `: ${serviceMessage}` : ""}). ` +
        `Glance's policy rule "copy_image" allows copy-image to admins only by default (role:admin); run this ` +
        `policy with an admin session (openstack:cloud / OS_CLOUD of an admin), or relax "copy_image" in ` +
        `Glance's policy file`,
    );
  }
}

/**
 * A per-store delete (`DELETE /v2/stores/{store}/{id}`) answered 403. Glance's rule `delete_image_location` lets
 * the image's owner do it under the legacy defaults (Zed), and only admins under the new RBAC defaults that
 * Glance enforces since OpenStack 2023.2 (so on 2025.1).
 */
export class RemoveForbiddenError extends StorePolicyError {
  override name = "RemoveForbiddenError";
  constructor(
    readonly imageId: string,
    readonly store: string,
    readonly serviceMessage: string,
  ) {
    super(
      `removing image ${imageId} from store "${store}" was refused (403${serviceMessage ? `: ${serviceMessage}` : ""}). ` +
        `Glance's policy rule "delete_image_location" allows per-store delete to admins only under the new RBAC ` +
        `defaults (enforced since OpenStack 2023.2); run this policy in move mode with an admin session ` +
        `(openstack:cloud / OS_CLOUD of an admin), use mode "copy", or relax "delete_image_location" in Glance's ` +
        `policy file`,
    );
  }
}

/**
 * Some images could not be placed. Carries `id`/`properties`/`reasons`, so the dynamic-provider host reports a
 * resource-initialization failure: the engine keeps these outputs (with the successes) in state.
 */
export class EnforcementError extends StorePolicyError {
  override name = "EnforcementError";
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[],
  ) {
    super(message);
  }
}

/** One line for the `failed` map: Glance's own message when there is one, else the error's. */
export function describeFailure(err: unknown): string {
  if (err instanceof HttpError) {
    const what = `${err.method} ${new URL(err.url, "http://x").pathname}`;
    return `${what} returned ${err.status}${err.serviceMessage ? `: ${err.serviceMessage}` : ""}`;
  }
  return err instanceof Error ? err.message : String(err);
}
