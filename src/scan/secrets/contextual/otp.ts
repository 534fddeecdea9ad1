import type { ContextHit, ContextInput } from "./types.js";
import { valueConfidence } from "./values.js";
import { allLines, hitWindows } from "./windows.js";

/**
 * One-time-password seeds (TOTP/HOTP, RFC 4226/6238): whoever holds one generates the second
 * factor. A seed is base32 (RFC 4648: `A-Z2-7`, `=` padding), which alone says nothing (any
 * upper-case run of letters and digits 2–7 is base32), so it is found by its context:
 * - a line that is only a seed, in a file named for one-time passwords (name tokens `otp`,
 *   `totp`, `hotp`, `2fa`, `mfa`, `authenticator`, as in `otp_2fa`, `totp-seeds.txt`,
 *   `.google_authenticator`): `medium`;
 * - the `secret` of an `otpauth://totp/…?secret=…` or `otpauth://hotp/…` URI (Google
 *   Authenticator's key URI format, the payload of every enrolment QR code), anywhere: the
 *   confidence of the value.
 * Backup and recovery codes are not seeds (8 digits, `xxxxx-xxxxx` in hex): their files are not
 * read here.
 */

/** A file named for one-time passwords: a name token, separated by `.`, `_`, `-`, space. */
export const otpSeedFilePath = String.raw`(?:^|[^A-Za-z0-9])(?i:otp|totp|hotp|2fa|mfa|authenticator)(?:[^A-Za-z0-9/][^/]*)?$`;

export const otpauthKeywords = ["otpauth://"];

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The bytes a base32 string encodes (upper case, no padding). */
function base32Bytes(value: string): number[] {
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const c of value) {
    acc = (acc << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return out;
}

const isAlnum = (b: number): boolean =>
  (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122);

/**
 * A seed is random bytes: one that encodes text (RFC 6238's test key `12345678901234567890`,
 * `Hello!…` of the key URI format's example) or opens with five ASCII letters or digits (one
 * random seed in about 1,200 does) is a test vector or a sample, not a key.
 */
function encodesText(value: string): boolean {
  const bytes = base32Bytes(value);
  return (
    bytes.slice(0, 5).every(isAlnum) || bytes.every((b) => b >= 32 && b < 127)
  );
}

/**
 * A base32 seed of `min`–`max` characters before its padding (`=` up to a multiple of 8), that
 * passes the value filter (placeholders, `EXAMPLE`, `TEST`) and does not encode text.
 */
function seedConfidence(
  value: string,
  max: number,
): ReturnType<typeof valueConfidence> {
  const m = /^([A-Z2-7]{16,})(=*)$/.exec(value);
  if (!m || m[1]!.length > max) return undefined;
  if (m[2] && (m[2].length > 6 || value.length % 8 !== 0)) return undefined;
  if (encodesText(m[1]!)) return undefined;
  return valueConfidence(m[1]!, { quoted: true, code: false });
}

/** Lines that are only a base32 seed (16–64 characters, letters and digits), in an OTP file. */
export function detectOtpSeedFiles(input: ContextInput): ContextHit[] {
  const { text, name } = input;
  const out: ContextHit[] = [];
  for (const [from, to] of allLines(text)) {
    // Cheap first: a seed line is short and opens with a base32 character.
    if (to - from < 16 || to - from > 100) continue;
    const line = text.slice(from, to);
    const value = line.trim();
    if (!/[A-Z]/.test(value) || !/[2-7]/.test(value)) continue;
    const c = seedConfidence(value, 64);
    if (!c || c === "low") continue;
    const at = from + line.indexOf(value);
    out.push({
      start: at,
      end: at + value.length,
      confidence: "medium",
      key: `OTP seed (file named ${name})`,
    });
  }
  return out;
}

const otpauthUri =
  /otpauth:\/\/([th]otp)\/[^\s?#"'<>]*\?(?:[^\s#"'<>&]*&)*?secret=([A-Za-z2-7]+(?:=|%3[Dd])*)(?=[&#\s"'<>)\]]|$)/gi;

/** The `secret` of an `otpauth://totp/…` or `…/hotp/…` URI: one case, up to 128 characters. */
export function detectOtpauthUris(input: ContextInput): ContextHit[] {
  const { text } = input;
  const out: ContextHit[] = [];
  for (const [from, to] of hitWindows(text, input.hits, 0, 1000)) {
    const win = text.slice(from, to);
    otpauthUri.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = otpauthUri.exec(win)) !== null) {
      const raw = m[2]!;
      const value = raw.replace(/%3d/gi, "=");
      // Base32 is one case; mixed case is another encoding.
      if (value !== value.toUpperCase() && value !== value.toLowerCase())
        continue;
      const c = seedConfidence(value.toUpperCase(), 128);
      if (!c) continue;
      const at = from + m.index + m[0].length - raw.length;
      out.push({
        start: at,
        end: at + raw.length,
        confidence: c,
        key: `otpauth://${m[1]!.toLowerCase()} URI secret`,
      });
    }
  }
  return out;
}
