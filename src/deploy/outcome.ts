import type {
  DeploymentRecord,
  ReleaseRecord,
  RolloutRecord,
  TargetServing,
} from "./ports.js";

/** Where a rollout stands, as a script sees it. */
export type RolloutOutcome =
  "promoted" | "progressing" | "paused" | "aborted" | "failed";

/**
 * The end state of a rollout: promoted (Healthy), paused (waiting for a person: a pause with no
 * end, Inconclusive, failure action `pause`), aborted (by a person: abort or undo), failed (an
 * analysis or the new release failed, and the rollout aborted itself).
 */
export function rolloutOutcome(
  record: RolloutRecord,
  deployment: Pick<DeploymentRecord, "status"> | null,
): RolloutOutcome {
  const s = record.status;
  if (s.phase === "Healthy") return "promoted";
  if (s.phase === "Paused") return "paused";
  if (s.phase === "Degraded" && s.aborted)
    return deployment?.status === "failed" ? "failed" : "aborted";
  // Degraded without an abort: the canary failed and the failure action paused the rollout.
  if (s.phase === "Degraded") return "paused";
  return "progressing";
}

/**
 * The exit status of a rollout command, documented in docs/deploy.md: 0 when the rollout is
 * promoted or when the command did what was asked (`rollout abort` that aborted), 1 failed,
 * 3 paused, 4 aborted (2 stays the CLI's "the command could not run"), 5 not serving.
 */
export const outcomeExitCode: Record<RolloutOutcome, number> = {
  promoted: 0,
  progressing: 0,
  failed: 1,
  paused: 3,
  aborted: 4,
};

/** The target does not serve what the rollout says it should. */
export const notServingExitCode = 5;

/**
 * What is wrong with what the target serves, compared with what the rollout wants (null when
 * it serves it): stable routed and ready, and the canary's share when it has one.
 */
export function servingProblem(
  record: RolloutRecord,
  serving: TargetServing,
  releases: Record<string, ReleaseRecord | null>,
): string | null {
  const s = record.status;
  const name = (id: string) => releases[id]?.version ?? id;
  const { routes, states } = serving;
  const wantsCanary =
    s.phase !== "Healthy" && !s.aborted && s.canary.state === "ready";
  if (!s.stable && !wantsCanary) return null;
  if (!serving.running) return "nothing runs (stopped, or never started)";
  if (routes.stable === null && routes.canary === null)
    return "the proxy routes to no release";
  if (s.stable) {
    if (routes.stable !== s.stable)
      return `the proxy does not route to stable ${name(s.stable)}`;
    const state = states[s.stable] ?? "none";
    if (state !== "ready") return `stable ${name(s.stable)} is ${state}`;
  }
  if (wantsCanary && s.weight > 0) {
    if (routes.canary !== s.canary.release || routes.weight !== s.weight)
      return `canary ${name(s.canary.release)} takes ${routes.canary === s.canary.release ? routes.weight : 0} % instead of ${s.weight} %`;
    const state = states[s.canary.release] ?? "none";
    if (state !== "ready")
      return `canary ${name(s.canary.release)} is ${state}`;
  }
  return null;
}
