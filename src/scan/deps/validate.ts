import { isRecord } from "./lockfiles/errors.js";
import { baseEcosystem, isScannedEcosystem } from "./osv.js";
import type { OsvAffected, OsvRecord } from "./osv.js";

/** The outcome of checking one OSV document before import. */
export type Checked =
  | { ok: true; record: OsvRecord; droppedEntries: Record<string, number> }
  | { ok: false; reason: string };

const eventKeys = new Set(["introduced", "fixed", "last_affected", "limit"]);

/**
 * Validates an OSV record and keeps only what sluice can match: affected entries of a scanned
 * ecosystem with well-formed ranges. A bad entry is dropped (and counted); a record left with no
 * entry is skipped with a reason. Long text (`details`, references) is not kept.
 */
export function checkRecord(value: unknown): Checked {
  if (!isRecord(value)) return { ok: false, reason: "not an object" };
  if (typeof value.id !== "string" || value.id === "")
    return { ok: false, reason: "no id" };
  if (typeof value.modified !== "string")
    return { ok: false, reason: "no modified time" };
  if (value.affected !== undefined && !Array.isArray(value.affected))
    return { ok: false, reason: "affected is not a list" };
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  };
  const affected: OsvAffected[] = [];
  for (const entry of (value.affected as unknown[] | undefined) ?? []) {
    const problem = entryProblem(entry);
    if (problem) {
      drop(problem);
      continue;
    }
    affected.push(entry as OsvAffected);
  }
  if (affected.length === 0) {
    const reasons = Object.keys(dropped);
    return {
      ok: false,
      reason:
        reasons.length === 1
          ? reasons[0]!
          : reasons.length > 1
            ? "no usable affected entry"
            : "no affected entry",
    };
  }
  // Only what matching and reporting read: the store stays small, so it opens fast.
  const severityLabel = isRecord(value.database_specific)
    ? value.database_specific.severity
    : undefined;
  const record: OsvRecord = {
    id: value.id,
    modified: value.modified,
    ...(typeof value.published === "string"
      ? { published: value.published }
      : {}),
    ...(typeof value.withdrawn === "string"
      ? { withdrawn: value.withdrawn }
      : {}),
    aliases: Array.isArray(value.aliases)
      ? value.aliases.filter((a): a is string => typeof a === "string")
      : [],
    ...(typeof value.summary === "string" ? { summary: value.summary } : {}),
    ...(Array.isArray(value.severity)
      ? { severity: value.severity as OsvRecord["severity"] }
      : {}),
    affected: affected.map((entry) => ({
      package: entry.package!,
      ...(entry.ranges ? { ranges: entry.ranges } : {}),
      ...(entry.versions ? { versions: entry.versions } : {}),
    })),
    ...(typeof severityLabel === "string"
      ? { database_specific: { severity: severityLabel } }
      : {}),
  };
  return { ok: true, record, droppedEntries: dropped };
}

function entryProblem(entry: unknown): string | undefined {
  if (!isRecord(entry)) return "bad affected entry";
  const pkg = entry.package;
  if (
    !isRecord(pkg) ||
    typeof pkg.ecosystem !== "string" ||
    typeof pkg.name !== "string"
  )
    return "affected entry without a package";
  if (!isScannedEcosystem(pkg.ecosystem)) return `unknown ecosystem`;
  if (baseEcosystem(pkg.ecosystem) !== pkg.ecosystem)
    return "unknown ecosystem";
  if (
    entry.versions !== undefined &&
    (!Array.isArray(entry.versions) ||
      entry.versions.some((v) => typeof v !== "string"))
  ) {
    return "bad versions list";
  }
  if (entry.ranges === undefined)
    return entry.versions === undefined ? "no ranges or versions" : undefined;
  if (!Array.isArray(entry.ranges)) return "bad range";
  for (const range of entry.ranges) {
    if (
      !isRecord(range) ||
      !["SEMVER", "ECOSYSTEM", "GIT"].includes(String(range.type))
    )
      return "bad range";
    if (!Array.isArray(range.events) || range.events.length === 0)
      return "bad range";
    let introduced = false;
    let fixed = false;
    let lastAffected = false;
    for (const event of range.events) {
      if (!isRecord(event)) return "bad range";
      const keys = Object.keys(event);
      if (
        keys.length !== 1 ||
        !eventKeys.has(keys[0]!) ||
        typeof event[keys[0]!] !== "string"
      )
        return "bad range";
      if (keys[0] === "introduced") introduced = true;
      if (keys[0] === "fixed") fixed = true;
      if (keys[0] === "last_affected") lastAffected = true;
    }
    // The schema: at least one introduced, and never fixed together with last_affected.
    if (!introduced || (fixed && lastAffected)) return "bad range";
  }
  return undefined;
}
