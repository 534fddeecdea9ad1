import { randomBytes } from "node:crypto";

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A sortable id: a prefix, 10 chars of time (ms, base32) and 8 random chars, e.g. `run_01hq3...`.
 * Sorting ids sorts by creation time, which the CLI listings rely on.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  let time = "";
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(8);
  let rand = "";
  for (const b of bytes) rand += alphabet[b % 32];
  return `${prefix}_${time}${rand}`;
}
