import type { ContextHit, ContextInput } from "./types.js";

/**
 * JSON Web Keys (RFC 7517) with private material: an object with `"kty"` and a private member,
 * `"d"` (EC, RSA, OKP private exponent or scalar), RSA's `"p"`/`"q"`/`"dp"`/`"dq"`/`"qi"`, or a
 * symmetric (`"kty": "oct"`) key's `"k"`. A public key (`"x"`, `"y"`, `"n"`, `"e"` only) is not
 * reported. The finding runs from the `"kty"` member to the private value, its secret.
 */
export const jwkKeywords = ['"kty"'];

const privateMember =
  /"(d|p|q|dp|dq|qi|k)"\s*:\s*"([A-Za-z0-9_-]{16,}={0,2})"/g;

export function detectJsonWebKeys(input: ContextInput): ContextHit[] {
  const { text } = input;
  const out: ContextHit[] = [];
  for (const hit of input.hits) {
    // The object around the member: members are flat, so the nearest braces bound it.
    const open = text.lastIndexOf("{", hit);
    if (open < 0 || hit - open > 4000) continue;
    const closeAt = text.indexOf("}", hit);
    const close = closeAt < 0 ? text.length : closeAt;
    if (close - hit > 20_000) continue;
    const object = text.slice(open, close);
    if (text.lastIndexOf("}", hit) > open) continue;
    const kty = /"kty"\s*:\s*"([^"\n]{1,20})"/.exec(object)?.[1];
    if (!kty) continue;
    privateMember.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = privateMember.exec(object)) !== null) {
      // `"k"` is the key of a symmetric JWK only.
      if (m[1] === "k" && !/oct/i.test(kty)) continue;
      const valueStart = open + m.index + m[0].length - 1 - m[2]!.length;
      out.push({
        start: hit,
        end: hit + 5,
        endOffset: valueStart + m[2]!.length,
        confidence: "high",
        key: `JWK "${m[1]}" (kty ${kty})`,
        secret: m[2]!,
      });
      break;
    }
  }
  return out;
}
