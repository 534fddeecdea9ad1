import type { Change, Cohort } from "../model.js";
import type { Figure } from "./figure.js";
import { emptyDrillDown, figureNames } from "./figure.js";
import type { ReportYear } from "./levels.js";
import { levelFor } from "./levels.js";
import type { Linked } from "./link.js";
import { firstAtOrAfter, liveFlag } from "./link.js";
import {
  medianInterval,
  poissonRate,
  quantileSorted,
  sortedCopy,
  wilson,
} from "./stats.js";

/** The half-open window `[from, to)` in ms, the report year for levels, and an optional cohort. */
export interface Scope {
  from: number;
  to: number;
  year: ReportYear;
  cohort?: Cohort | undefined;
}

const dayMs = 86_400_000;

function inWindow(t: number, scope: Scope): boolean {
  return t >= scope.from && t < scope.to;
}

/**
 * The live deployments of a scope: positions `lo .. hi` of `linked.live` (ordered by the time
 * they went live, so a window is a range), those of the scope's cohort only (`cohort`: the
 * `liveFlag.aiAssisted` bit they must have, or -1 for all), and how many there are.
 */
interface Selection {
  lo: number;
  hi: number;
  cohort: number;
  count: number;
}

function select(linked: Linked, scope: Scope): Selection {
  const lo = firstAtOrAfter(linked.liveTimes, scope.from);
  const hi = Math.max(lo, firstAtOrAfter(linked.liveTimes, scope.to));
  if (scope.cohort === undefined) return { lo, hi, cohort: -1, count: hi - lo };
  const ai = linked.aiBefore[hi]! - linked.aiBefore[lo]!;
  return scope.cohort === "ai-assisted"
    ? { lo, hi, cohort: liveFlag.aiAssisted, count: ai }
    : { lo, hi, cohort: 0, count: hi - lo - ai };
}

/** Whether live deployment `flags` belong to the selection's cohort. */
function inCohort(flags: number, s: Selection): boolean {
  return s.cohort < 0 || (flags & liveFlag.aiAssisted) === s.cohort;
}

function noDeployments(linked: Linked, scope: Scope): string {
  if (!linked.anyDeployment)
    return "no production deployments recorded for this scope";
  return scope.cohort
    ? `no ${scope.cohort} production deployments in the window`
    : "no production deployments in the window";
}

/** Deployments that went live per day, with and without rollback deployments. */
export function deploymentFrequency(linked: Linked, scope: Scope): Figure {
  const base = {
    key: "deploymentFrequency" as const,
    name: figureNames.deploymentFrequency,
  };
  const days = (scope.to - scope.from) / dayMs;
  if (!linked.anyDeployment || days <= 0) {
    return {
      ...base,
      value: null,
      reason: days <= 0 ? "the window is empty" : noDeployments(linked, scope),
      unit: "deployments/day",
      samples: 0,
      level: null,
      details: {},
      drillDown: emptyDrillDown(),
    };
  }
  const s = select(linked, scope);
  const n = s.count;
  const ids = new Array<string>(n);
  const { rollbacks, deployDays } = scanDeployments(linked, s, ids);
  const withoutRollbacks = n - rollbacks;
  const value = n / days;
  const interval = poissonRate(n, days);
  return {
    ...base,
    value,
    unit: "deployments/day",
    samples: n,
    level: levelFor("deploymentFrequency", value, scope.year),
    ...(interval ? { interval } : {}),
    details: {
      deployments: n,
      days,
      perWeek: value * 7,
      withoutRollbacks: withoutRollbacks / days,
      rollbacks,
      deploymentDays: deployDays,
      failedToDeploy: linked.failedToDeploy.filter((d) =>
        inWindow(d.finishedAt ?? d.startedAt, scope),
      ).length,
    },
    drillDown: { deployments: ids, changes: [], incidents: [] },
  };
}

/** Fills `ids` with the selection's deployment ids; counts rollbacks and days with a deployment. */
function scanDeployments(
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
interface LeadTimes {
  spans: Float64Array;
  count: number;
  ids: string[];
  deploymentIds: string[];
  negative: number;
  stageValues: Record<keyof Stages, number[]>;
}

function collectLeadTimes(
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

/**
 * Change lead time: first commit of a change to its first successful production deployment, over
 * changes whose first deployment is in the window. Median and p90, in seconds.
 */
export function leadTime(linked: Linked, scope: Scope): Figure {
  const base = {
    key: "leadTime" as const,
    name: figureNames.leadTime,
    unit: "seconds" as const,
  };
  const l = collectLeadTimes(linked, select(linked, scope), scope.cohort);
  const { spans, ids, deploymentIds, negative, stageValues } = l;
  const m = l.count;
  if (m === 0) {
    return {
      ...base,
      value: null,
      reason: !linked.anyDeployment
        ? noDeployments(linked, scope)
        : `no ${scope.cohort ? `${scope.cohort} ` : ""}change reached production in the window` +
          undeployedNote(linked, scope),
      samples: 0,
      level: null,
      details: { negativeExcluded: negative },
      drillDown: emptyDrillDown(),
    };
  }
  // A typed-array sort is numeric and several times faster than a comparator.
  const sorted = spans.subarray(0, m).sort();
  const median = quantileSorted(sorted, 0.5)!;
  const interval = medianInterval(sorted);
  const stages: Record<string, { median: number; samples: number } | null> = {};
  for (const [k, values] of Object.entries(stageValues)) {
    const st = sortedCopy(values);
    stages[k] =
      st.length > 0
        ? { median: quantileSorted(st, 0.5)!, samples: st.length }
        : null;
  }
  return {
    ...base,
    value: median,
    samples: m,
    level: levelFor("leadTime", median, scope.year),
    ...(interval ? { interval } : {}),
    details: {
      p90: quantileSorted(sorted, 0.9),
      negativeExcluded: negative,
      pullRequestStages: stages,
    },
    drillDown: { deployments: deploymentIds, changes: ids, incidents: [] },
  };
}

/** ` (N changes never deployed)` for the scope's cohort, or nothing when all were. */
function undeployedNote(linked: Linked, scope: Scope): string {
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
function collectFailed(
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
 * Change fail rate: live deployments in the window that needed intervention (rolled back, linked
 * to an incident, fixed by a later deployment) over all live deployments in the window. Each
 * deployment counts once, so the rate never passes 100%.
 */
export function changeFailRate(linked: Linked, scope: Scope): Figure {
  const base = {
    key: "changeFailRate" as const,
    name: figureNames.changeFailRate,
  };
  const s = select(linked, scope);
  if (s.count === 0) {
    return {
      ...base,
      value: null,
      reason: noDeployments(linked, scope),
      unit: "ratio",
      samples: 0,
      level: null,
      details: {},
      drillDown: emptyDrillDown(),
    };
  }
  const failed: string[] = [];
  const changes: string[] = [];
  const incidents: string[] = [];
  collectFailed(linked, s, failed, changes, incidents);
  const value = failed.length / s.count;
  const interval = wilson(failed.length, s.count);
  return {
    ...base,
    value,
    unit: "ratio",
    samples: s.count,
    level: levelFor("changeFailRate", value, scope.year),
    ...(interval ? { interval } : {}),
    details: {
      failed: failed.length,
      deployments: s.count,
      unattributedIncidents: linked.unattributed
        .filter((i) => inWindow(i.openedAt, scope))
        .map((i) => i.id),
    },
    drillDown: { deployments: failed, changes, incidents },
  };
}

/**
 * The recovery times (seconds) of the scope's recovered failures, with their deployment and
 * incident ids; returns how many failures have not recovered.
 */
function collectRecoveries(
  linked: Linked,
  scope: Scope,
  spans: number[],
  deploymentIds: string[],
  incidentIds: string[],
): number {
  const ai = scope.cohort === "ai-assisted" ? liveFlag.aiAssisted : 0;
  let open = 0;
  for (const f of linked.failureList) {
    if (!inWindow(f.startedAt, scope)) continue;
    if (
      scope.cohort !== undefined &&
      (linked.liveFlags[f.live]! & liveFlag.aiAssisted) !== ai
    ) {
      continue;
    }
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

/**
 * Failed deployment recovery time: from the failure (first linked incident opened, else the
 * deployment going live) to recovery (incidents resolved, rollback or fix live), median in seconds
 * over failures that started in the window and have recovered.
 */
export function recoveryTime(linked: Linked, scope: Scope): Figure {
  const base = {
    key: "recoveryTime" as const,
    name: figureNames.recoveryTime,
    unit: "seconds" as const,
  };
  const spans: number[] = [];
  const deploymentIds: string[] = [];
  const incidentIds: string[] = [];
  const open = collectRecoveries(
    linked,
    scope,
    spans,
    deploymentIds,
    incidentIds,
  );
  if (spans.length === 0) {
    return {
      ...base,
      value: null,
      reason: !linked.anyDeployment
        ? noDeployments(linked, scope)
        : open > 0
          ? `${open} failed deployments have not recovered yet`
          : `no ${scope.cohort ? `${scope.cohort} ` : ""}failed deployments in the window`,
      samples: 0,
      level: null,
      details: { unrecovered: open },
      drillDown: emptyDrillDown(),
    };
  }
  const sorted = sortedCopy(spans);
  const median = quantileSorted(sorted, 0.5)!;
  const interval = medianInterval(sorted);
  return {
    ...base,
    value: median,
    samples: spans.length,
    level: levelFor("recoveryTime", median, scope.year),
    ...(interval ? { interval } : {}),
    details: { p90: quantileSorted(sorted, 0.9), unrecovered: open },
    drillDown: {
      deployments: deploymentIds,
      changes: [],
      incidents: incidentIds,
    },
  };
}

/** The ids of the selection's rework deployments, their changes and the incidents they fix; returns how many are rollbacks. */
function collectRework(
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

/** Deployment rework rate: unplanned deployments that fix a production failure over all. */
export function reworkRate(linked: Linked, scope: Scope): Figure {
  const base = { key: "reworkRate" as const, name: figureNames.reworkRate };
  const s = select(linked, scope);
  if (s.count === 0) {
    return {
      ...base,
      value: null,
      reason: noDeployments(linked, scope),
      unit: "ratio",
      samples: 0,
      level: null,
      details: {},
      drillDown: emptyDrillDown(),
    };
  }
  const rework: string[] = [];
  const changes: string[] = [];
  const incidents: string[] = [];
  const rollbacks = collectRework(linked, s, rework, changes, incidents);
  const value = rework.length / s.count;
  const interval = wilson(rework.length, s.count);
  return {
    ...base,
    value,
    unit: "ratio",
    samples: s.count,
    level: levelFor("reworkRate", value, scope.year),
    ...(interval ? { interval } : {}),
    details: {
      rework: rework.length,
      rollbacks,
      deployments: s.count,
    },
    drillDown: { deployments: rework, changes, incidents },
  };
}
