import type { z } from "zod";
import { type CheckFailure, issuesToFailures, splitUnknowns } from "./check";

/**
 * Validates resource inputs the way `check` needs: fully when every input is known, field by field when some
 * are still unknown (preview of computed values), so a bad literal is reported even before its neighbours are
 * known. Returns the normalised inputs (defaults applied) when fully known; otherwise each known input
 * normalised by its own field schema, inputs left out that have a default given it, and unknown inputs exactly as
 * the engine sent them. The engine shows a preview's `[diff: …]` from the old inputs against these, so a default
 * left out here would read as removed.
 */
export function validateInputs<S extends z.ZodObject>(
  schema: S,
  news: Record<string, unknown>,
): { inputs: Record<string, unknown>; failures: CheckFailure[]; complete: boolean } {
  const { known, unknown } = splitUnknowns(news);
  if (unknown.length === 0) {
    const parsed = schema.safeParse(known);
    if (parsed.success) return { inputs: parsed.data as Record<string, unknown>, failures: [], complete: true };
    return { inputs: news, failures: issuesToFailures(parsed.error.issues), complete: false };
  }
  // Object-level refinements (e.g. exactly one source) need every input: they run in the check with real values.
  const failures: CheckFailure[] = [];
  const inputs: Record<string, unknown> = { ...news };
  const shape = schema.shape as Record<string, z.ZodType>;
  for (const [key, value] of Object.entries(known)) {
    const field = shape[key];
    if (!field) {
      failures.push({ property: key, reason: `unknown input "${key}"` });
      continue;
    }
    const parsed = field.safeParse(value);
    if (parsed.success) inputs[key] = parsed.data;
    else failures.push(...issuesToFailures(parsed.error.issues.map((i) => ({ ...i, path: [key, ...i.path] }))));
  }
  for (const [key, field] of Object.entries(shape)) {
    if (key in news) continue;
    const parsed = field.safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) inputs[key] = parsed.data;
  }
  return { inputs, failures, complete: false };
}
