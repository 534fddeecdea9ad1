import type * as AgeModule from "age-encryption";
import { AppError, messageOf } from "../kernel/index.js";

/**
 * The envelope encryption of secret values: each value is one age file (age-encryption.org/v1,
 * ASCII-armored) whose random file key is wrapped for every recipient of the project (ADR 097).
 * `age -d -i IDENTITY` opens what this writes, and this opens what `age -r RECIPIENT` writes.
 */

type Age = typeof AgeModule;
let loaded: Promise<Age> | undefined;
/** Loaded on first use: commands that never touch a secret do not pay for the crypto modules. */
const age = (): Promise<Age> => (loaded ??= import("age-encryption"));

/** What a decryption failure is about, for its message: `secret DB_URL (project p, version 3)`. */
export type Subject = string;

/** Encrypts `value` to every recipient; the result is an armored age file. */
export async function encryptValue(
  value: string,
  recipients: readonly string[],
): Promise<string> {
  if (recipients.length === 0)
    throw new AppError("INTERNAL", "a secret needs at least one recipient");
  const { Encrypter, armor } = await age();
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  return armor.encode(await encrypter.encrypt(value));
}

/** Whether the bytes are an age file, binary or armored. */
export function isAgeFile(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 40)).toString("latin1");
  return (
    head.startsWith("age-encryption.org/v1\n") ||
    head.trimStart().startsWith("-----BEGIN AGE ENCRYPTED FILE-----")
  );
}

/**
 * Decrypts an age file (armored text or binary) with the identities. A file not encrypted to any
 * of them and a damaged or altered file are each a one-line AppError naming `subject`; the
 * plaintext of a file that fails its authentication is never returned, not even in part.
 */
export async function decryptValue(
  file: string | Uint8Array,
  identities: readonly string[],
  subject: Subject,
): Promise<string> {
  const { Decrypter, armor } = await age();
  let bytes: Uint8Array;
  try {
    const text =
      typeof file === "string" ? file : Buffer.from(file).toString("latin1");
    bytes = text.trimStart().startsWith("-----BEGIN AGE ENCRYPTED FILE-----")
      ? armor.decode(text)
      : typeof file === "string"
        ? Buffer.from(file, "latin1")
        : file;
  } catch (error) {
    throw damaged(subject, error);
  }
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  let plain: Uint8Array;
  try {
    plain = await decrypter.decrypt(bytes);
  } catch (error) {
    if (/no identity matched/.test(messageOf(error))) {
      const mine = await Promise.all(identities.map(recipientOf));
      throw new AppError(
        "FORBIDDEN",
        `${subject} is not encrypted to your identity (${mine.join(", ")}): ask a recipient to run \`sluice secrets recipients add ${mine[0] ?? "age1…"}\``,
        { cause: error },
      );
    }
    throw damaged(subject, error);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch (error) {
    throw new AppError("CONFIG_INVALID", `${subject} is not UTF-8 text`, {
      cause: error,
    });
  }
}

function damaged(subject: Subject, error: unknown): AppError {
  return new AppError(
    "INTERNAL",
    `${subject} cannot be decrypted: its ciphertext was altered or is damaged (age: ${messageOf(error)})`,
    { cause: error },
  );
}

/** A new X25519 identity (`AGE-SECRET-KEY-1…`). */
export async function newIdentity(): Promise<string> {
  return (await age()).generateX25519Identity();
}

/** The recipient (`age1…`) of an identity. */
export async function recipientOf(identity: string): Promise<string> {
  try {
    const recipient = await (await age()).identityToRecipient(identity);
    return recipient;
  } catch (error) {
    // The library's message may quote the key itself: never shown.
    throw new AppError(
      "INVALID_ARGUMENT",
      "the age identity is not valid (expected AGE-SECRET-KEY-1… as age-keygen writes it)",
      { cause: error },
    );
  }
}

/** Throws a one-line error when `recipient` is not an age recipient this version can encrypt to. */
export async function checkRecipient(recipient: string): Promise<void> {
  const { Encrypter } = await age();
  try {
    new Encrypter().addRecipient(recipient);
  } catch (error) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `${JSON.stringify(recipient.slice(0, 100))} is not an age recipient (age1…): ${messageOf(error)}`,
      { cause: error },
    );
  }
}
