import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Java keystores, JKS (magic 0xFEEDFEED) and JCEKS (0xCECECECE), read as OpenJDK's
 * `JavaKeyStore` / `JceKeyStore` write them: magic, version (1 or 2), entry count, the entries
 * (tag 1 a private key, 2 a trusted certificate, 3 a JCEKS secret key), then a SHA-1 integrity
 * digest over the UTF-16BE password, the words "Mighty Aphrodite" and every byte before it.
 *
 * A keystore is a finding when it holds a private or secret key (protected by a password that
 * cracks offline, as an encrypted PEM key), or when its digest verifies with a well-known
 * password (CredSweeper's JKS scanner tries `""`, `changeit` and `changeme`; sluice adds the
 * Android debug keystore's `android` and a few more): then anyone can read its keys, or add a
 * certificate to a truststore and seal it again. A file without the magic is not a keystore.
 */

/** Passwords tried against the integrity digest. */
const passwords = [
  "changeit",
  "changeme",
  "",
  "android",
  "password",
  "secret",
  "123456",
  "keystore",
];

const magicJks = 0xfeedfeed;
const magicJceks = 0xcececece;
const whitener = Buffer.from("Mighty Aphrodite", "utf8");

/** What a Java keystore holds, as far as its bytes tell. */
export interface JavaKeystore {
  format: "JKS" | "JCEKS";
  /** It holds a private key (tag 1) or a JCEKS secret key (tag 3). */
  hasKey: boolean;
  /** The well-known password its integrity digest verifies with, if any. */
  knownPassword?: string;
}

/** The entries' tags, read until the first secret-key entry (a Java serialized object). */
function entryTags(data: Buffer, version: number, count: number): number[] {
  const tags: number[] = [];
  let at = 12;
  const int = (): number => {
    if (at + 4 > data.length) throw new RangeError("short");
    const v = data.readUInt32BE(at);
    at += 4;
    return v;
  };
  const skip = (n: number): void => {
    if (n < 0 || at + n > data.length) throw new RangeError("short");
    at += n;
  };
  const utf = (): void =>
    skip(data.length >= at + 2 ? data.readUInt16BE(at) + 2 : -1);
  const cert = (): void => {
    if (version === 2) utf(); // certificate type, "X.509"
    skip(int());
  };
  try {
    for (let i = 0; i < Math.min(count, 10_000); i++) {
      const tag = int();
      tags.push(tag);
      if (tag === 3) break;
      utf(); // alias
      skip(8); // creation date
      if (tag === 1) {
        skip(int()); // EncryptedPrivateKeyInfo
        const chain = int();
        for (let c = 0; c < Math.min(chain, 1_000); c++) cert();
      } else if (tag === 2) cert();
      else break;
    }
  } catch {
    // A truncated keystore: the tags read so far stand.
  }
  return tags;
}

function digestVerifies(data: Buffer, password: string): boolean {
  const body = data.subarray(0, data.length - 20);
  const expected = data.subarray(data.length - 20);
  const pw = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++)
    pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  const digest = createHash("sha1")
    .update(pw)
    .update(whitener)
    .update(body)
    .digest();
  return timingSafeEqual(digest, expected);
}

/** The keystore in `data`, or undefined when it is not a JKS or JCEKS keystore. */
export function readJavaKeystore(data: Uint8Array): JavaKeystore | undefined {
  if (data.length < 12 + 20) return undefined;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const magic = buf.readUInt32BE(0);
  const version = buf.readUInt32BE(4);
  if (
    (magic !== magicJks && magic !== magicJceks) ||
    (version !== 1 && version !== 2)
  )
    return undefined;
  const tags = entryTags(buf, version, buf.readUInt32BE(8));
  const knownPassword = passwords.find((p) => digestVerifies(buf, p));
  return {
    format: magic === magicJks ? "JKS" : "JCEKS",
    hasKey: tags.includes(1) || tags.includes(3),
    ...(knownPassword !== undefined ? { knownPassword } : {}),
  };
}

/** Whether a Java keystore is a finding: it holds a key, or opens with a well-known password. */
export function javaKeystoreExposed(data: Uint8Array): boolean | undefined {
  const store = readJavaKeystore(data);
  if (!store) return undefined;
  return store.hasKey || store.knownPassword !== undefined;
}
