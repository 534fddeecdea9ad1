import { createHmac, timingSafeEqual } from "node:crypto";

/** Constant-time comparison of two hex strings (false on any length or format mismatch). */
function sameHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]+$/i.test(a) || a.length !== b.length) return false;
  return timingSafeEqual(
    Buffer.from(a.toLowerCase(), "hex"),
    Buffer.from(b.toLowerCase(), "hex"),
  );
}

/** GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, checked in constant time. */
export function verifyGithubSignature(
  secret: string | undefined,
  rawBody: string | Buffer,
  header: string | undefined,
): boolean {
  if (!secret || !header || !header.startsWith("sha256=")) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest("hex");
  return sameHex(header.slice("sha256=".length), expected);
}

/** PagerDuty's `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` (several during secret rotation; any may match). */
export function verifyPagerDutySignature(
  secret: string | undefined,
  rawBody: string | Buffer,
  header: string | undefined,
): boolean {
  if (!secret || !header) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest("hex");
  return header
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("v1="))
    .some((s) => sameHex(s.slice(3), expected));
}
