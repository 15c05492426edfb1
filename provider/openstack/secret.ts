import { inspect } from "node:util";

const REDACTED = "***";

/**
 * A credential (password, application credential secret, token) that must never be printed. `String(s)`,
 * template literals, `JSON.stringify` and `util.inspect` all give `***`; only `reveal()` returns the value, and
 * it is called exactly where the value goes on the wire (Keystone request bodies, the `X-Auth-Token` header).
 *
 * The value lives in a `#private` field, which `util.inspect`, `JSON.stringify`, `Object.keys` and structured
 * logging do not see.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** True when both hold the same value (without exposing either). */
  equals(other: Secret | undefined): boolean {
    return other !== undefined && other.#value === this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/** Replaces every occurrence of the given secrets' values in `text` by `***` (defence in depth for messages). */
export function redact(text: string, secrets: readonly (Secret | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret?.reveal();
    if (value && value.length >= 4) out = out.split(value).join(REDACTED);
  }
  return out;
}
