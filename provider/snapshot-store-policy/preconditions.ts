import type { CheckFailure } from "../common/check";
import { getStores, type GlanceClient } from "../glance";
import { OwnerNotAllowedError, SingleStoreError, StorePolicyError, UnknownStoreError } from "./errors";
import { ALL_OWNERS, type SnapshotStorePolicyInputs } from "./inputs";

/**
 * What must hold before a policy changes anything: the target store exists (and takes data), and the session may
 * manage the owner's images. Run by `check` when Glance is reachable, and again by create/update before any
 * change.
 */

/** Throws UnknownStoreError (listing the stores that exist) or SingleStoreError. */
export async function requireTargetStore(c: GlanceClient, store: string): Promise<void> {
  const info = await getStores(c);
  if (!info.multiStore) throw new SingleStoreError(store);
  const names = info.stores.map((s) => `${s.id}${s.isDefault ? " (default)" : ""}${s.readOnly ? " (read-only)" : ""}`);
  const target = info.stores.find((s) => s.id === store);
  if (!target) throw new UnknownStoreError(store, names);
  if (target.readOnly) throw new UnknownStoreError(store, names, "is read-only and cannot receive copies");
}

/** The project whose snapshots are selected: `owner`, or the session's project; "all" only for admins. */
export function resolveOwner(c: GlanceClient, owner: string | undefined): string {
  if (owner === undefined || owner === c.projectId) return c.projectId;
  if (c.isAdmin) return owner;
  if (owner === ALL_OWNERS) {
    throw new OwnerNotAllowedError(
      `owner "all" selects the images of every project and needs an admin session; this session (project ` +
        `${c.projectId}) has no admin role. Leave owner unset to manage this project's images`,
    );
  }
  throw new OwnerNotAllowedError(
    `owner "${owner}" is another project; a session without the admin role only sees its own project's images ` +
      `(project ${c.projectId}). Leave owner unset or use an admin session`,
  );
}

/** Both checks as check failures (for `check`); other errors (Glance unreachable...) are thrown. */
export async function preconditionFailures(c: GlanceClient, inputs: SnapshotStorePolicyInputs): Promise<CheckFailure[]> {
  const failures: CheckFailure[] = [];
  const attempt = async (property: string, fn: () => unknown): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof StorePolicyError)) throw err;
      failures.push({ property, reason: err.message });
    }
  };
  await attempt("store", () => requireTargetStore(c, inputs.store));
  await attempt("owner", () => resolveOwner(c, inputs.owner));
  return failures;
}
