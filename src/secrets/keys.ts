import {
  constants,
  openSync,
  readFileSync,
  statSync,
  writeSync,
  closeSync,
} from "node:fs";
import { AppError, messageOf } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import { newIdentity, recipientOf } from "./vault.js";

/**
 * Where the identity that decrypts comes from. The default is a key file in `$SLUICE_HOME`; a team
 * can put a KMS-style source behind the same interface (ADR 097).
 */
export interface KeySource {
  /** The identities (`AGE-SECRET-KEY-1…`) that decrypt; the first one is this user's own. */
  identities(): Promise<string[]>;
  /**
   * This user's recipient, making the identity first when the source can (the key file).
   * `created` is the path of a key file made just now: its owner must back it up.
   */
  ensure(): Promise<{ recipient: string; created?: string }>;
}

/** The identity given as text (`SLUICE_AGE_IDENTITY=AGE-SECRET-KEY-1…`). */
function literalKeySource(identity: string): KeySource {
  const identities = async () => {
    const keys = parseIdentities(identity, "SLUICE_AGE_IDENTITY");
    for (const key of keys) await recipientOf(key);
    return keys;
  };
  return {
    identities,
    async ensure() {
      const [own] = await identities();
      return { recipient: await recipientOf(own ?? "") };
    },
  };
}

/**
 * An age identity file (the format `age-keygen` writes). With `create`, a missing file is made on
 * first `ensure()` with mode 0600; a file others can read or write is refused, as ssh refuses a
 * private key with loose permissions.
 */
function fileKeySource(
  path: string,
  options: { create: boolean; clock: Clock },
): KeySource {
  const read = (): string[] | undefined => {
    let text: string;
    try {
      const mode = statSync(path).mode;
      if (process.platform !== "win32" && (mode & 0o077) !== 0)
        throw new AppError(
          "FORBIDDEN",
          `the age identity file ${path} is accessible by other users (mode ${(mode & 0o777).toString(8).padStart(4, "0")}): run \`chmod 600 ${path}\`; it is ignored until then, as ssh ignores such a key`,
        );
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      if (error instanceof AppError) throw error;
      throw new AppError(
        "FORBIDDEN",
        `cannot read the age identity file ${path}: ${messageOf(error)}`,
        { cause: error },
      );
    }
    return parseIdentities(text, path);
  };
  const missing = () =>
    new AppError(
      "NOT_FOUND",
      `no age identity: ${path} does not exist; set SLUICE_AGE_IDENTITY (an AGE-SECRET-KEY-1… or a key file), or run \`sluice secrets set\` once to create one`,
    );
  return {
    async identities() {
      const keys = read();
      if (!keys) throw missing();
      for (const key of keys) await recipientOf(key);
      return keys;
    },
    async ensure() {
      const keys = read();
      if (keys) return { recipient: await recipientOf(keys[0] ?? "") };
      if (!options.create) throw missing();
      const identity = await newIdentity();
      const recipient = await recipientOf(identity);
      const created = new Date(options.clock.now()).toISOString();
      let fd: number;
      try {
        // O_EXCL: two commands creating the key at once never overwrite each other's.
        fd = openSync(
          path,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
          0o600,
        );
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST")
          return { recipient: await recipientOf(read()?.[0] ?? "") };
        throw new AppError(
          "STORE_UNAVAILABLE",
          `cannot create the age identity file ${path}: ${messageOf(error)}`,
          { cause: error },
        );
      }
      try {
        writeSync(
          fd,
          `# created: ${created}\n# public key: ${recipient}\n${identity}\n`,
        );
      } finally {
        closeSync(fd);
      }
      return { recipient, created: path };
    },
  };
}

/** The `AGE-SECRET-KEY-1…` lines of an identity file; comments and blank lines are skipped. */
function parseIdentities(text: string, origin: string): string[] {
  const keys: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!line.startsWith("AGE-SECRET-KEY-"))
      throw new AppError(
        "CONFIG_INVALID",
        `${origin}${origin === "SLUICE_AGE_IDENTITY" ? "" : `:${index + 1}`}: not an age identity (expected AGE-SECRET-KEY-1…)`,
      );
    keys.push(line);
  }
  if (keys.length === 0)
    throw new AppError("CONFIG_INVALID", `${origin}: no age identity in it`);
  return keys;
}

/**
 * The key source from `SLUICE_AGE_IDENTITY` (an identity, or the path of an identity file) or,
 * when unset, the key file `defaultFile` in `$SLUICE_HOME`, made on first use.
 */
export function keySourceFrom(
  setting: string | undefined,
  defaultFile: string,
  clock: Clock,
): KeySource {
  if (setting?.trim().startsWith("AGE-SECRET-KEY-"))
    return literalKeySource(setting);
  if (setting) return fileKeySource(setting, { create: false, clock });
  return fileKeySource(defaultFile, { create: true, clock });
}
