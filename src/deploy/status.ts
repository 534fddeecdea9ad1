import type { AnalysisRun, RolloutCommand, RolloutStatus } from "./types.js";

/** The status of a rollout that has not started: the new release still has to be started. */
export function initialStatus(input: {
  release: string;
  stable: string | null;
  now: number;
  fastTrack?: boolean;
}): RolloutStatus {
  return {
    ...(input.fastTrack ? { fastTrack: true } : {}),
    phase: "Progressing",
    message: "starting the release",
    stepIndex: 0,
    weight: 0,
    aborted: false,
    canary: { release: input.release, state: "none" },
    stable: input.stable,
    analysisRuns: [],
    attempt: 1,
    startedAt: input.now,
    updatedAt: input.now,
    timeline: [],
  };
}

/**
 * A rollout status as the store holds it. Rows written before the analysis runs got their
 * name name them `run` and `runs`; they read as `analysisRun` and `analysisRuns`.
 */
export function storedRolloutStatus(stored: unknown): RolloutStatus {
  const { run, runs, ...status } = stored as RolloutStatus & {
    run?: AnalysisRun;
    runs?: AnalysisRun[];
  };
  const analysisRun = status.analysisRun ?? run;
  return {
    ...status,
    analysisRuns: status.analysisRuns ?? runs ?? [],
    ...(analysisRun ? { analysisRun } : {}),
  };
}

/** Whether the rollout has ended (promoted, or aborted and waiting for retry or undo). */
export function isFinished(status: RolloutStatus): boolean {
  return (
    status.phase === "Healthy" ||
    (status.phase === "Degraded" && status.aborted)
  );
}

/**
 * Why a command cannot apply to a rollout in this state, or null when it can. The CLI and the
 * API call this first so a user gets a clear error instead of a silent no-op.
 */
export function commandError(
  status: RolloutStatus,
  command: RolloutCommand,
): string | null {
  const finished = isFinished(status);
  switch (command.kind) {
    case "promote":
      if (finished) return `the rollout is ${status.phase}: nothing to promote`;
      return null;
    case "abort":
      if (finished) return `the rollout is ${status.phase}: nothing to abort`;
      return null;
    case "pause":
      if (finished) return `the rollout is ${status.phase}: nothing to pause`;
      return null;
    case "retry":
      if (!status.aborted) return "only an aborted rollout can be retried";
      return null;
    case "undo":
      if (status.aborted)
        return "the rollout was aborted: traffic is already on the previous release";
      if (status.phase === "Healthy")
        return "a promoted rollout is undone by a new deployment of the previous release";
      return null;
  }
}
