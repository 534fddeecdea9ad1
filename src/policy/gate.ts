// The gate in a run (`uses: sluice/gate`): the facts of the run's change computed once, the
// policy's decision recorded with them and signed into the evidence log, and the step's outcome:
// approve → success, deny → failure with the reasons, hold → the run is held (no process waits).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { AppError, messageOf } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import { decide } from "./decide.js";
import type { Decision } from "./decide.js";
import {
  defaultPolicyFile,
  defaultPolicyText,
  defaultPolicyUri,
} from "./default-policy.js";
import { vsaStatement } from "./evidence/index.js";
import type { Statement } from "./evidence/index.js";
import type { Facts } from "./facts.js";
import { gitChangeFacts } from "./git.js";
import { parsePolicy, policyFileName } from "./loader.js";
import type { Policy } from "./loader.js";
import type { GateRecord, GateStore, RequiredApprovals } from "./ports.js";
import { readPolicyText } from "./yaml.js";
import { timeFacts } from "./time.js";

/** Where signed records go (the home's `EvidenceLog`); opened on first use (it loads the key). */
export interface EvidenceSink {
  record(statement: Statement): Promise<unknown>;
}

/** The run as the gate reads it: its change and what its jobs and steps did so far. */
export interface GateRun {
  id: string;
  project: string;
  status: string;
  commit: string | null;
  jobs: {
    key: string;
    status: string;
    steps: { name: string; status: string; attempts: number }[];
  }[];
}

export interface GateDeps {
  store: GateStore;
  runs: {
    getRun(id: string): Promise<GateRun>;
    /** Runs of a project, newest first (for earlier failed runs of the same change). */
    listRuns(filter: {
      project: string;
      limit: number;
    }): Promise<{ id: string; commit: string | null; status: string }[]>;
  };
  /** The scan findings recorded with the run. */
  findings(runId: string): Promise<{ tool: string; severity: string }[]>;
  evidence(): EvidenceSink;
  clock: Pick<Clock, "now">;
  newId(prefix: string): string;
}

/** What the gate step gets (the pipeline's built-in step context, narrowed). */
export interface GateStepContext {
  with: Record<string, unknown>;
  workdir: string;
  runId: string;
  jobKey: string;
  log(line: string): void;
}

export interface GateStepResult {
  status: "success" | "failure" | "held";
  message?: string;
  outputs?: Record<string, string>;
}

/** The command that approves a held run, as printed to people. */
export const approveCommand = (runId: string) => `sluice approve ${runId}`;

/** Checks `with` of `uses: sluice/gate` when sluice.yml loads: `policy` and `environment`, strings. */
export function checkGateStepInput(
  input: Record<string, unknown>,
): string | undefined {
  for (const [key, value] of Object.entries(input)) {
    if (key !== "policy" && key !== "environment")
      return `sluice/gate takes \`policy\` and \`environment\`, not \`${key}\``;
    if (typeof value !== "string" || value === "")
      return `\`${key}\` of sluice/gate must be a non-empty string`;
  }
  return undefined;
}

/** The policy a gate uses: `with.policy` (default `.sluice/policy.yml`), else the default policy. */
function gatePolicy(
  workdir: string,
  given: string | undefined,
): { policy: Policy; text: string; uri: string } {
  const file = given ?? policyFileName;
  const path = isAbsolute(file) ? file : join(workdir, file);
  // The default file may be absent (the golden paths' default policy applies); another may not.
  if (file === policyFileName && !existsSync(path))
    return {
      policy: parsePolicy(defaultPolicyText, defaultPolicyFile),
      text: defaultPolicyText,
      uri: defaultPolicyFile,
    };
  const text = readPolicyText(path);
  return { policy: parsePolicy(text, file), text, uri: file };
}

/** The facts only a run knows: tests, findings, history, flaky steps. */
function runFacts(
  run: GateRun,
  findings: { tool: string; severity: string }[],
  failedRuns: number,
): Facts {
  const tests = run.jobs.filter((job) => /^test\b/.test(job.key));
  const bySeverity: Record<string, number> = {
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    info: 0,
  };
  const byKind: Record<string, number> = { secret: 0, dependency: 0 };
  for (const f of findings) {
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    const kind =
      f.tool === "secrets"
        ? "secret"
        : f.tool === "deps"
          ? "dependency"
          : f.tool;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return {
    testsPassed: tests.filter((job) => job.status === "success").length,
    testsFailed: tests.filter((job) => job.status === "failure").length,
    findings: bySeverity,
    findingsByKind: byKind,
    failedRuns,
    flakySteps: run.jobs.flatMap((job) =>
      job.steps
        .filter((step) => step.status === "success" && step.attempts > 1)
        .map((step) => `${job.key}/${step.name}`),
    ),
  };
}

/** The approvals a hold needs, with each group's members when the policy lists them. */
function required(decision: Decision, policy: Policy): RequiredApprovals[] {
  return decision.approvals.map((a) => {
    const members = policy.groups[a.group];
    return members ? { ...a, members } : { ...a };
  });
}

/** How a gate that decided before (a resumed run) ends now: by where its decision stands. */
function decidedBefore(record: GateRecord, log: (line: string) => void) {
  log(`the gate decided before: ${record.decision} (${record.status})`);
  if (record.closedReason) log(`  ${record.closedReason}`);
  if (record.status === "approved") return { status: "success" as const };
  if (record.status === "waiting")
    return {
      status: "held" as const,
      message: `waits for approvals: ${approveCommand(record.runId)}`,
    };
  return {
    status: "failure" as const,
    message: record.closedReason ?? record.reasons.join("; "),
  };
}

/**
 * The gate step: decides once per run and job. On a resumed run it finds its decision and ends by
 * where that stands (approved → success). Everything it decides is printed, rule by rule, with
 * the facts each rule used, then recorded and signed.
 */
export function createGateStep(deps: GateDeps) {
  return async (ctx: GateStepContext): Promise<GateStepResult> => {
    const before = await deps.store.decisionOf(ctx.runId, ctx.jobKey);
    if (before) return decidedBefore(before, ctx.log);
    const run = await deps.runs.getRun(ctx.runId);
    const given =
      typeof ctx.with.policy === "string" ? ctx.with.policy : undefined;
    const environment =
      typeof ctx.with.environment === "string"
        ? ctx.with.environment
        : "production";
    const { policy, text, uri } = gatePolicy(ctx.workdir, given);
    const now = deps.clock.now();
    const { facts: changeFacts } = gitChangeFacts({
      cwd: ctx.workdir,
      rev: run.commit ?? "HEAD",
      sensitivePaths: policy.sensitivePaths,
    });
    const earlier = await deps.runs.listRuns({
      project: run.project,
      limit: 200,
    });
    const facts: Facts = {
      ...changeFacts,
      author: (changeFacts.author ?? "").toLowerCase(),
      environment,
      ...timeFacts(now, policy),
      ...runFacts(
        run,
        await deps.findings(run.id),
        earlier.filter(
          (r) =>
            r.id !== run.id &&
            r.commit !== null &&
            r.commit === run.commit &&
            r.status === "failure",
        ).length,
      ),
    };
    const decision = decide(policy, facts);
    ctx.log(
      `change: ${facts.filesChanged} files, ${facts.linesChanged} lines, ${facts.cohort}${facts.aiMarkers?.length ? ` (${facts.aiMarkers.join(", ")})` : ""}, by ${facts.author}, to ${environment}`,
    );
    printDecision(ctx.log, uri, decision);
    const commit = run.commit ?? "";
    const record: GateRecord = {
      id: deps.newId("gate"),
      runId: run.id,
      jobKey: ctx.jobKey,
      project: run.project,
      commit: run.commit,
      author: facts.author ?? "",
      environment,
      decision: decision.decision,
      status:
        decision.decision === "approve"
          ? "approved"
          : decision.decision === "deny"
            ? "denied"
            : "waiting",
      reasons: decision.reasons,
      required: required(decision, policy),
      detail: { decision, facts },
      policyFile: uri,
      policySha256: createHash("sha256").update(text).digest("hex"),
      createdAt: new Date(now),
      expiresAt:
        decision.decision === "hold"
          ? new Date(now + policy.holdTimeoutMs)
          : null,
      closedAt: decision.decision === "hold" ? null : new Date(now),
      closedReason: null,
    };
    // Signed first: a decision the evidence log cannot take is not recorded, nor acted on.
    try {
      await deps.evidence().record(
        vsaStatement({
          release: { name: `sluice:${run.project}@${commit}`, commit },
          project: run.project,
          environment,
          commit,
          runId: run.id,
          // A URI reference, as the VSA asks: the default policy's name is not one.
          policy: {
            uri: uri === defaultPolicyFile ? defaultPolicyUri : encodeURI(uri),
            sha256: record.policySha256,
          },
          decision,
          facts: { ...facts, fileStats: undefined },
          verifiedAt: new Date(now),
        }),
      );
    } catch (error) {
      throw new AppError(
        "INTERNAL",
        `the gate's decision could not be signed into the evidence log: ${messageOf(error)}`,
        { cause: error },
      );
    }
    await deps.store.recordDecision(record);
    if (decision.decision === "approve")
      return { status: "success", outputs: { decision: "approve" } };
    if (decision.decision === "deny")
      return {
        status: "failure",
        message: `denied: ${decision.reasons.join("; ")}`,
        outputs: { decision: "deny" },
      };
    const needs = record.required
      .map((r) => `${r.count} from ${r.group}`)
      .join(", ");
    ctx.log(
      `held: needs ${needs}; approve with \`${approveCommand(run.id)}\` (by someone other than ${record.author})`,
    );
    return {
      status: "held",
      message: `held for ${needs}: ${decision.reasons.join("; ")}`,
      outputs: { decision: "hold" },
    };
  };
}

/** Every fired rule with the facts it read, then the decision and its reasons. */
function printDecision(
  log: (line: string) => void,
  policy: string,
  decision: Decision,
): void {
  log(`policy: ${policy}`);
  log(`risk: ${decision.risk.score}`);
  for (const fired of decision.fired) {
    log(`rule ${fired.rule} fired: ${fired.decision}: ${fired.message}`);
    for (const [name, value] of Object.entries(fired.facts))
      log(`  ${name} = ${JSON.stringify(value)}`);
  }
  for (const u of decision.undecided)
    log(`rule ${u.rule} not decided: ${u.reason}`);
  if (decision.fired.length === 0) log("no rule fired");
  log(`decision: ${decision.decision}`);
  for (const reason of decision.reasons) log(`  ${reason}`);
}
