import type { Severity } from "../finding.js";
import { cvssBaseScore, severityOfLabel, severityOfScore } from "./cvss.js";
import {
  compareSemver,
  isKnownEcosystem,
  isValidVersion,
  orderFor,
} from "./versions/index.js";
import type { VersionOrder } from "./versions/index.js";

/** One OSV event: exactly one of these keys. */
export type OsvEvent =
  | { introduced: string }
  | { fixed: string }
  | { last_affected: string }
  | { limit: string };

interface OsvRange {
  type: "SEMVER" | "ECOSYSTEM" | "GIT";
  repo?: string;
  events: OsvEvent[];
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

/** An OSV record (schema 1.x), the fields sluice reads. */
export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: { type: string; score: string }[];
  affected?: OsvAffected[];
  references?: { type: string; url: string }[];
  database_specific?: Record<string, unknown>;
}

/** The ecosystem of an OSV `package.ecosystem` without its release suffix (`Debian:11` → `Debian`). */
export function baseEcosystem(ecosystem: string): string {
  return ecosystem.split(":")[0]!;
}

/** The name a package is indexed and matched by: PyPI per PEP 503, Packagist lower-case. */
export function normalizePackageName(ecosystem: string, name: string): string {
  switch (baseEcosystem(ecosystem)) {
    case "PyPI":
      return name.toLowerCase().replace(/[-_.]+/g, "-");
    case "Packagist":
    case "crates.io":
      return name.toLowerCase();
    default:
      return name;
  }
}

/** Why a record matched: the affected entry, the range type and the events that decided. */
interface MatchExplanation {
  via: "versions" | "SEMVER" | "ECOSYSTEM";
  /** The deciding events: the `introduced` at or below the version and the bound after it. */
  events: OsvEvent[];
}

/** The result of checking one package version against one record. */
export interface AdvisoryMatch {
  record: OsvRecord;
  explanation: MatchExplanation;
  /** The smallest `fixed` above the installed version among the matching entries. */
  fixedVersion?: string;
}

type Kind = "introduced" | "fixed" | "last_affected" | "limit";

function eventKind(event: OsvEvent): [Kind, string] {
  const [kind, value] = Object.entries(event)[0] as [Kind, string];
  return [kind, value];
}

/**
 * OSV evaluation (schema.md, "Evaluation"): the version is affected by an entry when it is in
 * `versions`, or when walking the range's events in order leaves it inside an
 * introduced…fixed/last_affected span (and under a `limit` when there is one).
 */
export function matchRecord(
  record: OsvRecord,
  ecosystem: string,
  name: string,
  version: string,
): AdvisoryMatch | undefined {
  if (record.withdrawn || version === "" || !isValidVersion(ecosystem, version))
    return undefined;
  const normalized = normalizePackageName(ecosystem, name);
  const order = orderFor(ecosystem);
  let explanation: MatchExplanation | undefined;
  const fixes: string[] = [];
  for (const affected of record.affected ?? []) {
    const pkg = affected.package;
    if (!pkg || baseEcosystem(pkg.ecosystem) !== ecosystem) continue;
    if (normalizePackageName(ecosystem, pkg.name) !== normalized) continue;
    let hit: MatchExplanation | undefined;
    if (
      affected.versions?.some((v) => v === version || order(v, version) === 0)
    ) {
      hit = { via: "versions", events: [] };
    }
    for (const range of affected.ranges ?? []) {
      if (range.type === "GIT") continue;
      const rangeOrder = range.type === "SEMVER" ? compareSemver : order;
      const result = evaluateRange(range, version, rangeOrder);
      if (result) {
        hit ??= { via: range.type, events: result.deciding };
        if (result.fixed) fixes.push(result.fixed);
      }
    }
    explanation ??= hit;
  }
  if (!explanation) return undefined;
  fixes.sort(order);
  return {
    record,
    explanation,
    ...(fixes[0] ? { fixedVersion: fixes[0] } : {}),
  };
}

/** One range: affected or not, the deciding events and the next fix above the version. */
function evaluateRange(
  range: OsvRange,
  version: string,
  order: VersionOrder,
): { deciding: OsvEvent[]; fixed?: string } | undefined {
  const events = range.events.map(eventKind);
  const limits = events.filter(([k]) => k === "limit").map(([, v]) => v);
  if (
    limits.length > 0 &&
    !limits.some((l) => l === "*" || order(version, l) < 0)
  )
    return undefined;
  const sorted = events
    .filter(([k]) => k !== "limit")
    .sort(([, a], [, b]) =>
      a === "0" ? (b === "0" ? 0 : -1) : b === "0" ? 1 : order(a, b),
    );
  let affected = false;
  let introduced: [Kind, string] | undefined;
  let closing: [Kind, string] | undefined;
  for (const [kind, value] of sorted) {
    if (
      kind === "introduced" &&
      (value === "0" || order(version, value) >= 0)
    ) {
      affected = true;
      introduced = [kind, value];
      closing = undefined;
    } else if (kind === "fixed" && order(version, value) >= 0) {
      affected = false;
    } else if (kind === "last_affected" && order(version, value) > 0) {
      affected = false;
    } else if (
      affected &&
      closing === undefined &&
      (kind === "fixed" || kind === "last_affected")
    ) {
      closing = [kind, value];
    }
  }
  if (!affected) return undefined;
  const deciding: OsvEvent[] = [];
  if (introduced) deciding.push({ introduced: introduced[1] });
  if (closing) deciding.push({ [closing[0]]: closing[1] } as OsvEvent);
  return {
    deciding,
    ...(closing?.[0] === "fixed" ? { fixed: closing[1] } : {}),
  };
}

/** A record's severity: the highest CVSS base score it carries, else GitHub's label. */
export function severityOf(record: OsvRecord): {
  severity: Severity;
  score?: number;
  source: string;
} {
  let best: { score: number; source: string } | undefined;
  for (const s of record.severity ?? []) {
    if (s.type !== "CVSS_V3" && s.type !== "CVSS_V4") continue;
    const computed = cvssBaseScore(s.score);
    if (computed && (!best || computed.score > best.score)) {
      best = {
        score: computed.score,
        source: `CVSS ${computed.version}${computed.approximate ? " (approximated)" : ""}`,
      };
    }
  }
  if (best)
    return {
      severity: severityOfScore(best.score),
      score: best.score,
      source: best.source,
    };
  const label = severityOfLabel(record.database_specific?.severity);
  if (label) return { severity: label, source: "database_specific.severity" };
  // No rating at all: treat as medium rather than hide it below a typical --fail-on high.
  return { severity: "medium", source: "unrated" };
}

/** Whether the ecosystem of an affected entry is one sluice scans. */
export function isScannedEcosystem(ecosystem: string): boolean {
  return isKnownEcosystem(baseEcosystem(ecosystem));
}

/** The (ecosystem, normalised name) pairs a record is indexed under. */
export function advisoryIndexKeys(record: OsvRecord): [string, string][] {
  const keys = new Map<string, [string, string]>();
  for (const affected of record.affected ?? []) {
    if (!affected.package) continue;
    const ecosystem = baseEcosystem(affected.package.ecosystem);
    const name = normalizePackageName(ecosystem, affected.package.name);
    keys.set(`${ecosystem}\u0000${name}`, [ecosystem, name]);
  }
  return [...keys.values()];
}
