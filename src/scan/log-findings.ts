import type { ScanFindingStore } from "./deps/ports.js";
import type { Finding } from "./finding.js";
import { secretFingerprint } from "./secrets/baseline.js";
import { defaultRules } from "./secrets/rules/index.js";

/** What a finding made from a step log says it is (`properties.kind`). */
const logFindingKind = "secret in log";

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
