import type { Finding, FindingCommit } from "../finding.js";
import type { BaselineEntry, BaselineFile } from "./baseline.js";
import type { BaselineMatcher, BaselineWriter } from "./baseline.js";
import { redact, secretFingerprint, secretHash } from "./baseline.js";
import type { SkipReason } from "./classify.js";
import type { Confidence } from "./contextual/index.js";
import { confidenceRank } from "./contextual/index.js";
import type { ScanCutOff } from "./runners.js";
import type { TaskResult } from "./protocol.js";
import type { RuleProblem, RuleSpec } from "./rule.js";

/**
 * A secret scan's result, and how each task's result is added to it: its matches become
 * findings (or accepted ones, through the baseline), its allowed values masks, its rule
 * timeouts and skips the scan's.
 */

/** Where a value that a rule matched but an allowlist let through is, and what to print for it. */
interface SecretMask {
  path: string;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  /** The redacted value (whole under `showSecrets`). */
  shown: string;
  commit?: string;
}

export interface ScanStats {
  files: number;
  bytes: number;
  skipped: Partial<Record<SkipReason | "ignored" | "allowlisted", number>>;
  regexRuns: number;
  elapsedMs: number;
}

/** A rule stopped on a file because it ran over its time budget. */
interface ScanTimeout {
  path: string;
  ruleId: string | undefined;
  commit?: string;
}

export interface SecretScanResult {
  /** Findings not accepted by the baseline. */
  findings: Finding[];
  /** Findings the baseline accepted. */
  accepted: Finding[];
  /** Baseline entries that matched no finding. */
  unusedBaseline: BaselineEntry[];
  /** With `recordBaseline`: every finding, as a baseline file. */
  baseline?: BaselineFile;
  /** Rules cut off by the whole scan's budget: their findings after that point are missing. */
  cutOff: ScanCutOff[];
  /**
   * Values that rules matched but an allowlist let through, in files with findings: no
   * findings, but a report masks them where it prints their lines.
   */
  masks: SecretMask[];
  stats: ScanStats;
  timeouts: ScanTimeout[];
  /** Rules that could not compile (skipped), by id. */
  problems: RuleProblem[];
  /** Files that could not be read. */
  errors: { path: string; message: string }[];
  rules: RuleSpec[];
}

/** What adding a task's result needs from the scan. */
export interface Collector {
  result: SecretScanResult;
  /** The scan's rules by id (severity, description, default confidence). */
  byId: Map<string, RuleSpec>;
  hashKey: Uint8Array;
  showSecrets: boolean;
  /** The lowest confidence reported. */
  confidence: Confidence;
  matcher?: BaselineMatcher;
  writer?: BaselineWriter;
}

/** Adds one task's result (a file, or a commit's file) to the scan's result. */
export function collectTask(
  c: Collector,
  path: string,
  r: TaskResult,
  commit?: FindingCommit,
): void {
  const { result } = c;
  const stats = result.stats;
  if (r.error) result.errors.push({ path, message: r.error });
  if (r.skipped) stats.skipped[r.skipped] = (stats.skipped[r.skipped] ?? 0) + 1;
  else if (!r.error) {
    stats.files++;
    stats.bytes += r.bytes;
  }
  stats.regexRuns += r.regexRuns;
  for (const t of r.timeouts)
    result.timeouts.push({
      path,
      ruleId: t.ruleId,
      ...(commit ? { commit: commit.sha } : {}),
    });
  for (const m of r.allowed ?? [])
    result.masks.push({
      path,
      startLine: m.line,
      startColumn: m.column,
      endLine: m.endLine,
      endColumn: m.endColumn,
      shown: c.showSecrets ? m.secret : redact(m.secret),
      ...(commit ? { commit: commit.sha } : {}),
    });
  const seen = new Set<string>();
  const minimum = confidenceRank(c.confidence);
  for (const m of r.matches) {
    const rule = c.byId.get(m.ruleId);
    const confidence = m.confidence ?? rule?.confidence ?? "high";
    if (confidenceRank(confidence) < minimum) continue;
    // Two rules on the same secret at the same place: keep the first (specific rules come first).
    const key = `${m.line}:${m.column}:${m.secret}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const hash = secretHash(m.secret, c.hashKey);
    const shown = c.showSecrets ? m.secret : redact(m.secret);
    const finding: Finding = {
      tool: "secrets",
      ruleId: m.ruleId,
      severity: rule?.severity ?? "high",
      message: `${rule?.description ?? m.ruleId}: ${shown}`,
      location: {
        path,
        startLine: m.line,
        startColumn: m.column,
        endLine: m.endLine,
        endColumn: m.endColumn,
      },
      fingerprint: secretFingerprint(m.ruleId, path, hash),
      properties: {
        redacted: shown,
        secretHash: hash,
        entropy: Number(m.entropy.toFixed(3)),
        confidence,
        // Why a contextual finding fired: the name it matched, in which file syntax.
        ...(m.key !== undefined ? { key: m.key } : {}),
        ...(m.syntax !== undefined ? { syntax: m.syntax } : {}),
        ...(rule?.tags ? { tags: rule.tags } : {}),
        // A composite rule's finding lists the findings that made it (gitleaks
        // `requiredFindings`), redacted like the finding itself.
        ...(m.required
          ? {
              requiredFindings: m.required.map((q) => ({
                ruleId: q.ruleId,
                startLine: q.line,
                startColumn: q.column,
                endLine: q.endLine,
                endColumn: q.endColumn,
                redacted: c.showSecrets ? q.secret : redact(q.secret),
              })),
            }
          : {}),
      },
    };
    if (commit) finding.commit = commit;
    c.writer?.add(m.ruleId, path, m.secret, m.line);
    if (c.matcher?.accepts(m.ruleId, path, m.secret))
      result.accepted.push(finding);
    else result.findings.push(finding);
  }
}
