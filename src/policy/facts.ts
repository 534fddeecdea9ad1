/**
 * The facts of a change: what a policy rule may read. Each fact is a CEL variable of the type
 * given here; a rule naming anything else is refused when the policy loads. A fact that is
 * absent from a {@link Facts} record is unknown (no run data, say), never invented.
 */

/** One changed file: its path and its lines added and removed (0 for binary files). */
export interface FileChange {
  path: string;
  added: number;
  removed: number;
}

/** Every fact, as plain JSON values. */
export interface FactValues {
  /** Paths changed by the change. */
  files: string[];
  /** Each changed file with lines added and removed. */
  fileStats: FileChange[];
  filesChanged: number;
  linesAdded: number;
  linesRemoved: number;
  /** linesAdded + linesRemoved. */
  linesChanged: number;
  /** Every changed file is documentation (Markdown, docs/, LICENSE…). */
  docsOnly: boolean;
  /** Every changed file is a test. */
  testsOnly: boolean;
  /** The diff is empty when whitespace and blank lines are ignored. */
  formattingOnly: boolean;
  /** Only lockfiles and version lines of manifests changed. */
  dependencyBumpOnly: boolean;
  /** Changed files that are generated (by path, or by a `Code generated`/`@generated` header). */
  generatedFiles: string[];
  /** Code changed and tests changed too. */
  testsChangedWithCode: boolean;
  /** Code (not docs, tests, generated files or manifests) changed. */
  codeChanged: boolean;
  /** Changed files under the policy's sensitive paths. */
  sensitiveFiles: string[];
  /** Test results of the run. */
  testsPassed: number;
  testsFailed: number;
  /** Scan findings by severity: critical, high, medium, low, info (each present, 0 when none). */
  findings: Record<string, number>;
  /** Scan findings by kind: secret, dependency. */
  findingsByKind: Record<string, number>;
  /** `ai-assisted` or `unmarked` (metrics attribution rules). */
  cohort: string;
  /** The attribution rules that matched (empty when unmarked). */
  aiMarkers: string[];
  /** The author's email. */
  author: string;
  /** The target environment, e.g. `production`. */
  environment: string;
  /** `monday` … `sunday`, in the policy's time zone. */
  weekday: string;
  /** 0–23, in the policy's time zone. */
  hour: number;
  /** A freeze window of the policy is open now. */
  inFreeze: boolean;
  /** The names of the freeze windows open now. */
  freezeWindows: string[];
  /** The change reverts an earlier commit. */
  isRevert: boolean;
  /** Earlier failed runs of the same change. */
  failedRuns: number;
  /** Steps that failed and then passed on a retry in this change's runs. */
  flakySteps: string[];
  /** The risk score, 0–100 (computed from the other facts; see risk.ts). */
  risk: number;
}

export type FactName = keyof FactValues;

/** A change's facts: a fact left out is unknown. */
export type Facts = Partial<FactValues>;

/** The CEL type of each fact and one line on it (docs/policy.md lists the same). */
export const factTypes: Record<FactName, string> = {
  files: "list<string>",
  fileStats: "list<map<string, dyn>>",
  filesChanged: "int",
  linesAdded: "int",
  linesRemoved: "int",
  linesChanged: "int",
  docsOnly: "bool",
  testsOnly: "bool",
  formattingOnly: "bool",
  dependencyBumpOnly: "bool",
  generatedFiles: "list<string>",
  testsChangedWithCode: "bool",
  codeChanged: "bool",
  sensitiveFiles: "list<string>",
  testsPassed: "int",
  testsFailed: "int",
  findings: "map<string, int>",
  findingsByKind: "map<string, int>",
  cohort: "string",
  aiMarkers: "list<string>",
  author: "string",
  environment: "string",
  weekday: "string",
  hour: "int",
  inFreeze: "bool",
  freezeWindows: "list<string>",
  isRevert: "bool",
  failedRuns: "int",
  flakySteps: "list<string>",
  risk: "int",
};

export const factNames = Object.keys(factTypes) as FactName[];

/** The facts a record leaves unknown, in catalogue order. */
export function unknownFacts(facts: Facts): FactName[] {
  return factNames.filter((name) => facts[name] === undefined);
}

/** Severities findings are counted by, most severe first. */
export const severities = ["critical", "high", "medium", "low", "info"];
