import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

/**
 * What state keeps instead of the root password: a salted scrypt digest, enough to tell in a later diff whether
 * the password changed and useless for recovering it. Format: scrypt$N$r$p$salt$hash (base64url).
 */
const N = 16384;
const R = 8;
const P = 1;
const LEN = 32;

export function digestSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, LEN, { N, r: R, p: P });
  return ["scrypt", N, R, P, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

export function secretMatches(secret: string, digest: string): boolean {
  const [kind, n, r, p, salt, hash] = digest.split("$");
  if (kind !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = scryptSync(secret, Buffer.from(salt, "base64url"), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
