import type { z } from "zod";

/** The value the engine puts in place of an input that is not known yet (preview of a computed value). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
  property: string;
  reason: string;
}

/** True when `value` or anything inside it is not known yet. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * Splits inputs into the part that can be validated now and the names of top-level inputs that are still
 * unknown (computed during preview). Unknown inputs are validated later, when the engine checks again with
 * real values before create/update.
 */
export function splitUnknowns(news: Record<string, unknown>): {
  known: Record<string, unknown>;
  unknown: string[];
} {
  const known: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(news)) {
    if (key === "__provider") continue;
    if (containsUnknown(value)) unknown.push(key);
    else known[key] = value;
  }
  return { known, unknown };
}

/** Turns zod issues into check failures that name the input (dotted path) and say what is wrong with it. */
export function issuesToFailures(issues: readonly z.core.$ZodIssue[]): CheckFailure[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    let reason = issue.message;
    if (issue.code === "unrecognized_keys") {
      reason = `unknown input${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    }
    // The engine prints `property <property> value <value> has a problem: <reason>`: the reason does not repeat it.
    return { property: path || issue.path[0]?.toString() || "(inputs)", reason };
  });
}
