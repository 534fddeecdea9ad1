import { createHash } from "node:crypto";
import type { Finding } from "../finding.js";
import type { LockfileResult } from "./discover.js";
import { matchRecord, normalizePackageName, severityOf } from "./osv.js";
import type { OsvRecord } from "./osv.js";
import type { LockedPackage } from "./types.js";

/** The packages of some lockfiles, by ecosystem, as the advisory store is queried. */
export function packageKeys(
  lockfiles: LockfileResult[],
): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  for (const file of lockfiles) {
    for (const pkg of file.packages) {
      const set = keys.get(pkg.ecosystem) ?? new Set<string>();
      set.add(normalizePackageName(pkg.ecosystem, pkg.name));
      keys.set(pkg.ecosystem, set);
    }
  }
  return keys;
}

/**
 * Matches every locked package against the records (pure): one finding per package version,
 * lockfile and advisory, with records that alias each other (GHSA ↔ CVE) reported once.
 */
export function matchPackages(
  lockfiles: LockfileResult[],
  records: OsvRecord[],
  snapshotId: string | undefined,
): Finding[] {
  const index = new Map<string, OsvRecord[]>();
  for (const record of records) {
    for (const affected of record.affected ?? []) {
      if (!affected.package) continue;
      const key = `${affected.package.ecosystem}\u0000${normalizePackageName(affected.package.ecosystem, affected.package.name)}`;
      const list = index.get(key) ?? [];
      if (!list.includes(record)) list.push(record);
      index.set(key, list);
    }
  }
  const findings: Finding[] = [];
  for (const file of lockfiles) {
    const done = new Set<string>();
    for (const pkg of file.packages) {
      const candidates = index.get(
        `${pkg.ecosystem}\u0000${normalizePackageName(pkg.ecosystem, pkg.name)}`,
      );
      if (!candidates || pkg.version === "") continue;
      const seenIds = new Set<string>();
      for (const record of candidates) {
        const match = matchRecord(record, pkg.ecosystem, pkg.name, pkg.version);
        if (!match) continue;
        const ids = [record.id, ...(record.aliases ?? [])];
        if (ids.some((id) => seenIds.has(id))) continue;
        ids.forEach((id) => seenIds.add(id));
        const key = `${pkg.name}@${pkg.version}@${record.id}`;
        if (done.has(key)) continue;
        done.add(key);
        findings.push(
          toFinding(
            file.path,
            pkg,
            record,
            match.fixedVersion,
            match.explanation,
            snapshotId,
          ),
        );
      }
    }
  }
  return findings;
}

function toFinding(
  lockfile: string,
  pkg: LockedPackage,
  record: OsvRecord,
  fixedVersion: string | undefined,
  explanation: unknown,
  snapshotId: string | undefined,
): Finding {
  const rating = severityOf(record);
  const summary = record.summary ?? record.aliases?.[0] ?? record.id;
  const fingerprint = createHash("sha256")
    .update(
      `deps/v1\u0000${lockfile}\u0000${pkg.ecosystem}\u0000${pkg.name}\u0000${pkg.version}\u0000${record.id}`,
    )
    .digest("hex")
    .slice(0, 32);
  return {
    tool: "deps",
    ruleId: record.id,
    severity: rating.severity,
    message: `${pkg.name} ${pkg.version}: ${summary}${fixedVersion ? ` (fixed in ${fixedVersion})` : ""}`,
    location: { path: lockfile, startLine: pkg.line ?? 1 },
    fingerprint,
    properties: {
      package: pkg.name,
      version: pkg.version,
      ecosystem: pkg.ecosystem,
      aliases: record.aliases ?? [],
      summary,
      ...(fixedVersion ? { fixedVersion } : {}),
      ...(pkg.path && pkg.path.length > 0 ? { dependencyPath: pkg.path } : {}),
      ...(pkg.direct !== undefined ? { direct: pkg.direct } : {}),
      ...(pkg.groups.length > 0 ? { groups: pkg.groups } : {}),
      ...(rating.score !== undefined ? { cvssScore: rating.score } : {}),
      severitySource: rating.source,
      match: explanation,
      ...(snapshotId ? { snapshot: snapshotId } : {}),
      advisoryUrl: `https://osv.dev/vulnerability/${record.id}`,
    },
  };
}
