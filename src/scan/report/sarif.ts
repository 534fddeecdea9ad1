import { severityRank } from "../finding.js";
import type { Finding, Severity } from "../finding.js";
import { sarifSchemaUri } from "../sarif/types.js";
import type {
  SarifInvocation,
  SarifLevel,
  SarifLocation,
  SarifLog,
  SarifResult,
  SarifRule,
  SarifRun,
} from "../sarif/types.js";
import { sortFindings } from "./json.js";
import type { ReportInput, RuleInfo, ToolInfo } from "./types.js";

/** The version our own drivers report when the caller names none. */
const defaultToolVersion = "0.1.0";

/** SARIF level of a severity: GitHub shows error/warning/note. */
export function levelOf(severity: Severity): SarifLevel {
  if (severityRank(severity) >= severityRank("high")) return "error";
  if (severity === "medium") return "warning";
  return "note";
}

/**
 * A representative 0–10 score per severity, used for `security-severity` when a finding has no
 * CVSS score of its own. GitHub maps >= 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
 */
const scoreOf: Record<Severity, number | undefined> = {
  critical: 9.5,
  high: 8.0,
  medium: 5.5,
  low: 2.0,
  info: undefined,
};

/** The 0–10 score of one finding: its own `properties.cvssScore` when present, else by severity. */
function securityScore(finding: Finding): number | undefined {
  const own = finding.properties?.cvssScore;
  if (typeof own === "number" && Number.isFinite(own) && own > 0) return own;
  return scoreOf[finding.severity];
}

/**
 * SARIF 2.1.0 for a set of findings: one run per tool (GitHub rejects several runs sharing a tool
 * and category), each with a distinct `automationDetails.id`, rules carrying short and full
 * descriptions and help (GH2012), `security-severity`, and `partialFingerprints` from the
 * finding's content fingerprint so alerts survive line moves.
 */
export function toSarif(input: ReportInput): SarifLog {
  const byTool = new Map<string, Finding[]>();
  for (const tool of input.tools ?? []) byTool.set(tool.name, []);
  for (const finding of sortFindings(input.findings)) {
    const list = byTool.get(finding.tool) ?? [];
    list.push(finding);
    byTool.set(finding.tool, list);
  }
  const runs: SarifRun[] = [];
  for (const [tool, findings] of byTool) {
    const info = input.tools?.find((t) => t.name === tool) ?? { name: tool };
    const run = buildRun(info, findings, input.rules ?? []);
    if (input.notices?.length) run.properties = { notices: input.notices };
    const invocation = invocationOf(input.metadata);
    if (invocation) run.invocations = [invocation];
    runs.push(run);
  }
  return { $schema: sarifSchemaUri, version: "2.1.0", runs };
}

const str = (v: unknown): string =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : "(unknown)";

const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v)
    ? v.filter(
        (x): x is Record<string, unknown> => !!x && typeof x === "object",
      )
    : [];

/**
 * The run's invocation (SARIF §3.20) from a scan's metadata: a scan that says whether it is
 * `incomplete` gets `executionSuccessful`, and each reason it is incomplete (a file not scanned,
 * a rule that could not compile, a rule stopped on a file or cut off) becomes an error-level
 * notification, in the words of the CLI's own lines. Reports without the flag get none.
 */
function invocationOf(
  metadata: Record<string, unknown> | undefined,
): SarifInvocation | undefined {
  if (typeof metadata?.incomplete !== "boolean") return undefined;
  const texts = [
    ...list(metadata.errors).map(
      (e) => `${str(e.path)} not scanned: ${str(e.message)}`,
    ),
    ...list(metadata.ruleProblems).map(
      (p) => `rule ${str(p.ruleId)} skipped: ${str(p.message)}`,
    ),
    ...list(metadata.timeouts).map(
      (t) =>
        `rule ${str(t.ruleId)} stopped on ${str(t.path)}: over its time budget (its findings there are missing)`,
    ),
    ...list(metadata.cutOff).map(
      (c) =>
        `rule ${str(c.ruleId)} cut off for the rest of the scan after ${str(c.timeouts)} files over budget`,
    ),
  ];
  if (!metadata.incomplete) return { executionSuccessful: true };
  return {
    executionSuccessful: false,
    toolExecutionNotifications: (texts.length > 0
      ? texts
      : ["the scan is incomplete"]
    ).map((text) => ({ level: "error" as const, message: { text } })),
  };
}

/** The SARIF document as text, ready for a file or stdout. */
export function formatSarif(input: ReportInput): string {
  return `${JSON.stringify(toSarif(input), null, 2)}\n`;
}

function buildRun(
  tool: ToolInfo,
  findings: Finding[],
  known: RuleInfo[],
): SarifRun {
  const ruleIndex = new Map<string, number>();
  const rules: SarifRule[] = [];
  const results: SarifResult[] = [];
  for (const finding of findings) {
    let index = ruleIndex.get(finding.ruleId);
    if (index === undefined) {
      const info = known.find(
        (r) => r.tool === finding.tool && r.id === finding.ruleId,
      );
      const sameRule = findings.filter((f) => f.ruleId === finding.ruleId);
      index = rules.length;
      ruleIndex.set(finding.ruleId, index);
      rules.push(buildRule(finding.ruleId, info, sameRule));
    }
    results.push(buildResult(finding, index));
  }
  const driverName =
    tool.driverName ??
    (isOwnTool(tool.name) ? `sluice-${tool.name}` : tool.name);
  const version =
    tool.version ?? (isOwnTool(tool.name) ? defaultToolVersion : undefined);
  return {
    tool: {
      driver: {
        name: driverName,
        ...(version
          ? { version, semanticVersion: version.replace(/^v/, "") }
          : {}),
        ...(tool.informationUri ? { informationUri: tool.informationUri } : {}),
        rules,
      },
    },
    automationDetails: { id: `sluice/${tool.name}/` },
    results,
  };
}

function isOwnTool(name: string): boolean {
  return name === "secrets" || name === "deps";
}

function buildRule(
  id: string,
  info: RuleInfo | undefined,
  findings: Finding[],
): SarifRule {
  const worst = findings.reduce<Severity>(
    (acc, f) =>
      severityRank(f.severity) > severityRank(acc) ? f.severity : acc,
    "info",
  );
  const scores = findings
    .map(securityScore)
    .filter((s): s is number => s !== undefined);
  const score =
    info?.securitySeverity ??
    (scores.length > 0 ? Math.max(...scores) : undefined);
  const first = findings[0];
  const short = info?.shortDescription ?? firstSentence(first?.message ?? id);
  const full =
    info?.fullDescription ?? info?.shortDescription ?? first?.message ?? id;
  const helpText =
    info?.help ??
    (first?.tool === "deps"
      ? "Upgrade the package to a fixed version, or record why it is not exploitable here."
      : "Review the finding and fix it, or suppress it with a recorded reason.");
  const properties: Record<string, unknown> = {
    tags: info?.tags ?? ["security", first?.tool ?? "scan"],
    ...(info?.precision ? { precision: info.precision } : {}),
    ...(score !== undefined ? { "security-severity": score.toFixed(1) } : {}),
  };
  return {
    id,
    ...(info?.name ? { name: info.name } : {}),
    shortDescription: { text: short },
    fullDescription: { text: full },
    help: {
      text: helpText,
      ...(info?.helpMarkdown ? { markdown: info.helpMarkdown } : {}),
    },
    ...(info?.helpUri ? { helpUri: info.helpUri } : {}),
    defaultConfiguration: { level: levelOf(worst) },
    properties,
  };
}

function buildResult(finding: Finding, ruleIndex: number): SarifResult {
  const { location } = finding;
  const region: Record<string, number> = {
    startLine: Math.max(1, location.startLine),
  };
  if (location.startColumn !== undefined && location.startColumn >= 1) {
    region.startColumn = location.startColumn;
  }
  if (location.endLine !== undefined && location.endLine >= region.startLine!) {
    region.endLine = location.endLine;
  }
  if (location.endColumn !== undefined && location.endColumn >= 1) {
    region.endColumn = location.endColumn;
  }
  const locations: SarifLocation[] = [
    {
      physicalLocation: {
        artifactLocation: { uri: toUri(location.path), uriBaseId: "%SRCROOT%" },
        region,
      },
    },
  ];
  const partialFingerprints: Record<string, string> = {
    "sluiceFingerprint/v1": finding.fingerprint,
  };
  const secretHash = finding.properties?.secretHash;
  if (typeof secretHash === "string")
    partialFingerprints["secretHash/v1"] = secretHash;
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: levelOf(finding.severity),
    message: { text: finding.message },
    locations,
    partialFingerprints,
    properties: {
      severity: finding.severity,
      ...(finding.commit ? { commit: finding.commit } : {}),
      ...finding.properties,
    },
  };
}

/** A repository-relative path as a relative URI reference (`/` separators, percent-encoded). */
function toUri(path: string): string {
  return path
    .replace(/\\/g, "/")
    .replace(/^\.\//, "")
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

function firstSentence(text: string): string {
  const line = text.split("\n")[0] ?? text;
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
