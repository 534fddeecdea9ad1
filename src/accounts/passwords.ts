import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { ScryptOptions } from "node:crypto";
import { AppError } from "../kernel/index.js";

/** scrypt's cost parameters, stored with each hash so they can be raised later. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** OWASP's scrypt minimum (N=2^17, r=8, p=1 takes 128 MiB); 2^15 keeps a login near 100 ms here. */
const defaultScryptParams: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const keyLength = 32;

function derive(
  password: string,
  salt: Buffer,
  params: ScryptParams,
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is exactly N=2^15, r=8.
    maxmem: 256 * params.N * params.r,
  };
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/**
 * A password's stored form: `scrypt$N$r$p$salt$hash` (salt and hash base64url, a fresh 16-byte
 * salt per password). The password itself is never stored.
 */
export async function hashPassword(
  password: string,
  params: ScryptParams = defaultScryptParams,
): Promise<string> {
  checkPassword(password);
  const salt = randomBytes(16);
  const hash = await derive(password, salt, params);
  return [
    "scrypt",
    params.N,
    params.r,
    params.p,
    salt.toString("base64url"),
    hash.toString("base64url"),
  ].join("$");
}

/** Whether `password` matches a stored hash, with the parameters stored beside it. */
export async function verifyPassword(
  password: string,
  stored: string,
): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await derive(password, Buffer.from(salt, "base64url"), {
    N: Number(N),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A password sluice accepts: 12 to 1024 characters (long passphrases welcome, none empty). */
function checkPassword(password: string): void {
  if (password.length < 12)
    throw new AppError(
      "INVALID_ARGUMENT",
      "a password needs at least 12 characters",
    );
  if (password.length > 1024)
    throw new AppError(
      "INVALID_ARGUMENT",
      "a password has at most 1024 characters",
    );
}
