import type { ScanFindingStore } from "./deps/ports.js";
import type { Finding } from "./finding.js";
import { secretFingerprint, secretHash } from "./secrets/baseline.js";
import { Detector } from "./secrets/detect.js";
import { compileRuleSet } from "./secrets/rule.js";
import type { RuleSpec } from "./secrets/rule.js";
import { defaultAllowlists, defaultRules } from "./secrets/rules/index.js";

/** What a finding made from a step log says it is (`properties.kind`). */
const logFindingKind = "secret in log";

/** A credential found in a log text: the value (for masking), its rule and keyed hash. */
export interface LogCredential {
  value: string;
  ruleId: string;
  hash: string;
}

/**
 * The same rules as `createCredentialFinder` (provider formats; no generic rule, no path-only
 * rule), with each credential's rule and keyed hash so the masked log can report a finding.
 */
function maskable(rule: RuleSpec): boolean {
  return rule.regex !== undefined && !rule.id.startsWith("generic-");
}

/**
 * Finds undeclared credentials in step log text, for the log masker. `hashKey` gives the key of
 * the keyed secret hashes (ADR 044); it is read on the first credential found, not before.
 */
export function createLogCredentialFinder(options: {
  hashKey: () => Uint8Array;
}): { find(text: string): LogCredential[] } {
  let detector: Detector | undefined;
  let key: Uint8Array | undefined;
  return {
    find(text) {
      detector ??= new Detector(
        compileRuleSet(defaultRules.filter(maskable), defaultAllowlists),
      );
      const { matches } = detector.detect({
        path: "",
        data: Buffer.from(text, "utf8"),
      });
      const found = new Map<string, LogCredential>();
      for (const match of matches) {
        if (match.secret.length === 0 || found.has(match.secret)) continue;
        key ??= options.hashKey();
        found.set(match.secret, {
          value: match.secret,
          ruleId: match.ruleId,
          hash: secretHash(match.secret, key),
        });
      }
      return [...found.values()];
    },
  };
}

/** Which step printed the credentials, and where (what the pipeline's step log reports). */
export interface LogFindingsInput {
  runId: string;
  jobKey: string;
  position: number;
  name: string;
  found: {
    ruleId: string;
    line: number;
    stream: string;
    hash?: string | undefined;
  }[];
}

const rulesById = new Map(defaultRules.map((rule) => [rule.id, rule]));

/**
 * The run's findings for credentials a step printed that nobody declared: located in the step's
 * log (`<job>/<position>.log`, the file under the run's folder, and its line), never with a value.
 */
function logFindings(input: LogFindingsInput): Finding[] {
  const path = `${input.jobKey}/${input.position}.log`;
  return input.found.map((f) => {
    const rule = rulesById.get(f.ruleId);
    return {
      tool: "secrets",
      ruleId: f.ruleId,
      severity: rule?.severity ?? "high",
      // The rule's description is long (gitleaks'); the rule id beside it says what was found.
      message: `${logFindingKind}: masked in step "${input.name}" (${f.stream})`,
      location: { path, startLine: f.line },
      fingerprint: secretFingerprint(f.ruleId, path, f.hash ?? ""),
      properties: {
        kind: logFindingKind,
        job: input.jobKey,
        step: input.name,
        position: input.position,
        stream: f.stream,
        ...(f.hash ? { secretHash: f.hash } : {}),
      },
    };
  });
}

/** Records a step log's findings with the run, as one scan of the run's findings store. */
export async function recordLogFindings(
  store: Pick<ScanFindingStore, "saveScan">,
  input: LogFindingsInput,
  deps: { id: string; createdAt: Date },
): Promise<void> {
  const findings = logFindings(input);
  await store.saveScan({
    id: deps.id,
    runId: input.runId,
    jobId: input.jobKey,
    summary: {
      kind: logFindingKind,
      step: input.name,
      position: input.position,
      findings: findings.length,
    },
    findings,
    createdAt: deps.createdAt,
  });
}
