import type { Change, Cohort } from "../model.js";
import type { ReportYear } from "./levels.js";
import type { Linked } from "./link.js";
import { firstAtOrAfter, liveFlag } from "./positions.js";

// The scans the figures make over a scope's live deployments (a range of positions in time order)
// and its failures. Each hot loop is its own small function, so V8 optimizes it once.

/** The half-open window `[from, to)` in ms, the report year for levels, and an optional cohort. */
export interface Scope {
  from: number;
  to: number;
  year: ReportYear;
  cohort?: Cohort | undefined;
}

export const dayMs = 86_400_000;

export function inWindow(t: number, scope: Scope): boolean {
  return t >= scope.from && t < scope.to;
}

/**
 * The live deployments of a scope: positions `lo .. hi` of `linked.live` (ordered by the time
 * they went live, so a window is a range), those whose flags masked by `mask` equal `want` (the
 * scope's cohort; mask 0 for all), and how many there are.
 */
export interface Selection {
  lo: number;
  hi: number;
  mask: number;
  want: number;
  count: number;
}

export function select(linked: Linked, scope: Scope): Selection {
  const lo = firstAtOrAfter(linked.liveTimes, scope.from);
  const hi = Math.max(lo, firstAtOrAfter(linked.liveTimes, scope.to));
  const { mask, want } = cohortBits(scope.cohort);
  const ai = linked.aiBefore[hi]! - linked.aiBefore[lo]!;
  const count = mask === 0 ? hi - lo : want === 0 ? hi - lo - ai : ai;
  return { lo, hi, mask, want, count };
}

/** The `liveFlags` test of a cohort: `(flags & mask) === want`; mask 0 for all deployments. */
function cohortBits(cohort: Cohort | undefined): {
  mask: number;
  want: number;
} {
  if (cohort === undefined) return { mask: 0, want: 0 };
  return {
    mask: liveFlag.aiAssisted,
    want: cohort === "ai-assisted" ? liveFlag.aiAssisted : 0,
  };
}

/** Whether live deployment `flags` belong to the selection's cohort. */
// Branch-free, so the code V8 optimizes for one cohort serves the others too.
function inCohort(flags: number, s: Selection): boolean {
  return (flags & s.mask) === s.want;
}

/** Fills `ids` with the selection's deployment ids; counts rollbacks and days with a deployment. */
export function scanDeployments(
  linked: Linked,
  s: Selection,
  ids: string[],
): { rollbacks: number; deployDays: number } {
  const { live, liveFlags, liveTimes } = linked;
  let rollbacks = 0;
  // Deployments come in time order: a new day starts where the day number changes.
  let deployDays = 0;
  let lastDay = Number.NaN;
  for (let i = s.lo, k = 0; i < s.hi; i++) {
    const flags = liveFlags[i]!;
    if (!inCohort(flags, s)) continue;
    ids[k++] = live[i]!.id;
    if (flags & liveFlag.rollback) rollbacks++;
    const day = Math.floor(liveTimes[i]! / dayMs);
    if (day !== lastDay) {
      deployDays++;
      lastDay = day;
    }
  }
  return { rollbacks, deployDays };
}

/** Pull request stages in ms; a negative span (clock skew, odd data) is null, as DevLake does. */
export interface Stages {
  coding: number | null;
  pickup: number | null;
  review: number | null;
  deploy: number | null;
}

const span = (a: number | undefined, b: number | undefined): number | null =>
  a === undefined || b === undefined || b < a ? null : b - a;

/** The coding / pickup / review / deploy stages of a pull request deployed at `deployedAt`. */
export function prStages(
  change: Change,
  deployedAt: number | undefined,
): Stages {
  return {
    coding: span(change.firstCommitAt, change.openedAt),
    pickup: span(change.openedAt, change.firstReviewAt),
    review: span(change.firstReviewAt, change.mergedAt),
    deploy: span(change.mergedAt, deployedAt),
  };
}

/** The lead times of a selection's changes, in seconds, with their ids. */
export interface LeadTimes {
  spans: Float64Array;
  count: number;
  ids: string[];
  deploymentIds: string[];
  negative: number;
  stageValues: Record<keyof Stages, number[]>;
}

export function collectLeadTimes(
  linked: Linked,
  s: Selection,
  cohort: Cohort | undefined,
): LeadTimes {
  const { live, liveFlags, liveTimes, changes, shipped, shippedStart } = linked;
  // At most one span per change carried in the window.
  const spans = new Float64Array(shippedStart[s.hi]! - shippedStart[s.lo]!);
  let m = 0;
  const ids: string[] = [];
  // Pairs come in deployment order: consecutive duplicates are the only duplicates.
  const deploymentIds: string[] = [];
  let negative = 0;
  const stageValues: Record<keyof Stages, number[]> = {
    coding: [],
    pickup: [],
    review: [],
    deploy: [],
  };
  for (let i = s.lo; i < s.hi; i++) {
    // Only a successful deployment ships; one rolled back in place carried its changes only.
    if ((liveFlags[i]! & liveFlag.success) === 0) continue;
    const end = shippedStart[i + 1]!;
    if (shippedStart[i] === end) continue;
    const at = liveTimes[i]!;
    const deploymentId = live[i]!.id;
    for (let p = shippedStart[i]!; p < end; p++) {
      const c = changes[shipped[p]!]!;
      if (cohort !== undefined && c.cohort !== cohort) continue;
      const ms = at - c.firstCommitAt;
      // A first commit after its own deployment is clock skew or a rewritten date: no lead time.
      if (ms < 0) {
        negative++;
        continue;
      }
      spans[m++] = ms / 1000;
      ids.push(c.id);
      if (deploymentIds[deploymentIds.length - 1] !== deploymentId)
        deploymentIds.push(deploymentId);
      if (c.kind === "pull_request") addStages(stageValues, c, at);
    }
  }
  return { spans, count: m, ids, deploymentIds, negative, stageValues };
}

function addStages(
  values: Record<keyof Stages, number[]>,
  c: Change,
  at: number,
): void {
  const st = prStages(c, at);
  if (st.coding !== null) values.coding.push(st.coding / 1000);
  if (st.pickup !== null) values.pickup.push(st.pickup / 1000);
  if (st.review !== null) values.review.push(st.review / 1000);
  if (st.deploy !== null) values.deploy.push(st.deploy / 1000);
}

/** ` (N changes never deployed)` for the scope's cohort, or nothing when all were. */
export function undeployedNote(linked: Linked, scope: Scope): string {
  let undeployed = 0;
  const { changes, firstLive } = linked;
  for (let k = 0; k < changes.length; k++) {
    if (firstLive[k] !== -1) continue;
    if (scope.cohort === undefined || changes[k]!.cohort === scope.cohort)
      undeployed++;
  }
  return undeployed > 0 ? ` (${undeployed} changes never deployed)` : "";
}

/** The ids of the changes live deployment `i` carried, appended to `out`. */
function pushShippedIds(linked: Linked, i: number, out: string[]): void {
  const { changes, shipped, shippedStart } = linked;
  for (let p = shippedStart[i]!; p < shippedStart[i + 1]!; p++)
    out.push(changes[shipped[p]!]!.id);
}

/** The ids of the selection's failed deployments, of the changes they carried and their incidents. */
export function collectFailed(
  linked: Linked,
  s: Selection,
  failed: string[],
  changes: string[],
  incidents: string[],
): void {
  const { live, liveFlags, failureAt, failureList } = linked;
  for (let i = s.lo; i < s.hi; i++) {
    const f = failureAt[i]!;
    if (f < 0 || !inCohort(liveFlags[i]!, s)) continue;
    failed.push(live[i]!.id);
    for (const incident of failureList[f]!.incidents)
      incidents.push(incident.id);
    pushShippedIds(linked, i, changes);
  }
}

/**
 * The recovery times (seconds) of the scope's recovered failures, with their deployment and
 * incident ids; returns how many failures have not recovered.
 */
export function collectRecoveries(
  linked: Linked,
  scope: Scope,
  spans: number[],
  deploymentIds: string[],
  incidentIds: string[],
): number {
  const { from, to } = scope;
  const { mask, want } = cohortBits(scope.cohort);
  const flags = linked.liveFlags;
  let open = 0;
  for (const f of linked.failureList) {
    if (!(f.startedAt >= from && f.startedAt < to)) continue;
    if ((flags[f.live]! & mask) !== want) continue;
    if (f.recoveredAt === undefined) {
      open++;
      continue;
    }
    spans.push(Math.max(0, f.recoveredAt - f.startedAt) / 1000);
    deploymentIds.push(f.deployment.id);
    for (const incident of f.incidents) incidentIds.push(incident.id);
  }
  return open;
}

/** The ids of the selection's rework deployments, their changes and the incidents they fix; returns how many are rollbacks. */
export function collectRework(
  linked: Linked,
  s: Selection,
  rework: string[],
  changes: string[],
  incidents: string[],
): number {
  const { live, liveFlags } = linked;
  let rollbacks = 0;
  for (let i = s.lo; i < s.hi; i++) {
    const flags = liveFlags[i]!;
    if ((flags & liveFlag.rework) === 0 || !inCohort(flags, s)) continue;
    const d = live[i]!;
    rework.push(d.id);
    if (flags & liveFlag.rollback) rollbacks++;
    pushShippedIds(linked, i, changes);
    if (d.fixes) for (const id of d.fixes) incidents.push(id);
  }
  return rollbacks;
}
