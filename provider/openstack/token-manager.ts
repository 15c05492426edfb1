import { createHash } from "node:crypto";
import type { Http } from "./http";
import type { AuthMethod } from "./config-schema";
import { AuthError } from "./errors";
import type { TokenSource } from "./http";
import { authenticate, type TokenInfo } from "./keystone";
import { Secret } from "./secret";

/**
 * Holds the token of one credential set: obtains it on first use, renews it when less than `renewBeforeMs`
 * (default 60 s; half the lifetime for very short-lived tokens) is left, and on `renew()` after a service rejected it. Concurrent callers share one Keystone request.
 *
 * A pre-made token used as it is (`token` without a project) cannot be renewed: it is used until it expires,
 * and after a rejection it is validated again (Keystone then says why it is no longer valid).
 */
export interface TokenManagerOptions {
  readonly renewBeforeMs?: number;
  readonly now?: () => number;
}

export class TokenManager implements TokenSource {
  readonly #http: Http;
  readonly #authUrl: string;
  readonly #auth: AuthMethod;
  readonly #renewBeforeMs: number;
  readonly #now: () => number;
  #valid: TokenInfo | undefined;
  #last: TokenInfo | undefined;
  #pending: Promise<TokenInfo> | undefined;

  constructor(http: Http, authUrl: string, auth: AuthMethod, options: TokenManagerOptions = {}) {
    this.#http = http;
    this.#authUrl = authUrl;
    this.#auth = auth;
    this.#now = options.now ?? (() => Date.now());
    const renewable = !(auth.type === "token" && !auth.project);
    this.#renewBeforeMs = renewable ? (options.renewBeforeMs ?? 60_000) : 0;
  }

  /** The most recent token information (also after invalidation), if any was obtained. */
  get last(): TokenInfo | undefined {
    return this.#last;
  }

  /** Valid token information, authenticating or renewing as needed. */
  async info(): Promise<TokenInfo> {
    const valid = this.#valid;
    if (valid && valid.expiresAt.getTime() - this.#now() > this.#threshold(valid)) return valid;
    this.#valid = undefined;
    this.#pending ??= this.#obtain().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Renew when less than `renewBeforeMs` is left, or half the lifetime for tokens shorter than twice that. */
  #threshold(info: TokenInfo): number {
    const lifetime = info.expiresAt.getTime() - info.obtainedAt.getTime();
    return Math.min(this.#renewBeforeMs, Math.max(0, lifetime / 2));
  }

  async current(): Promise<string> {
    return (await this.info()).token.reveal();
  }

  invalidate(rejected: string | undefined): void {
    if (rejected === undefined || this.#valid?.token.reveal() === rejected) this.#valid = undefined;
  }

  async renew(rejected: string | undefined): Promise<void> {
    this.invalidate(rejected);
    await this.info();
  }

  async #obtain(): Promise<TokenInfo> {
    const info = await authenticate(this.#http, this.#authUrl, this.#auth);
    if (info.expiresAt.getTime() <= this.#now()) {
      throw new AuthError(`the token for ${this.#authUrl} expired at ${info.expiresAt.toISOString()}`);
    }
    this.#valid = info;
    this.#last = info;
    return info;
  }
}

/** Per-process cache: one TokenManager per distinct credential set (auth URL, credentials, TLS settings). */
const managers = new Map<string, TokenManager>();

function revealAll(value: unknown): unknown {
  if (value instanceof Secret) return `secret:${value.reveal()}`;
  if (Array.isArray(value)) return value.map(revealAll);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealAll(v)]));
  }
  return value;
}

/** A hash (never the secrets themselves) identifying a credential set. */
export function credentialKey(parts: {
  authUrl: string;
  auth: AuthMethod;
  cacertFile?: string | undefined;
  insecure: boolean;
}): string {
  const material = JSON.stringify([parts.authUrl, revealAll(parts.auth), parts.cacertFile ?? "", parts.insecure]);
  return createHash("sha256").update(material).digest("hex");
}

export function sharedTokenManager(key: string, create: () => TokenManager): TokenManager {
  let manager = managers.get(key);
  if (!manager) {
    manager = create();
    managers.set(key, manager);
  }
  return manager;
}

/** For tests: forget every cached token. */
export function clearTokenCache(): void {
  managers.clear();
}
