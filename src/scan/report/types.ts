import type { Finding } from "../finding.js";
import type { FileSpan } from "./frame.js";

/** What a report says about one rule (a secret rule, an advisory, an imported tool's rule). */
export interface RuleInfo {
  /** The `Finding.tool` this rule belongs to. */
  tool: string;
  id: string;
  /** A PascalCase-ish name; SARIF `rule.name`. */
  name?: string;
  shortDescription: string;
  fullDescription?: string;
  /** Plain-text help: what to do about a finding of this rule. */
  help?: string;
  helpMarkdown?: string;
  helpUri?: string;
  tags?: string[];
  /** SARIF precision: very-high | high | medium | low. */
  precision?: "very-high" | "high" | "medium" | "low";
  /** A 0.0–10.0 score (CVSS base score for advisories); SARIF `security-severity`. */
  securitySeverity?: number;
}

/** Who produced the findings of one tool; becomes a SARIF run's `tool.driver`. */
export interface ToolInfo {
  /** The `Finding.tool` value. */
  name: string;
  /** The driver name shown by GitHub; defaults to `sluice-<name>` for our own tools. */
  driverName?: string;
  version?: string;
  informationUri?: string;
}

/** Scan facts reported next to the findings (snapshot id, counts of skipped files, timings). */
type ScanMetadata = Record<string, unknown>;

/** The input of every formatter. */
export interface ReportInput {
  findings: Finding[];
  /** Rule descriptions; rules missing here are derived from their findings. */
  rules?: RuleInfo[];
  tools?: ToolInfo[];
  metadata?: ScanMetadata;
  /**
   * Findings left out of the report (accepted by a baseline): not listed, but their secrets are
   * masked wherever a code frame prints their lines.
   */
  suppressed?: Finding[];
  /** Values rules matched that allowlists let through: masked like secrets in code frames. */
  masks?: FileSpan[];
  /** What the reader must know about the scan itself (its rules replaced the built-in ones). One line each. */
  notices?: string[];
}

/** The output formats of `--format`. */
export type ReportFormat = "human" | "json" | "sarif";

export const reportFormats: readonly ReportFormat[] = [
  "human",
  "json",
  "sarif",
];
