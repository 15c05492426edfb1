import { OpenStackError } from "../openstack/errors";
import { DeadlineError, withDeadline } from "./deadline";
import { ResourceError } from "./errors";

/** How long a plan's look at a service may take before the plan goes without it. */
export const CHECK_PROBE_MS = 10_000;

/**
 * A look at a service that a plan (check, diff) can do without: a preview must work without credentials or with
 * the service down, and create/update look again before they change anything. The look gives up after `ms`
 * (CHECK_PROBE_MS unless the look reads much more), or when the service cannot answer (no credentials,
 * unreachable, refused: an OpenStack error or a resource's error that names the service's); `unavailable` hears
 * why. Any other failure is a bug, and is thrown.
 */
export async function probeInCheck<T>(
  what: string,
  work: () => Promise<T>,
  unavailable: (why: string) => void = () => undefined,
  ms = CHECK_PROBE_MS,
): Promise<T | undefined> {
  try {
    return await withDeadline(work(), ms, what);
  } catch (err) {
    if (!(err instanceof DeadlineError || err instanceof OpenStackError || err instanceof ResourceError)) throw err;
    unavailable(err.message);
    return undefined;
  }
}
