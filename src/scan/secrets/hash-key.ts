import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { AppError, messageOf } from "../../kernel/index.js";

/** Where a home keeps the key of its secret hashes, relative to `$SLUICE_HOME`. */
export const hashKeyFileName = "secret-hash.key";

/**
 * The key of the keyed secret hashes (ADR 044): 32 random bytes, hex, in `file` (mode 0600 in a
 * 0700 folder), created on first use. Two processes creating it at once agree: the file is
 * written exclusively and the loser reads the winner's key.
 */
export function loadHashKey(file: string): Buffer {
  const read = (): Buffer | undefined => {
    let text: string;
    try {
      text = readFileSync(file, "utf8").trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw unreadable(file, error);
    }
    if (!/^(?:[0-9a-f]{2}){32,}$/.test(text))
      throw new AppError(
        "CONFIG_INVALID",
        `${file}: not a secret-hash key (64 or more hex digits); remove it to get a new one`,
      );
    return Buffer.from(text, "hex");
  };
  const existing = read();
  if (existing) return existing;
  const key = randomBytes(32);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${key.toString("hex")}\n`, {
      mode: 0o600,
      flag: "wx",
    });
    // The umask may have taken bits off; never more than the owner's.
    chmodSync(file, 0o600);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      const theirs = read();
      if (theirs) return theirs;
    }
    throw unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown): AppError {
  return new AppError(
    "CONFIG_INVALID",
    `${file}: cannot read or create the secret-hash key (${messageOf(error).split("\n")[0]})`,
    { cause: error },
  );
}
