import { AppError } from "../../kernel/index.js";
import type { JobResult } from "../ports.js";
import type { LeaseStore, StepUpdate } from "./ports.js";
import type { RunnerReport, StepReport } from "./runner-api.js";

/** Writes what a runner reported about a job's steps (`report` of the runner protocol). */
export async function recordReport(
  store: Pick<LeaseStore, "updateSteps" | "updateStep">,
  jobId: string,
  report: RunnerReport,
  now: Date,
): Promise<void> {
  switch (report.kind) {
    case "steps":
      await store.updateSteps(jobId, report.steps.map(stepUpdate));
      return;
    case "jobStarted":
      // The claim recorded the job as running (leaseJob); nothing more to write.
      return;
    case "stepStarted":
      await store.updateStep(jobId, report.position, {
        status: "running",
        startedAt: now,
      });
      return;
    case "stepFinished":
      await store.updateStep(jobId, report.position, {
        status: report.status,
        exitCode: report.exitCode ?? null,
        cache: report.cache ?? null,
        attempts: report.attempts,
        logPath: report.logPath ?? null,
        ...(report.warnings ? { warnings: report.warnings } : {}),
        finishedAt: now,
      });
      return;
  }
}

/** A step as a runner reports it (times in ms), as the store records it. */
export function stepUpdate(report: StepReport): StepUpdate {
  const at = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms);
  return {
    position: report.position,
    status: report.status,
    exitCode: report.exitCode,
    cache: report.cache,
    attempts: report.attempts,
    logPath: report.logPath,
    warnings: report.warnings,
    startedAt: at(report.startedAt),
    finishedAt: at(report.finishedAt),
  };
}

export function cancelledResult(): JobResult {
  return { status: "cancelled", outputs: {}, steps: [] };
}

export function lostLease(leaseId: string): AppError {
  return new AppError(
    "CONFLICT",
    `lease ${leaseId} is no longer held (it expired and the job was requeued, or it ended)`,
  );
}
