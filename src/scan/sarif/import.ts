import { createHash } from "node:crypto";
import { AppError } from "../../kernel/index.js";
import type { Finding, Severity } from "../finding.js";
import type { RuleInfo, ToolInfo } from "../report/index.js";
import type {
  SarifLevel,
  SarifLog,
  SarifResult,
  SarifRule,
  SarifRun,
} from "./types.js";

/** Findings read from a SARIF log, with the rules and tools to re-emit them faithfully. */
export interface ImportedSarif {
  findings: Finding[];
  rules: RuleInfo[];
  tools: ToolInfo[];
  /** Problems that did not stop the import (a result without a location, startLine 0, an rtm.5 log). */
  warnings: string[];
}

function invalid(source: string, why: string): AppError {
  return new AppError(
    "CONFIG_INVALID",
    `${source}: not a SARIF 2.1.0 log: ${why}`,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks the structure sluice relies on; returns the log typed, or throws CONFIG_INVALID naming the file. */
function validateSarif(
  value: unknown,
  source: string,
): { log: SarifLog; warnings: string[] } {
  const warnings: string[] = [];
  if (!isObject(value)) throw invalid(source, "the document is not an object");
  if (value.version !== "2.1.0")
    throw invalid(
      source,
      `version is ${JSON.stringify(value.version)}, expected "2.1.0"`,
    );
  if (typeof value.$schema === "string" && /rtm\.\d/.test(value.$schema)) {
    warnings.push(
      `${source}: uses a pre-release SARIF schema (${value.$schema}); re-emitted with the final 2.1.0 schema`,
    );
  }
  if (!Array.isArray(value.runs)) throw invalid(source, "runs is not a list");
  value.runs.forEach((run: unknown, r) => {
    if (!isObject(run) || !isObject(run.tool) || !isObject(run.tool.driver))
      throw invalid(source, `runs[${r}] has no tool.driver`);
    if (typeof run.tool.driver.name !== "string" || run.tool.driver.name === "")
      throw invalid(source, `runs[${r}].tool.driver has no name`);
    if (run.results !== undefined && !Array.isArray(run.results))
      throw invalid(source, `runs[${r}].results is not a list`);
    ((run.results as unknown[] | undefined) ?? []).forEach((result, i) => {
      if (!isObject(result) || !isObject(result.message))
        throw invalid(source, `runs[${r}].results[${i}] has no message`);
    });
  });
  return { log: value as unknown as SarifLog, warnings };
}

const levelSeverity: Record<SarifLevel, Severity> = {
  error: "high",
  warning: "medium",
  note: "low",
  none: "info",
};

function scoreSeverity(value: unknown): Severity | undefined {
  const score =
    typeof value === "string"
      ? Number(value)
      : typeof value === "number"
        ? value
        : Number.NaN;
  if (!Number.isFinite(score)) return undefined;
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "info";
}

function ruleOf(run: SarifRun, result: SarifResult): SarifRule | undefined {
  const rules = run.tool.driver.rules ?? [];
  const index = result.ruleIndex ?? result.rule?.index;
  if (index !== undefined && rules[index]) return rules[index];
  const id = result.ruleId ?? result.rule?.id;
  return rules.find((r) => r.id === id);
}

function messageText(
  run: SarifRun,
  result: SarifResult,
  rule: SarifRule | undefined,
): string {
  if (result.message.text) return result.message.text;
  if (result.message.markdown) return result.message.markdown;
  return rule?.shortDescription?.text ?? rule?.id ?? run.tool.driver.name;
}

function pathOf(uri: string | undefined): string {
  if (!uri) return "";
  let path = uri;
  if (path.startsWith("file://"))
    path = decodeURIComponent(new URL(path).pathname);
  else path = decodeURIComponent(path);
  return path.replace(/^\.\//, "");
}

/**
 * Turns a SARIF log from any tool into findings: severity from `security-severity` (rule or
 * result) else the level; the first physical location; the tool's own partial fingerprint when
 * it has one, else a hash of tool, rule, path and message (stable across line moves).
 */
export function importSarif(value: unknown, source: string): ImportedSarif {
  const { log, warnings } = validateSarif(value, source);
  const findings: Finding[] = [];
  const rules: RuleInfo[] = [];
  const tools: ToolInfo[] = [];
  for (const run of log.runs) {
    const tool = run.tool.driver.name;
    if (!tools.some((t) => t.name === tool)) {
      tools.push({
        name: tool,
        driverName: tool,
        ...(run.tool.driver.semanticVersion || run.tool.driver.version
          ? {
              version: (run.tool.driver.semanticVersion ??
                run.tool.driver.version)!,
            }
          : {}),
        ...(run.tool.driver.informationUri
          ? { informationUri: run.tool.driver.informationUri }
          : {}),
      });
    }
    for (const rule of run.tool.driver.rules ?? []) {
      if (rules.some((r) => r.tool === tool && r.id === rule.id)) continue;
      const short = rule.shortDescription?.text ?? rule.name ?? rule.id;
      const score = Number(rule.properties?.["security-severity"]);
      rules.push({
        tool,
        id: rule.id,
        ...(rule.name ? { name: rule.name } : {}),
        shortDescription: short,
        // GitHub requires a full description (GH2012); ESLint's SARIF has none.
        fullDescription: rule.fullDescription?.text ?? short,
        ...(rule.help?.text ? { help: rule.help.text } : {}),
        ...(rule.help?.markdown ? { helpMarkdown: rule.help.markdown } : {}),
        ...(rule.helpUri ? { helpUri: rule.helpUri } : {}),
        ...(Array.isArray(rule.properties?.tags)
          ? { tags: rule.properties.tags as string[] }
          : {}),
        ...(Number.isFinite(score) && score > 0
          ? { securitySeverity: score }
          : {}),
      });
    }
    (run.results ?? []).forEach((result, i) => {
      const rule = ruleOf(run, result);
      const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id ?? "unknown";
      const severity =
        scoreSeverity(result.properties?.["security-severity"]) ??
        scoreSeverity(rule?.properties?.["security-severity"]) ??
        levelSeverity[
          result.level ?? rule?.defaultConfiguration?.level ?? "warning"
        ];
      const physical = result.locations?.[0]?.physicalLocation;
      const region = physical?.region ?? {};
      const path = pathOf(physical?.artifactLocation?.uri);
      if (!physical)
        warnings.push(
          `${source}: ${tool} result ${i + 1} (${ruleId}) has no file location`,
        );
      let startLine = region.startLine ?? 1;
      if (startLine < 1) {
        warnings.push(
          `${source}: ${tool} result ${i + 1} (${ruleId}) has startLine ${startLine}; using 1`,
        );
        startLine = 1;
      }
      const message = messageText(run, result, rule);
      const own =
        result.partialFingerprints?.["sluiceFingerprint/v1"] ??
        result.partialFingerprints?.primaryLocationLineHash ??
        Object.values(result.fingerprints ?? {})[0];
      const fingerprint =
        own ??
        createHash("sha256")
          .update(`${tool}\u0000${ruleId}\u0000${path}\u0000${message}`)
          .digest("hex")
          .slice(0, 32);
      findings.push({
        tool,
        ruleId,
        severity,
        message,
        location: {
          path,
          startLine,
          ...(region.startColumn && region.startColumn >= 1
            ? { startColumn: region.startColumn }
            : {}),
          ...(region.endLine && region.endLine >= startLine
            ? { endLine: region.endLine }
            : {}),
          ...(region.endColumn && region.endColumn >= 1
            ? { endColumn: region.endColumn }
            : {}),
        },
        fingerprint,
        properties: {
          source,
          ...(result.level ? { level: result.level } : {}),
        },
      });
    });
  }
  return { findings, rules, tools, warnings };
}
