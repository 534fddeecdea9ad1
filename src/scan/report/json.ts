import { severities, severityRank } from "../finding.js";
import type { Finding, Severity } from "../finding.js";
import type { ReportInput } from "./types.js";

/** Counts of findings per severity, every severity present (zeros included). */
export function countBySeverity(
  findings: readonly Finding[],
): Record<Severity, number> {
  const counts = Object.fromEntries(severities.map((s) => [s, 0])) as Record<
    Severity,
    number
  >;
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** Findings sorted most severe first, then by tool, path, line and rule: stable output for diffs. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.tool.localeCompare(b.tool) ||
      a.location.path.localeCompare(b.location.path) ||
      a.location.startLine - b.location.startLine ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

/** The JSON report: `{"findings": [...], "scan": {metadata, counts}}`. */
export function formatJson(input: ReportInput): string {
  const findings = sortFindings(input.findings);
  return `${JSON.stringify(
    {
      findings,
      scan: {
        ...input.metadata,
        ...(input.notices?.length ? { notices: input.notices } : {}),
        total: findings.length,
        counts: countBySeverity(findings),
      },
    },
    null,
    2,
  )}\n`;
}
