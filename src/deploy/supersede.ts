import { rolloutOutcome } from "./outcome.js";
import type { RolloutRecord } from "./ports.js";

/**
 * Why a new deployment may not supersede an environment's unfinished rollout, or null when it
 * may (ADR 076). As in Argo Rollouts, a new release aborts a rollout that waits for a person
 * (a pause without an end, an Inconclusive analysis, failure action `pause`) and starts from the
 * same stable. A rollout that a driver carries on right now (`driven`: this process drives it),
 * or that is still progressing or in a timed pause (a driver elsewhere, or `sluice serve` on its
 * next start, carries it on), is left to that driver: two drivers would overwrite each other.
 */
export function supersedeRefusal(
  latest: RolloutRecord,
  driven: boolean,
): string | null {
  const { id, environment, status } = latest;
  const first =
    "wait until it ends or waits for a person, or run `sluice rollout abort` first";
  if (driven)
    return `rollout ${id} in ${environment} is being driven right now (${status.phase}): ${first}`;
  if (rolloutOutcome(latest, null) !== "paused")
    return `rollout ${id} in ${environment} is still ${status.phase}: ${first}`;
  if (status.pause?.until !== undefined)
    return `rollout ${id} in ${environment} is Paused until ${new Date(status.pause.until).toISOString()}: ${first}`;
  return null;
}

/** The reason recorded on a rollout that a new deployment aborted. */
export function supersededReason(rollout: string, version: string): string {
  return `superseded by rollout ${rollout} / release ${version}`;
}

/** What a deploy says when it superseded a paused rollout (the step's log, `sluice deploy`). */
export function supersededLine(aborted: RolloutRecord): string {
  return `superseded the paused rollout ${aborted.id} (${aborted.status.message})`;
}
