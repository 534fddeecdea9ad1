import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { isAppError, messageOf } from "../kernel/index.js";
import type {
  BuiltinStepContext,
  BuiltinStepHandler,
  BuiltinStepResult,
} from "../pipeline/index.js";
import { scanDependencies } from "./deps/index.js";
import type { AdvisoryStore, ScanFindingStore } from "./deps/index.js";
import type { Finding } from "./finding.js";
import { findingsAtOrAbove, formatSarif, summaryLine } from "./report/index.js";
import type { RuleInfo, ToolInfo } from "./report/index.js";
import { importSarif } from "./sarif/index.js";
import {
  hashKeyFileName,
  loadHashKey,
  scanProjectSecrets,
} from "./secrets/index.js";
import { parseScanStepInput } from "./step-input.js";

/** The secret-hash key's file name in `$SLUICE_HOME`, for `src/app.ts` to wire. */
export { hashKeyFileName };

/** What the step needs; `src/app.ts` wires the scan store and the run's artifacts folder. */
export interface ScanStepDeps {
  advisories: Pick<AdvisoryStore, "recordsFor" | "currentSnapshot">;
  findings: Pick<ScanFindingStore, "saveScan">;
  /** The run's artifacts folder (`$SLUICE_HOME/runs/<run>/artifacts`). */
  artifactsDir(runId: string): string;
  newId(prefix: string): string;
  /** Worker threads for the secret scan (default: the scanner's own choice). */
  workers?: number;
  /** The file of the secret-hash key (`$SLUICE_HOME/secret-hash.key`, ADR 044); default: a key per scan. */
  hashKeyFile?: string;
}

/**
 * The `sluice/scan` built-in step: secrets and dependencies of the job's workdir plus imported
 * SARIF, stored with the run, written as a SARIF artifact, and a failure at or above `fail-on`.
 */
export function createScanStep(deps: ScanStepDeps): BuiltinStepHandler {
  return async (ctx) => {
    const parsed = parseScanStepInput(ctx.with ?? {});
    if (typeof parsed === "string")
      return failure(ctx, `sluice/scan: ${parsed}`);
    const input = parsed;
    const findings: Finding[] = [];
    const rules: RuleInfo[] = [];
    const tools: ToolInfo[] = [];
    const summary: Record<string, unknown> = { failOn: input["fail-on"] };
    const problems: string[] = [];
    const warnings: string[] = [];
    let snapshotId: string | undefined;
    try {
      if (input.secrets) {
        ctx.log("scanning for secrets");
        tools.push({ name: "secrets" });
        // The project's rule file, baseline and ignores, as `sluice scan secrets` and the hook
        // read them (issue 11).
        const result = await scanProjectSecrets({
          target: { kind: "tree", path: ctx.workdir },
          clock: ctx.clock,
          confidence: input.confidence,
          ...(deps.hashKeyFile
            ? { hashKey: loadHashKey(deps.hashKeyFile) }
            : {}),
          ...(deps.workers ? { workers: deps.workers } : {}),
        });
        findings.push(...result.findings);
        summary.secrets = {
          findings: result.findings.length,
          baselined: result.accepted.length,
          files: result.stats.files,
          skipped: result.stats.skipped,
          ...(result.notices.length > 0 ? { notices: result.notices } : {}),
          ...(result.cutOff.length > 0 ? { cutOff: result.cutOff } : {}),
        };
        // A change can replace or turn off the rules that scan it: the run's summary says so.
        for (const notice of result.notices) {
          ctx.log(`secrets: ${notice}`);
          warnings.push(`secrets: ${notice}`);
        }
        if (result.cutOff.length > 0) {
          const cut = `secrets: the scan ran past its time budget; rules cut off for the rest of it: ${result.cutOff.map((c) => c.ruleId).join(", ")}`;
          ctx.log(cut);
          warnings.push(cut);
        }
        for (const error of result.errors)
          ctx.log(`secrets: cannot read ${error.path}: ${error.message}`);
      }
      if (ctx.signal.aborted) return failure(ctx, "cancelled");
      if (input.deps) {
        tools.push({ name: "deps" });
        const scanned = await scanDeps(ctx, deps.advisories);
        summary.deps = scanned.summary;
        snapshotId = scanned.snapshotId;
        findings.push(...scanned.findings);
        problems.push(...scanned.problems);
        if (scanned.empty && input["on-empty"] === "fail")
          problems.push(`${scanned.empty} (on-empty: fail)`);
        else if (scanned.empty) warnings.push(scanned.empty);
        warnings.push(...scanned.notes);
      }
      for (const file of input.sarif) {
        const path = isAbsolute(file) ? file : join(ctx.workdir, file);
        try {
          const imported = importSarif(
            JSON.parse(readFileSync(path, "utf8")),
            file,
          );
          findings.push(...imported.findings);
          rules.push(...imported.rules);
          for (const tool of imported.tools)
            if (!tools.some((t) => t.name === tool.name)) tools.push(tool);
          for (const warning of imported.warnings) ctx.log(warning);
        } catch (error) {
          problems.push(
            isAppError(error) ? error.message : `${file}: ${messageOf(error)}`,
          );
        }
      }
    } catch (error) {
      return failure(
        ctx,
        `sluice/scan: ${isAppError(error) ? error.message : messageOf(error)}`,
      );
    }

    const blocking = findingsAtOrAbove(findings, input["fail-on"]);
    summary.total = findings.length;
    summary.blocking = blocking.length;
    const sarifPath = join(
      deps.artifactsDir(ctx.runId),
      `scan-${ctx.jobKey.replace(/[^\w.-]+/g, "_")}.sarif`,
    );
    // Under $SLUICE_HOME: private to the user whatever the umask.
    mkdirSync(join(sarifPath, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(
      sarifPath,
      formatSarif({ findings, rules, tools, metadata: summary }),
      { mode: 0o600 },
    );
    await deps.findings.saveScan({
      id: deps.newId("scan"),
      runId: ctx.runId,
      jobId: ctx.jobKey,
      ...(snapshotId ? { snapshotId } : {}),
      summary,
      findings,
      createdAt: new Date(ctx.clock.now()),
    });
    for (const finding of blocking.slice(0, 50)) {
      ctx.log(
        `${finding.severity} ${finding.location.path}:${finding.location.startLine} ${finding.ruleId}: ${finding.message}`,
      );
    }
    if (blocking.length > 50) ctx.log(`... and ${blocking.length - 50} more`);
    ctx.log(
      `${summaryLine(findings)}; SARIF: ${relative(ctx.workdir, sarifPath).startsWith("..") ? sarifPath : relative(ctx.workdir, sarifPath)}`,
    );
    for (const problem of problems) ctx.log(`error: ${problem}`);
    const outputs = {
      findings: String(findings.length),
      blocking: String(blocking.length),
      sarif: sarifPath,
    };
    const warned = warnings.length > 0 ? { warnings } : {};
    if (problems.length > 0)
      return { status: "failure", outputs, message: problems[0], ...warned };
    if (blocking.length > 0) {
      return {
        status: "failure",
        outputs,
        message: `${blocking.length} finding${blocking.length === 1 ? "" : "s"} at or above ${input["fail-on"]}`,
        ...warned,
      };
    }
    return { status: "success", outputs, ...warned };
  };
}

/**
 * The dependency part of the step. `empty` says why it scanned nothing (no advisories imported,
 * no lockfile found), which `on-empty` turns into a warning or a failure; `notes` name manifests
 * whose dependencies no lockfile pins.
 */
async function scanDeps(
  ctx: BuiltinStepContext,
  advisories: ScanStepDeps["advisories"],
): Promise<{
  summary: Record<string, unknown>;
  findings: Finding[];
  problems: string[];
  notes: string[];
  empty?: string;
  snapshotId?: string;
}> {
  const snapshot = await advisories.currentSnapshot();
  if (!snapshot) {
    const empty =
      "dependency scan skipped: no advisories imported (`sluice advisories update` downloads them)";
    ctx.log(`deps: ${empty}`);
    return {
      summary: { skipped: "no advisory snapshot" },
      findings: [],
      problems: [],
      notes: [],
      empty,
    };
  }
  ctx.log(`scanning lockfiles against advisory snapshot ${snapshot.id}`);
  const result = await scanDependencies({ target: ctx.workdir, advisories });
  for (const note of result.notes) ctx.log(`deps: ${note}`);
  const empty =
    result.lockfiles.length === 0
      ? "dependency scan found no lockfile: nothing was scanned"
      : undefined;
  return {
    summary: {
      findings: result.findings.length,
      packages: result.packageCount,
      lockfiles: result.lockfiles.length,
      snapshot: snapshot.id,
      ...(result.unlocked.length > 0
        ? { unlocked: result.unlocked.map((m) => m.path) }
        : {}),
    },
    findings: result.findings,
    problems: result.errors.map((e) => e.message),
    notes: result.notes,
    ...(empty ? { empty } : {}),
    snapshotId: snapshot.id,
  };
}

function failure(ctx: BuiltinStepContext, message: string): BuiltinStepResult {
  ctx.log(message);
  return { status: "failure", message };
}
