import type { Deployment } from "../model.js";

// Helpers on live deployments by position, shared by linking and the figures.

/** Bits of `Linked.liveFlags`. */
export const liveFlag = {
  /** It succeeded (not rolled back in place): it shipped its changes. */
  success: 1,
  /** It redeploys an older release (`rollbackOf`). */
  rollback: 2,
  /** An unplanned deployment: a rollback, a hotfix, or one that names incidents it fixes. */
  rework: 4,
  /** Its cohort is AI-assisted (else unmarked). */
  aiAssisted: 8,
} as const;

/** When a deployment's effect began: its finish for a success, its start for an in-place rollback. */
export function liveAt(d: Deployment): number {
  return d.finishedAt ?? d.startedAt;
}

/** Whether a deployment went live: it succeeded, or was rolled back in place after going live. */
export function isLive(d: Deployment): boolean {
  return d.status === "success" || d.status === "rolled_back";
}

/** An unplanned deployment: a rollback, a hotfix, or one that names incidents it fixes. */
export function isRework(d: Deployment): boolean {
  return (
    Boolean(d.rollbackOf) || d.hotfix === true || (d.fixes?.length ?? 0) > 0
  );
}

/** Index of the last value ≤ t in an ascending array, or -1. */
export function lastAtOrBefore(sorted: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Index of the first value ≥ t in an ascending array (its length when none). */
export function firstAtOrAfter(sorted: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
