/** Severity, ordered: a `--fail-on` threshold compares with `severityRank`. */
export type Severity = "info" | "low" | "medium" | "high" | "critical";

export const severities: readonly Severity[] = [
  "info",
  "low",
  "medium",
  "high",
  "critical",
];

/**
 * The one default `--fail-on` of every scan: the pre-commit hook, `sluice scan secrets`, `sluice
 * scan deps` and the `sluice/scan` step (ADR 043). A committed credential is `medium` or above,
 * so it blocks; identifiers and public keys are `low` and show without blocking.
 */
export const defaultFailOn: Severity = "medium";

export function severityRank(severity: Severity): number {
  return severities.indexOf(severity);
}

/** Where a finding is: a file (repository-relative, `/` separators) and a 1-based range. */
interface FindingLocation {
  path: string;
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

/** Git facts of a finding made in history mode. */
export interface FindingCommit {
  sha: string;
  author: string;
  email: string;
  date: string;
  message?: string;
}

/**
 * One scan result, whatever the scanner. `fingerprint` is stable across line moves and rebases
 * (it never contains the secret itself), so baselines and SARIF partialFingerprints use it.
 */
export interface Finding {
  /** `secrets` | `deps` | the tool name of an imported SARIF file. */
  tool: string;
  /** The rule id (secrets) or advisory id (deps). */
  ruleId: string;
  severity: Severity;
  message: string;
  location: FindingLocation;
  fingerprint: string;
  commit?: FindingCommit;
  /** Scanner-specific facts (redacted secret, package, versions, aliases, dependency path...). */
  properties?: Record<string, unknown>;
}
