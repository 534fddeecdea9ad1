import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";

/**
 * The credential of a request: `Authorization: Bearer <token>` or `X-API-Key: <token>`
 * (the two schemes OFREP providers send). Undefined when neither is present.
 */
export function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1]) return match[1];
  }
  const apiKey = request.headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey.trim() !== "") return apiKey.trim();
  return undefined;
}

/** Compares two secrets in constant time (by their SHA-256, so lengths may differ). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The value of cookie `name` in the request's Cookie header, or undefined. */
export function cookieOf(
  request: FastifyRequest,
  name: string,
): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== "string") return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name)
      return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Query parameters that name a credential: refused on every route, whatever their value. */
const credentialParams = new Set([
  "access_token",
  "api_key",
  "apikey",
  "password",
  "session",
  "token",
]);
/** The shapes of the credentials sluice hands out. */
const credentialShape = /^(sluice_tok\.|sluice_ses\.|sluice_flags_)/;

/**
 * Whether the URL's query carries a credential: a parameter named like one (`token`,
 * `access_token`, ...) or any value shaped like a sluice token, session or flag key. URLs end up
 * in proxy logs, browser history and Referer headers, so such a request is refused, and the
 * answer never repeats the URL. `allowed` names parameters a route takes on purpose (an event
 * stream URL's key-bound `token`, which is no credential on its own).
 */
export function queryCarriesCredential(
  url: string,
  allowed: readonly string[] = [],
): boolean {
  const at = url.indexOf("?");
  if (at < 0) return false;
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
    if (credentialShape.test(value)) return true;
    if (credentialParams.has(name.toLowerCase()) && !allowed.includes(name))
      return true;
  }
  return false;
}
