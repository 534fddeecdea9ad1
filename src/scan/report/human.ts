import { severities } from "../finding.js";
import type { Finding } from "../finding.js";
import { codeFrame, secretSpans } from "./frame.js";
import { countBySeverity, sortFindings } from "./json.js";
import type { ReportInput } from "./types.js";

/** Options of the human report. */
export interface HumanOptions {
  /** Reads a finding's file (repository-relative path) for the code frame; undefined = unreadable. */
  readSource?: (path: string) => string | undefined;
  /** Lines of context above and below the finding in a code frame. */
  contextLines?: number;
}

/**
 * The terminal report: findings grouped by package (dependency findings) or by rule, most severe
 * group first, a code frame where the file is readable, and the counts by severity last.
 * Secrets are masked in every frame: each secret finding's span (and those of the findings left
 * out of the report, `input.suppressed`) is replaced by its `properties.redacted` text (or
 * `****`) wherever it is printed, so no frame shows a secret, its own or a neighbour's.
 */
export function formatHuman(
  input: ReportInput,
  options: HumanOptions = {},
): string {
  const findings = sortFindings(input.findings);
  const out: string[] = [];
  const sources = new Map<string, string[] | undefined>();
  const spans = secretSpans(
    [...findings, ...(input.suppressed ?? [])],
    input.masks,
  );
  const linesOf = (path: string): string[] | undefined => {
    if (!sources.has(path)) {
      const text = options.readSource?.(path);
      sources.set(path, text === undefined ? undefined : text.split(/\r?\n/));
    }
    return sources.get(path);
  };
  for (const [title, group] of groupFindings(findings)) {
    out.push(`${title} (${group.length})`);
    for (const finding of group) {
      out.push(...describe(finding));
      const lines = linesOf(finding.location.path);
      if (lines)
        out.push(
          ...codeFrame(
            finding,
            lines,
            options.contextLines ?? 1,
            spans.get(finding.location.path),
          ),
        );
    }
    out.push("");
  }
  for (const notice of input.notices ?? []) out.push(`note: ${notice}`);
  out.push(summaryLine(findings));
  return `${out.join("\n")}\n`;
}

/** `3 findings: 1 critical, 2 high` or `no findings`. */
export function summaryLine(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings";
  const counts = countBySeverity(findings);
  const parts = [...severities]
    .reverse()
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`);
  return `${findings.length} finding${findings.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

function groupFindings(findings: Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const key = groupTitle(finding);
    const list = groups.get(key) ?? [];
    list.push(finding);
    groups.set(key, list);
  }
  return groups;
}

function groupTitle(finding: Finding): string {
  const p = finding.properties ?? {};
  if (typeof p.package === "string") {
    const version = typeof p.version === "string" ? ` ${p.version}` : "";
    const ecosystem =
      typeof p.ecosystem === "string" ? ` (${p.ecosystem})` : "";
    return `${p.package}${version}${ecosystem}`;
  }
  return `${finding.tool}: ${finding.ruleId}`;
}

function describe(finding: Finding): string[] {
  const { location } = finding;
  const where = `${location.path}:${location.startLine}${location.startColumn ? `:${location.startColumn}` : ""}`;
  const p = finding.properties ?? {};
  const lines = [
    `  ${finding.severity.padEnd(8)} ${where}  ${finding.message}`,
  ];
  const facts: string[] = [];
  if (typeof p.package === "string") facts.push(finding.ruleId);
  if (Array.isArray(p.aliases) && p.aliases.length > 0)
    facts.push(`aka ${p.aliases.join(", ")}`);
  // Dependency messages name the fix already; say it only when they do not.
  if (typeof p.fixedVersion === "string") {
    if (!finding.message.includes(p.fixedVersion))
      facts.push(`fixed in ${p.fixedVersion}`);
  } else if (typeof p.package === "string") facts.push("no fixed version");
  if (Array.isArray(p.dependencyPath) && p.dependencyPath.length > 1) {
    facts.push(`via ${p.dependencyPath.join(" > ")}`);
  }
  // A gitleaks composite rule: the findings of its required rules that made it count.
  if (Array.isArray(p.requiredFindings)) {
    for (const required of p.requiredFindings as {
      ruleId?: unknown;
      startLine?: unknown;
    }[]) {
      facts.push(
        `with ${String(required.ruleId)} at line ${String(required.startLine)}`,
      );
    }
  }
  // A contextual secret finding: why it fired (the name it matched, in which file syntax).
  if (typeof p.syntax === "string")
    facts.push(
      `why: ${typeof p.key === "string" ? `\`${p.key}\`` : "its form"} in ${p.syntax} syntax, ${String(p.confidence)} confidence`,
    );
  if (finding.commit) {
    facts.push(
      `commit ${finding.commit.sha.slice(0, 12)} by ${finding.commit.author} on ${finding.commit.date}`,
    );
  }
  if (facts.length > 0) lines.push(`           ${facts.join(" · ")}`);
  return lines;
}
