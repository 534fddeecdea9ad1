import type { Change, Cohort, Deployment } from "../model.js";
import type { Figure } from "./figure.js";
import { emptyDrillDown, figureNames } from "./figure.js";
import type { ReportYear } from "./levels.js";
import { levelFor } from "./levels.js";
import type { Linked } from "./link.js";
import { liveAt } from "./link.js";
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

// Three figures read the same deployments of a scope: filter 100,000 deployments once per scope.
const scopeCache = new WeakMap<Linked, WeakMap<Scope, Deployment[]>>();

function deploymentsInScope(linked: Linked, scope: Scope): Deployment[] {
  let byScope = scopeCache.get(linked);
  if (!byScope) scopeCache.set(linked, (byScope = new WeakMap()));
  let out = byScope.get(scope);
  if (!out) {
    out = linked.live.filter(
      (d) =>
        inWindow(liveAt(d), scope) &&
        (scope.cohort === undefined || linked.cohortOf.get(d) === scope.cohort),
    );
    byScope.set(scope, out);
  }
  return out;
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
  const deployments = deploymentsInScope(linked, scope);
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
  const n = deployments.length;
  const withoutRollbacks = deployments.filter((d) => !d.rollbackOf).length;
  const deployDays = new Set(
    deployments.map((d) => Math.floor(liveAt(d) / dayMs)),
  ).size;
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
      rollbacks: n - withoutRollbacks,
      deploymentDays: deployDays,
      failedToDeploy: linked.failedToDeploy.filter((d) =>
        inWindow(d.finishedAt ?? d.startedAt, scope),
      ).length,
    },
    drillDown: {
      deployments: deployments.map((d) => d.id),
      changes: [],
      incidents: [],
    },
  };
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

/** Change → first deployment pairs as parallel arrays, in deployment order. */
interface ShippedChanges {
  changes: Change[];
  deployments: Deployment[];
  at: Float64Array;
  undeployedByCohort: Record<Cohort, number>;
}

// Every scope (overall, each cohort, each week) reads the same change → deployment pairs.
const shippedCache = new WeakMap<Linked, ShippedChanges>();

function shippedChanges(linked: Linked): ShippedChanges {
  let cached = shippedCache.get(linked);
  if (!cached) {
    // In deployment order, so a deployment's pairs are consecutive.
    const changes: Change[] = [];
    const deployments: Deployment[] = [];
    const at: number[] = [];
    const undeployedByCohort: Record<Cohort, number> = {
      "ai-assisted": 0,
      unmarked: 0,
    };
    for (const change of linked.changes) undeployedByCohort[change.cohort]++;
    for (const deployment of linked.live) {
      if (deployment.status !== "success") continue;
      const t = liveAt(deployment);
      for (const change of linked.shippedBy.get(deployment) ?? []) {
        changes.push(change);
        deployments.push(deployment);
        at.push(t);
        undeployedByCohort[change.cohort]--;
      }
    }
    cached = {
      changes,
      deployments,
      at: Float64Array.from(at),
      undeployedByCohort,
    };
    shippedCache.set(linked, cached);
  }
  return cached;
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
  const spans: number[] = [];
  const ids: string[] = [];
  // Pairs come in deployment order: consecutive duplicates are the only duplicates.
  const deploymentIds: string[] = [];
  let negative = 0;
  let undeployed = 0;
  const stageValues: Record<keyof Stages, number[]> = {
    coding: [],
    pickup: [],
    review: [],
    deploy: [],
  };
  const shipped = shippedChanges(linked);
  const { undeployedByCohort } = shipped;
  undeployed =
    scope.cohort === undefined
      ? undeployedByCohort["ai-assisted"] + undeployedByCohort.unmarked
      : undeployedByCohort[scope.cohort];
  for (let k = 0; k < shipped.changes.length; k++) {
    const at = shipped.at[k]!;
    if (at < scope.from || at >= scope.to) continue;
    const c = shipped.changes[k]!;
    if (scope.cohort !== undefined && c.cohort !== scope.cohort) continue;
    const d = shipped.deployments[k]!;
    const ms = at - c.firstCommitAt;
    // A first commit after its own deployment is clock skew or a rewritten date: no lead time.
    if (ms < 0) {
      negative++;
      continue;
    }
    spans.push(ms / 1000);
    ids.push(c.id);
    if (deploymentIds[deploymentIds.length - 1] !== d.id)
      deploymentIds.push(d.id);
    if (c.kind === "pull_request") {
      const s = prStages(c, at);
      for (const k of Object.keys(stageValues) as (keyof Stages)[]) {
        const v = s[k];
        if (v !== null) stageValues[k].push(v / 1000);
      }
    }
  }
  if (spans.length === 0) {
    return {
      ...base,
      value: null,
      reason: !linked.anyDeployment
        ? noDeployments(linked, scope)
        : `no ${scope.cohort ? `${scope.cohort} ` : ""}change reached production in the window` +
          (undeployed > 0 ? ` (${undeployed} changes never deployed)` : ""),
      samples: 0,
      level: null,
      details: { negativeExcluded: negative },
      drillDown: emptyDrillDown(),
    };
  }
  const sorted = sortedCopy(spans);
  const median = quantileSorted(sorted, 0.5)!;
  const interval = medianInterval(sorted);
  const stages: Record<string, { median: number; samples: number } | null> = {};
  for (const [k, values] of Object.entries(stageValues)) {
    const s = sortedCopy(values);
    stages[k] =
      s.length > 0
        ? { median: quantileSorted(s, 0.5)!, samples: s.length }
        : null;
  }
  return {
    ...base,
    value: median,
    samples: spans.length,
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
  const deployments = deploymentsInScope(linked, scope);
  if (deployments.length === 0) {
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
  const failed = deployments.filter((d) => linked.failures.has(d.id));
  const incidents = failed.flatMap((d) =>
    linked.failures.get(d.id)!.incidents.map((i) => i.id),
  );
  const value = failed.length / deployments.length;
  const interval = wilson(failed.length, deployments.length);
  return {
    ...base,
    value,
    unit: "ratio",
    samples: deployments.length,
    level: levelFor("changeFailRate", value, scope.year),
    ...(interval ? { interval } : {}),
    details: {
      failed: failed.length,
      deployments: deployments.length,
      unattributedIncidents: linked.unattributed
        .filter((i) => inWindow(i.openedAt, scope))
        .map((i) => i.id),
    },
    drillDown: {
      deployments: failed.map((d) => d.id),
      changes: failed.flatMap((d) =>
        (linked.shippedBy.get(d) ?? []).map((c) => c.id),
      ),
      incidents,
    },
  };
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
  let open = 0;
  for (const f of linked.failures.values()) {
    if (!inWindow(f.startedAt, scope)) continue;
    if (
      scope.cohort !== undefined &&
      linked.cohortOf.get(f.deployment) !== scope.cohort
    ) {
      continue;
    }
    if (f.recoveredAt === undefined) {
      open++;
      continue;
    }
    spans.push(Math.max(0, f.recoveredAt - f.startedAt) / 1000);
    deploymentIds.push(f.deployment.id);
    incidentIds.push(...f.incidents.map((i) => i.id));
  }
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

/** An unplanned deployment: a rollback, a hotfix, or one that names incidents it fixes. */
export function isRework(d: Deployment): boolean {
  return (
    Boolean(d.rollbackOf) || d.hotfix === true || (d.fixes?.length ?? 0) > 0
  );
}

/** Deployment rework rate: unplanned deployments that fix a production failure over all. */
export function reworkRate(linked: Linked, scope: Scope): Figure {
  const base = { key: "reworkRate" as const, name: figureNames.reworkRate };
  const deployments = deploymentsInScope(linked, scope);
  if (deployments.length === 0) {
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
  const rework = deployments.filter(isRework);
  const value = rework.length / deployments.length;
  const interval = wilson(rework.length, deployments.length);
  return {
    ...base,
    value,
    unit: "ratio",
    samples: deployments.length,
    level: levelFor("reworkRate", value, scope.year),
    ...(interval ? { interval } : {}),
    details: {
      rework: rework.length,
      rollbacks: rework.filter((d) => d.rollbackOf).length,
      deployments: deployments.length,
    },
    drillDown: {
      deployments: rework.map((d) => d.id),
      changes: rework.flatMap((d) =>
        (linked.shippedBy.get(d) ?? []).map((c) => c.id),
      ),
      incidents: rework.flatMap((d) => d.fixes ?? []),
    },
  };
}
