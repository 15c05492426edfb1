/**
 * Replaces secrets in text before it reaches a log, stdout or an error message. Besides the raw value it also
 * covers the spellings a shell uses when it echoes a value back: `set -x` single-quoting and `declare -x`
 * double-quoting (DIB's dib_environment manifest).
 */
export type Redactor = (text: string) => string;

export const REDACTED = "***";

function variants(secret: string): string[] {
  const singleQuoted = secret.replace(/'/g, `'\\''`);
  const doubleQuoted = secret.replace(/(["\\$`])/g, "\\$1");
  return [...new Set([secret, singleQuoted, doubleQuoted])].sort((a, b) => b.length - a.length);
}

export function redactor(secrets: readonly string[]): Redactor {
  const all = secrets.filter((s) => s.length > 0).flatMap(variants);
  if (all.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const v of all) out = out.split(v).join(REDACTED);
    return out;
  };
}
