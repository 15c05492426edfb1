import { connectFailure, ResourceError, type ResourceErrorDetails } from "../common/errors";

/**
 * Errors of SnapshotStorePolicy (the common model: common/errors.ts). Each message says what is wrong and what to
 * do; none contains credentials (Glance URLs are already stripped by the HTTP layer). The errors about one image
 * or the target store have no subject: they become check failures or entries of `failed`; the error that fails
 * the resource names it (`SnapshotStorePolicy <store>`).
 */

export type StorePolicyErrorCode =
  /** Authentication with Keystone, or finding Glance in its catalog, failed. */
  | "ERR_CONNECT"
  /** The target store does not exist, is read-only, or Glance has a single store. */
  | "ERR_STORES"
  /** `owner` names images this session may not manage. */
  | "ERR_OWNER"
  /** Glance's policy refused a copy-image or a per-store delete. */
  | "ERR_FORBIDDEN"
  /** Images could not be placed in the target store. */
  | "ERR_PLACEMENT";

export class StorePolicyError extends ResourceError {
  override name = "StorePolicyError";
  declare readonly code: StorePolicyErrorCode;

  constructor(code: StorePolicyErrorCode, message: string, details?: ResourceErrorDetails) {
    super(code, message, details);
  }
}

/** The subject of the errors that fail a SnapshotStorePolicy, as its plan lines name it. */
export const policySubject = (store: string): string => `SnapshotStorePolicy ${store}`;

/** Authentication with Keystone, or finding Glance in its catalog, failed: nothing was asked of Glance. */
export class ConnectError extends StorePolicyError {
  override name = "ConnectError";
  constructor(store: string, cause: unknown) {
    super("ERR_CONNECT", connectFailure("Glance's endpoint", "Glance", cause), { subject: policySubject(store), cause });
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
    super("ERR_STORES", `store "${store}" ${reason}; the stores that exist are: ${available.length ? available.join(", ") : "(none)"}`);
  }
}

/** Glance has no `/v2/info/stores` (no `enabled_backends`): nothing to choose between. */
export class SingleStoreError extends StorePolicyError {
  override name = "SingleStoreError";
  constructor(readonly store: string) {
    super(
      "ERR_STORES",
      `store "${store}" cannot be enforced: this Glance has a single store (GET /v2/info/stores answered 404, ` +
        `enabled_backends is not set), so copy-image and per-store placement do not exist; configure several ` +
        `stores in Glance first`,
    );
  }
}

/** `owner` names images this session may not manage. */
export class OwnerNotAllowedError extends StorePolicyError {
  override name = "OwnerNotAllowedError";
  constructor(message: string) {
    super("ERR_OWNER", message);
  }
}

/** Glance's policy refused an operation on one image (403): what was refused, Glance's own words, what to do. */
abstract class PolicyRefusal extends StorePolicyError {
  constructor(
    refused: string,
    imageId: string,
    readonly store: string,
    serviceMessage: string,
    advice: string,
  ) {
    super("ERR_FORBIDDEN", `${refused} was refused (403${serviceMessage ? `: ${serviceMessage}` : ""}). ${advice}`, { imageId, serviceMessage });
  }
}

/**
 * copy-image answered 403. Glance's default policy (rule `copy_image`, "role:admin") lets only admins copy an
 * image to another store, whoever owns the image.
 */
export class CopyForbiddenError extends PolicyRefusal {
  override name = "CopyForbiddenError";
  constructor(imageId: string, store: string, serviceMessage: string) {
    super(
      `copy-image of image ${imageId} to store "${store}"`,
      imageId,
      store,
      serviceMessage,
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
export class RemoveForbiddenError extends PolicyRefusal {
  override name = "RemoveForbiddenError";
  constructor(imageId: string, store: string, serviceMessage: string) {
    super(
      `removing image ${imageId} from store "${store}"`,
      imageId,
      store,
      serviceMessage,
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
    code: StorePolicyErrorCode,
    store: string,
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[],
  ) {
    super(code, message, { subject: policySubject(store) });
  }
}
