import { createHash, createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { AppError } from "../../kernel/index.js";

/** Baseline file format written; version 1 files (unsalted hashes) are still read. */
const baselineVersion = 2;

/**
 * A keyed hash of a secret (HMAC-SHA256, hex), the only trace of a secret in a report or the
 * store. The key is not in the report, so a leaked report cannot be used to confirm a guessed
 * secret (ADR 044).
 */
export function secretHash(secret: string, key: Uint8Array): string {
  return createHmac("sha256", key).update(secret, "utf8").digest("hex");
}

/**
 * A finding's fingerprint: rule id + path + keyed hash of the secret, never a line number, so it
 * survives line moves and rebases, and a history finding matches the working-tree one.
 */
export function secretFingerprint(
  ruleId: string,
  path: string,
  hash: string,
): string {
  return createHash("sha256")
    .update(`${ruleId}\u0000${path}\u0000${hash}`)
    .digest("hex")
    .slice(0, 32);
}

/** Redacts a secret to a short prefix: `ghp_…` (never more than a third of it). */
export function redact(secret: string): string {
  const keep = Math.min(4, Math.floor(secret.length / 3));
  return `${secret.slice(0, keep)}…`;
}

/**
 * One accepted secret: its rule, its file and an HMAC of the secret under the file's salt. No
 * line: matching ignores where the secret is in the file.
 */
export interface BaselineEntry {
  ruleId: string;
  path: string;
  /** HMAC-SHA256(file salt, secret), hex (version 2); sha256(secret) in version 1. */
  secretHash: string;
  /** Version 1 only: sha256(rule, path, sha256(secret)). */
  fingerprint?: string;
  /** Where it was when accepted (informational). */
  line?: number;
  reason?: string;
}

export interface BaselineFile {
  version: number;
  tool: "sluice-secrets";
  /** Version 2: random salt (hex) of this file's hashes. */
  salt?: string;
  entries: BaselineEntry[];
}

const entryKey = (ruleId: string, path: string, hash: string): string =>
  `${ruleId}\u0000${path}\u0000${hash}`;

/**
 * Matches findings against a baseline while their secrets are at hand (in the scanner): the
 * baseline holds salted hashes, so a finding, which carries no plaintext, cannot be matched
 * later. Reads both versions: version 1 by its unsalted fingerprints.
 */
export class BaselineMatcher {
  private readonly byKey = new Map<string, BaselineEntry>();
  private readonly used = new Set<BaselineEntry>();
  private readonly salt: Buffer | undefined;

  constructor(private readonly file: BaselineFile) {
    this.salt =
      file.version === 2 ? Buffer.from(file.salt ?? "", "hex") : undefined;
    for (const e of file.entries)
      this.byKey.set(
        this.salt
          ? entryKey(e.ruleId, e.path, e.secretHash)
          : (e.fingerprint ?? ""),
        e,
      );
  }

  /** Is this secret, found by this rule in this file, accepted? */
  accepts(ruleId: string, path: string, secret: string): boolean {
    const key = this.salt
      ? entryKey(ruleId, path, secretHash(secret, this.salt))
      : secretFingerprint(
          ruleId,
          path,
          createHash("sha256").update(secret, "utf8").digest("hex"),
        );
    const entry = this.byKey.get(key);
    if (entry) this.used.add(entry);
    return entry !== undefined;
  }

  /** Entries that matched no finding so far. */
  unused(): BaselineEntry[] {
    return this.file.entries.filter((e) => !this.used.has(e));
  }
}

/** Builds a version 2 baseline as a scan finds secrets; a secret seen twice is kept once. */
export class BaselineWriter {
  private readonly entries = new Map<string, BaselineEntry>();
  private readonly salt: Buffer;

  constructor(salt: Uint8Array = randomBytes(16)) {
    this.salt = Buffer.from(salt);
  }

  add(ruleId: string, path: string, secret: string, line: number): void {
    const hash = secretHash(secret, this.salt);
    const key = entryKey(ruleId, path, hash);
    if (!this.entries.has(key))
      this.entries.set(key, { ruleId, path, secretHash: hash, line });
  }

  file(): BaselineFile {
    return {
      version: baselineVersion,
      tool: "sluice-secrets",
      salt: this.salt.toString("hex"),
      entries: [...this.entries.values()].sort(
        (a, b) =>
          a.path.localeCompare(b.path) ||
          (a.line ?? 0) - (b.line ?? 0) ||
          a.ruleId.localeCompare(b.ruleId),
      ),
    };
  }
}

/** Reads a baseline file; another version or a malformed file is a CONFIG_INVALID error. */
export function readBaseline(file: string): BaselineFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: not a sluice baseline (${(error as Error).message.split("\n")[0]})`,
      {
        cause: error,
      },
    );
  }
  const doc = raw as Partial<BaselineFile>;
  if (typeof doc !== "object" || doc === null || doc.tool !== "sluice-secrets")
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: not a sluice secrets baseline (no "tool": "sluice-secrets")`,
    );
  if (doc.version !== 1 && doc.version !== 2)
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: baseline format version ${JSON.stringify(doc.version)} is not supported (this sluice reads versions 1 and 2); write a new one with --write-baseline`,
    );
  if (
    doc.version === 2 &&
    (typeof doc.salt !== "string" || !/^(?:[0-9a-f]{2}){8,}$/.test(doc.salt))
  )
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: a version 2 baseline needs its "salt" (hex); write a new one with --write-baseline`,
    );
  const field = doc.version === 1 ? "fingerprint" : "secretHash";
  if (
    !Array.isArray(doc.entries) ||
    doc.entries.some(
      (e) =>
        typeof e?.[field] !== "string" ||
        typeof e.ruleId !== "string" ||
        typeof e.path !== "string",
    )
  )
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: baseline entries are malformed (each needs ruleId, path and ${field})`,
    );
  return doc as BaselineFile;
}
