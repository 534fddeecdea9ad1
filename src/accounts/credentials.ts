import {
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/**
 * The bearer strings sluice hands out: `<prefix>.<id>.<secret>`, the secret 32 random bytes
 * (base64url). Only a SHA-256 of the secret is stored (it is random, so no slow hash is needed);
 * the id finds the row without comparing secrets in SQL.
 */
const tokenPrefix = "sluice_tok";
const sessionPrefix = "sluice_ses";

const idPattern = /^[a-z]{3}_[0-9a-z]{18}$/;
const secretPattern = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedCredential {
  id: string;
  /** The whole bearer string: shown once, never stored. */
  value: string;
  /** What is stored: the SHA-256 of the secret part. */
  secretHash: string;
}

function issue(prefix: string, id: string): IssuedCredential {
  const secret = randomBytes(32).toString("base64url");
  return { id, value: `${prefix}.${id}.${secret}`, secretHash: hashOf(secret) };
}

/** A new API token with the given id. */
export function issueToken(id: string): IssuedCredential {
  return issue(tokenPrefix, id);
}

/** A new session cookie value with the given id. */
export function issueSession(id: string): IssuedCredential {
  return issue(sessionPrefix, id);
}

/** The id and secret of a bearer string of `prefix`'s shape, or undefined (no lookup needed). */
function parse(
  prefix: string,
  value: string,
): { id: string; secret: string } | undefined {
  const parts = value.split(".");
  if (parts.length !== 3 || parts[0] !== prefix) return undefined;
  const [, id, secret] = parts as [string, string, string];
  if (!idPattern.test(id) || !secretPattern.test(secret)) return undefined;
  return { id, secret };
}

export const parseToken = (value: string) => parse(tokenPrefix, value);
export const parseSession = (value: string) => parse(sessionPrefix, value);

/** Whether `value` looks like an API token (so it is never taken for a flag key). */
export function looksLikeToken(value: string): boolean {
  return value.startsWith(`${tokenPrefix}.`);
}

function hashOf(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

/** Whether `secret` is the one whose hash was stored (constant time). */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashOf(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The CSRF token of a session: an HMAC of a fixed label under the session's secret. It is sent
 * to the browser beside the cookie (readable by the page, not by other sites) and must come
 * back in a header on every unsafe request; nothing more is stored.
 */
export function csrfTokenOf(sessionValue: string): string | undefined {
  const parsed = parseSession(sessionValue);
  if (!parsed) return undefined;
  return createHmac("sha256", parsed.secret)
    .update("sluice-csrf")
    .digest("base64url");
}
