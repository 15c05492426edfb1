import { z } from "zod";

// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * A one-line text input as Glance and Octavia store names, ids and tags: not empty, at most `max` characters, no
 * control characters, no white space at either end (the service would keep it, and the plan would not show it).
 */
export function text(max = 255) {
  return z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), "must not contain control characters")
    .refine((s) => s.trim() === s, "must not start or end with white space");
}

/** A list of such texts, each at most `max` characters, none twice (`what` names one item in the message). */
export function uniqueTexts(what: string, max = 255) {
  return z.array(text(max)).refine((list) => new Set(list).size === list.length, `must not list a ${what} twice`);
}
