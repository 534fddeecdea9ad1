import { messageOf } from "../kernel/index.js";
import { rolloutOutcome, servingProblem } from "./outcome.js";
import type { RolloutOutcome } from "./outcome.js";
import type {
  DeployTarget,
  DeploymentRecord,
  ReleaseRecord,
  RolloutRecord,
} from "./ports.js";
import { rolloutView } from "./view.js";

/** What inspecting a rollout needs from the deploy service. */
export interface InspectDeps {
  releasesOf(
    record: RolloutRecord,
  ): Promise<Record<string, ReleaseRecord | null>>;
  deployment(record: RolloutRecord): Promise<DeploymentRecord | null>;
  target(record: RolloutRecord): DeployTarget;
}

/** A rollout's view with its outcome and what the target really serves. */
export type RolloutReport = ReturnType<typeof rolloutView> & {
  commit?: string;
  outcome: RolloutOutcome;
  serving: boolean;
  notServing?: string;
};

/**
 * The rollout as `sluice deploy` and `sluice rollout` report it: its view, its outcome, and
 * whether the target serves what the rollout says. Asking the target starts its daemon when it
 * is gone (it re-adopts its releases).
 */
export async function inspectRollout(
  deps: InspectDeps,
  record: RolloutRecord,
): Promise<RolloutReport> {
  const releases = await deps.releasesOf(record);
  const outcome = rolloutOutcome(record, await deps.deployment(record));
  let problem: string | null;
  let endpoint: string | undefined;
  try {
    const serving = await deps.target(record).serving();
    problem = servingProblem(record, serving, releases);
    if (serving.routes.stable || serving.routes.canary)
      endpoint = serving.endpoint;
  } catch (error) {
    problem = messageOf(error);
  }
  const commit = releases[record.status.canary.release]?.commit;
  return {
    ...rolloutView(record, releases, endpoint),
    ...(commit ? { commit } : {}),
    outcome,
    serving: problem === null,
    ...(problem !== null ? { notServing: problem } : {}),
  };
}
