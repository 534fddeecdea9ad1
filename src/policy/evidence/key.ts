// The Ed25519 key that signs evidence: made on first use under $SLUICE_HOME, or given by the team.
import {
  generateKeyPairSync,
  createPrivateKey,
  createPublicKey,
} from "node:crypto";
import type { KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AppError } from "../../kernel/index.js";

export const evidenceKeyFile = "evidence-key.pem";

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Where the key was read from (or made). */
  path: string;
  created: boolean;
}

const codeOf = (error: unknown): string =>
  (error as NodeJS.ErrnoException).code ?? "unreadable";

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `${what} ${path} cannot be read (${codeOf(error)})`,
    );
  }
}

function ed25519(key: KeyObject, path: string, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519")
    throw new AppError(
      "INVALID_ARGUMENT",
      `${what} ${path} is a ${key.asymmetricKeyType ?? "symmetric"} key, not Ed25519`,
    );
  return key;
}

/**
 * The signing key: `path` when given (it must exist and be an Ed25519 private key in PEM), else
 * `<home>/evidence-key.pem`, made (mode 0600) when absent.
 */
export function loadSigningKey(options: {
  home: string;
  path?: string;
}): SigningKey {
  const what = "evidence signing key";
  let path = options.path;
  let created = false;
  if (path === undefined) {
    path = join(options.home, evidenceKeyFile);
    const { privateKey } = generateKeyPairSync("ed25519");
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      // "wx": two first uses at once keep the one key that was written first.
      writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }), {
        flag: "wx",
        mode: 0o600,
      });
      chmodSync(path, 0o600);
      created = true;
    } catch (error) {
      if (codeOf(error) !== "EEXIST")
        throw new AppError(
          "INVALID_ARGUMENT",
          `${what} ${path} cannot be written (${codeOf(error)})`,
        );
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readPem(path, what));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      "INVALID_ARGUMENT",
      `${what} ${path} is not a PEM private key`,
    );
  }
  ed25519(privateKey, path, what);
  return { privateKey, publicKey: createPublicKey(privateKey), path, created };
}

/** A public key to verify with: a PEM public key, or the public half of a PEM private key. */
export function loadPublicKey(path: string): KeyObject {
  const what = "evidence key";
  const pem = readPem(path, what);
  let key: KeyObject;
  try {
    key = pem.includes("PRIVATE KEY")
      ? createPublicKey(createPrivateKey(pem))
      : createPublicKey(pem);
  } catch {
    throw new AppError(
      "INVALID_ARGUMENT",
      `${what} ${path} is not a PEM public or private key`,
    );
  }
  return ed25519(key, path, what);
}
