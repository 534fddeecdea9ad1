import type { Figure } from "./figure.js";
import { emptyDrillDown, figureNames } from "./figure.js";
import { levelFor } from "./levels.js";
import type { Linked } from "./link.js";
import type { Scope } from "./scans.js";
import {
  collectFailed,
  collectLeadTimes,
  collectRecoveries,
  collectRework,
  dayMs,
  inWindow,
  scanDeployments,
  select,
  undeployedNote,
} from "./scans.js";
import {
  medianInterval,
  poissonRate,
  quantileSorted,
  sortedCopy,
  wilson,
} from "./stats.js";

export type { Scope, Stages } from "./scans.js";
export { prStages } from "./scans.js";

function noDeployments(linked: Linked, scope: Scope): string {
  if (!linked.anyDeployment)
    return "no production deployments recorded for this scope";
  return scope.cohort
    ? `no ${scope.cohort} production deployments in the window`
    : "no production deployments in the window";
}

/** The short label shown in place of a level when failures cannot be seen. */
const noFailureSource = "no failure source";

/**
 * Why change fail rate and recovery time are unknown when every deployment in scope comes from a
 * history-only source (git import) and no incident was recorded, and what to do about it.
 */
const noFailureSourceReason =
  "no failure source: import incidents or connect a webhook (deployments come only from git history, which records no failure; " +
  "POST /api/v1/metrics/events, /api/v1/metrics/webhooks/{alertmanager,pagerduty,github}, or deploy with `sluice deploy`)";

/** The figure a calculator returns when no source in scope can report a failure, else undefined. */
function unknownFailures(
  linked: Linked,
  base: { key: "changeFailRate" | "recoveryTime"; name: string },
  unit: Figure["unit"],
): Figure | undefined {
  if (!linked.anyDeployment || linked.failureSources.length > 0)
    return undefined;
  return {
    ...base,
    value: null,
    reason: noFailureSourceReason,
    missingSource: noFailureSource,
    unit,
    samples: 0,
    level: null,
    details: {},
    drillDown: emptyDrillDown(),
  };
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
  const unknown = unknownFailures(linked, base, "ratio");
  if (unknown) return unknown;
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
  const unknown = unknownFailures(linked, base, "seconds");
  if (unknown) return unknown;
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
