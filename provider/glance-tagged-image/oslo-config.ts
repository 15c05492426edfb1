/**
 * Writing a value into an oslo.config file (Octavia's configuration) so that it reads back verbatim. oslo.config's
 * ini parser strips white space around a value and one pair of matching quotes around it (`#`/`;` start a comment
 * only at the beginning of a line), then interpolates `$name`/`${name}`, where `$$` stands for `$` (and, in recent
 * versions, `\$` too: that is why a backslash before `$` cannot be carried, see the tag's check).
 */

/** Ends that the parser would strip or unquote: quotes, white space (Python's set is wider than \s), controls. */
// eslint-disable-next-line no-control-regex
const FRAGILE_END = /^["'\s\u0000-\u001f\u007f-\u009f]|["'\s\u0000-\u001f\u007f-\u009f]$/u;

/** `value` as the right-hand side of `key = value` that oslo.config reads back as `value`. */
export function osloConfigValue(value: string): string {
  const escaped = value.replace(/\$/g, () => "$$");
  // Inside quotes nothing is stripped, and the parser removes exactly the one pair it was given.
  return FRAGILE_END.test(escaped) ? `"${escaped}"` : escaped;
}

/** oslo.config reads `\$` as an escaped `$` in some versions only: no spelling of such a value reads back everywhere. */
export function osloConfigCanCarry(value: string): boolean {
  return !value.includes("\\$");
}
