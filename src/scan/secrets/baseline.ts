import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { AppError } from "../../kernel/index.js";
import type { Finding } from "../finding.js";

/** Baseline file format version; a file of another version is refused with a clear message. */
export const baselineVersion = 1;

/** sha256 of a secret, hex. The only trace of a secret that sluice ever stores. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * A finding's fingerprint: rule id + path + hash of the secret, never a line number, so it
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

/** One accepted finding. */
export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  path: string;
  secretHash: string;
  /** Where it was when accepted (informational; matching ignores it). */
  line?: number;
  reason?: string;
}

export interface BaselineFile {
  version: number;
  tool: "sluice-secrets";
  entries: BaselineEntry[];
}

/** Builds a baseline from findings; duplicates (same fingerprint) are kept once. */
export function buildBaseline(findings: readonly Finding[]): BaselineFile {
  const seen = new Map<string, BaselineEntry>();
  for (const f of findings) {
    if (seen.has(f.fingerprint)) continue;
    seen.set(f.fingerprint, {
      fingerprint: f.fingerprint,
      ruleId: f.ruleId,
      path: f.location.path,
      secretHash: String(f.properties?.secretHash ?? ""),
      line: f.location.startLine,
    });
  }
  return {
    version: baselineVersion,
    tool: "sluice-secrets",
    entries: [...seen.values()],
  };
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
  if (doc.version !== baselineVersion)
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: baseline format version ${JSON.stringify(doc.version)} is not supported (this sluice reads version ${baselineVersion}); write a new one with --write-baseline`,
    );
  if (
    !Array.isArray(doc.entries) ||
    doc.entries.some((e) => typeof e?.fingerprint !== "string")
  )
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: baseline entries are malformed (each needs a fingerprint)`,
    );
  return doc as BaselineFile;
}

/** Splits findings into new ones and baselined ones; also returns entries that matched nothing. */
export function applyBaseline(
  findings: readonly Finding[],
  baseline: BaselineFile,
): { fresh: Finding[]; accepted: Finding[]; unused: BaselineEntry[] } {
  const byFingerprint = new Map(
    baseline.entries.map((e) => [e.fingerprint, e]),
  );
  const used = new Set<string>();
  const fresh: Finding[] = [];
  const accepted: Finding[] = [];
  for (const f of findings) {
    if (byFingerprint.has(f.fingerprint)) {
      used.add(f.fingerprint);
      accepted.push(f);
    } else fresh.push(f);
  }
  return {
    fresh,
    accepted,
    unused: baseline.entries.filter((e) => !used.has(e.fingerprint)),
  };
}
