import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * PKCS #12 keystores (`.p12`, `.pfx`) that open with a well-known password: Google Cloud
 * service account keys use `notasecret`, and some tools write an empty password. Only the
 * integrity MAC is checked (RFC 7292: PFX → macData), with the password-based key of
 * appendix B.2; nothing is decrypted. A keystore with another password, without a MAC, or that
 * is not PKCS #12 at all does not match.
 */

/** Passwords tried, as BMPString bytes (UTF-16BE plus two zero bytes; empty also as nothing). */
const passwords: Buffer[] = [bmp("notasecret"), bmp(""), Buffer.alloc(0)];

/** A crafted keystore could ask for millions of digests: above this, it is not tried. */
const maxMacIterations = 100_000;

function bmp(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++)
    out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/** MAC digest algorithm OIDs (DER content, hex) → node hash name and block size. */
const digests: Record<string, { hash: string; block: number }> = {
  "2b0e03021a": { hash: "sha1", block: 64 },
  "608648016503040204": { hash: "sha224", block: 64 },
  "608648016503040201": { hash: "sha256", block: 64 },
  "608648016503040202": { hash: "sha384", block: 128 },
  "608648016503040203": { hash: "sha512", block: 128 },
};

interface Tlv {
  tag: number;
  /** Content bytes [start, end). */
  start: number;
  end: number;
}

/** One DER element at `at` (definite lengths only); undefined when it does not fit. */
function tlv(
  data: Uint8Array,
  at: number,
  limit = data.length,
): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = data[at]!;
  let length = data[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + data[start + i]!;
    start += bytes;
  }
  const end = start + length;
  return end <= limit ? { tag, start, end } : undefined;
}

/** The children of a constructed element. */
function children(data: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = tlv(data, at, parent.end);
    if (!child) return undefined;
    out.push(child);
    at = child.end;
  }
  return out;
}

/** RFC 7292 B.2 with ID 3 (MAC key): `u` bytes derived from password and salt. */
function macKey(
  hash: string,
  block: number,
  password: Buffer,
  salt: Uint8Array,
  iterations: number,
): Buffer {
  const fill = (src: Uint8Array): Buffer => {
    if (src.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(block * Math.ceil(src.length / block));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  let a = createHash(hash)
    .update(Buffer.alloc(block, 3))
    .update(fill(salt))
    .update(fill(password))
    .digest();
  for (let i = 1; i < iterations; i++) a = createHash(hash).update(a).digest();
  return a;
}

/**
 * Whether `data` is a PKCS #12 keystore whose MAC verifies with a well-known password;
 * undefined when it is not a keystore this can read (not DER PKCS #12, no MAC, an unknown
 * digest, or more than {@link maxMacIterations} iterations).
 */
export function pkcs12KnownPassword(data: Uint8Array): boolean | undefined {
  const pfx = tlv(data, 0);
  if (!pfx || pfx.tag !== 0x30) return undefined;
  const [version, authSafe, macData] = children(data, pfx) ?? [];
  if (!version || version.tag !== 0x02 || !authSafe || !macData)
    return undefined;
  // authSafe: ContentInfo { data OID, [0] { OCTET STRING } }
  const [, explicit] = children(data, authSafe) ?? [];
  if (!explicit || explicit.tag !== 0xa0) return undefined;
  const [octets] = children(data, explicit) ?? [];
  if (!octets || octets.tag !== 0x04) return undefined;
  // macData: { DigestInfo { AlgorithmIdentifier { OID, … }, OCTET digest }, OCTET salt, INTEGER iterations }
  const [digestInfo, salt, iter] = children(data, macData) ?? [];
  if (!digestInfo || !salt || salt.tag !== 0x04) return undefined;
  const [algorithm, digest] = children(data, digestInfo) ?? [];
  if (!algorithm || !digest || digest.tag !== 0x04) return undefined;
  const [oid] = children(data, algorithm) ?? [];
  if (!oid || oid.tag !== 0x06) return undefined;
  const algo =
    digests[Buffer.from(data.subarray(oid.start, oid.end)).toString("hex")];
  if (!algo) return undefined;
  let iterations = 1;
  if (iter) {
    if (iter.tag !== 0x02 || iter.end - iter.start > 4) return undefined;
    iterations = 0;
    for (let i = iter.start; i < iter.end; i++)
      iterations = iterations * 256 + data[i]!;
  }
  if (iterations < 1 || iterations > maxMacIterations) return undefined;
  const content = data.subarray(octets.start, octets.end);
  const expected = data.subarray(digest.start, digest.end);
  const saltBytes = data.subarray(salt.start, salt.end);
  for (const password of passwords) {
    const key = macKey(algo.hash, algo.block, password, saltBytes, iterations);
    const mac = createHmac(algo.hash, key).update(content).digest();
    if (mac.length === expected.length && timingSafeEqual(mac, expected))
      return true;
  }
  return false;
}
