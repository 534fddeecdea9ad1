import type {
  Change,
  Cohort,
  Deployment,
  Incident,
  MetricsData,
} from "../model.js";

/** How the figures are scoped and how loose evidence is linked. */
export interface LinkOptions {
  /** Only this project (all projects when omitted). */
  project?: string | undefined;
  /** The environment whose deployments count; `production` by default. */
  environment: string;
  /**
   * An incident with no explicit deployment or root-cause commit is linked to the latest live
   * deployment that finished at most this long before it opened; otherwise it stays unattributed.
   */
  incidentWindowMs: number;
}

/** Why an event was left out of every figure. */
export interface Rejected {
  kind: "change" | "deployment" | "incident";
  id: string;
  reason: string;
}

/** A deployment that went live and then needed intervention. */
export interface Failure {
  deployment: Deployment;
  incidents: Incident[];
  /** The rollback or fix deployments that undid it. */
  remedies: Deployment[];
  /** Failure start: the earliest linked incident's opening, else when the deployment went live. */
  startedAt: number;
  /** Recovery: the earliest of all incidents resolved, a remedy live, an in-place rollback done. */
  recoveredAt: number | undefined;
  /** How the failure was detected, for the drill-down. */
  evidence: (
    "rolled_back" | "rollback_deployment" | "incident" | "fix_deployment"
  )[];
}

/** The events of one scope, linked: what every figure reads. */
export interface Linked {
  /** Live deployments (success or rolled back) of the scope, ordered by `liveAt`. */
  live: Deployment[];
  /** Deployments that failed before going live (pipeline failures: not change failures). */
  failedToDeploy: Deployment[];
  /** Changes by id, with the first successful deployment that shipped each. */
  firstDeployment: Map<Change, Deployment>;
  /** The changes in scope (commits covered by a pull request are folded into it). */
  changes: Change[];
  /** Changes each live deployment carried for the first time (shipped, when it succeeded). */
  shippedBy: Map<Deployment, Change[]>;
  cohortOf: Map<Deployment, Cohort>;
  failures: Map<string, Failure>;
  /** Incidents with no deployment by evidence or window: they count for nothing but are listed. */
  unattributed: Incident[];
  rejected: Rejected[];
  /** Whether any deployment of the scope exists at all (a window with none then means 0, not unknown). */
  anyDeployment: boolean;
}

/** When a deployment's effect began: its finish for a success, its start for an in-place rollback. */
export function liveAt(d: Deployment): number {
  return d.finishedAt ?? d.startedAt;
}

function isLive(d: Deployment): boolean {
  return d.status === "success" || d.status === "rolled_back";
}

/** Links changes, deployments and incidents of one scope. Pure; O(events · log events). */
export function link(data: MetricsData, options: LinkOptions): Linked {
  const inProject = <T extends { project: string }>(x: T) =>
    options.project === undefined || x.project === options.project;
  const rejected: Rejected[] = [];

  const deployments = data.deployments.filter(
    (d) => inProject(d) && d.environment === options.environment,
  );
  const live = deployments.filter(isLive);
  // Stored events usually arrive in time order: sort only when they did not.
  let ordered = true;
  for (let i = 1; i < live.length && ordered; i++) {
    if (liveAt(live[i - 1]!) > liveAt(live[i]!)) ordered = false;
  }
  if (!ordered) live.sort((a, b) => liveAt(a) - liveAt(b));
  const failedToDeploy = deployments.filter((d) => d.status === "failed");
  // Deployments by id: only rollbacks and incidents naming a deployment need it, so it is built
  // on first use (100,000 deployments without either skip it).
  let byIdMap: Map<string, Deployment> | undefined;
  const byId = {
    get(id: string): Deployment | undefined {
      if (!byIdMap) {
        byIdMap = new Map();
        for (const d of deployments) byIdMap.set(d.id, d);
      }
      return byIdMap.get(id);
    },
  };

  // Commits that belong to a pull request are counted once, as the pull request.
  const projectChanges =
    options.project === undefined
      ? data.changes
      : data.changes.filter(inProject);
  const coveredByPr = new Set<string>();
  for (const c of projectChanges) {
    if (c.kind !== "pull_request") continue;
    for (const sha of c.commits) coveredByPr.add(sha);
    if (c.mergeCommit) coveredByPr.add(c.mergeCommit);
  }
  const changes =
    coveredByPr.size === 0
      ? projectChanges
      : projectChanges.filter(
          (c) => c.kind === "pull_request" || !coveredByPr.has(c.id),
        );
  // A SHA points at the changes it belongs to: its own commit change, or the PR that holds it
  // (by branch commit or by the squash/merge commit that landed).
  // One change per SHA is the common case: store it bare, an array only when shared.
  const changesOfSha = new Map<string, Change | Change[]>();
  const addSha = (sha: string, c: Change) => {
    const had = changesOfSha.get(sha);
    if (had === undefined) changesOfSha.set(sha, c);
    else if (Array.isArray(had)) {
      if (!had.includes(c)) had.push(c);
    } else if (had !== c) changesOfSha.set(sha, [had, c]);
  };
  for (const c of changes) {
    for (const sha of c.commits) addSha(sha, c);
    if (c.mergeCommit) addSha(c.mergeCommit, c);
  }

  // First successful deployment per change; a SHA deployed again later is not shipped again.
  // Maps are keyed by object, not id: 100,000 deployments must stay cheap.
  const firstDeployment = new Map<Change, Deployment>();
  const shippedBy = new Map<Deployment, Change[]>();
  const firstShipOfSha = new Map<string, Deployment>();
  // The deployment that last carried each change: dedupes a change reachable from several SHAs of
  // one deployment without a set per deployment.
  const carriedBy = new Map<Change, Deployment>();
  const needShaIndex = data.incidents.some((i) => i.commit !== undefined);
  const carry = (
    sha: string,
    d: Deployment,
    success: boolean,
    shipped: Change[],
  ) => {
    if (needShaIndex && success && !firstShipOfSha.has(sha))
      firstShipOfSha.set(sha, d);
    const had = changesOfSha.get(sha);
    if (had === undefined) return;
    if (Array.isArray(had))
      for (const c of had) carryChange(c, d, success, shipped);
    else carryChange(had, d, success, shipped);
  };
  const carryChange = (
    c: Change,
    d: Deployment,
    success: boolean,
    shipped: Change[],
  ) => {
    if (firstDeployment.has(c)) return;
    if (success) firstDeployment.set(c, d);
    else {
      // A deployment rolled back in place carried these changes (its cohort) but did not ship them.
      if (carriedBy.get(c) === d) return;
      carriedBy.set(c, d);
    }
    shipped.push(c);
  };
  for (const d of live) {
    const shipped: Change[] = [];
    const success = d.status === "success";
    if (d.shipped) for (const sha of d.shipped) carry(sha, d, success, shipped);
    else carry(d.commit, d, success, shipped);
    shippedBy.set(d, shipped);
  }

  // Cohort of a deployment: AI-assisted when it ships at least one AI-assisted change; a rollback
  // takes the cohort of the deployment it undoes (its rework belongs there).
  const cohortOf = new Map<Deployment, Cohort>();
  for (const d of live) {
    let cohort: Cohort = "unmarked";
    for (const c of shippedBy.get(d)!) {
      if (c.cohort === "ai-assisted") {
        cohort = "ai-assisted";
        break;
      }
    }
    cohortOf.set(d, cohort);
  }
  for (const d of live) {
    if (!d.rollbackOf) continue;
    const undone = byId.get(d.rollbackOf);
    const target = undone ? cohortOf.get(undone) : undefined;
    if (target) cohortOf.set(d, target);
  }

  // Incidents: explicit deployment, then root-cause commit, then the time window.
  const failures = new Map<string, Failure>();
  const failureOf = (d: Deployment): Failure => {
    let f = failures.get(d.id);
    if (!f) {
      f = {
        deployment: d,
        incidents: [],
        remedies: [],
        startedAt: d.status === "rolled_back" ? d.startedAt : liveAt(d),
        recoveredAt: undefined,
        evidence: [],
      };
      failures.set(d.id, f);
    }
    return f;
  };
  const unattributed: Incident[] = [];
  const liveTimes = live.map(liveAt);
  for (const incident of data.incidents.filter(inProject)) {
    if (incident.environment && incident.environment !== options.environment)
      continue;
    if (
      incident.resolvedAt !== undefined &&
      incident.resolvedAt < incident.openedAt
    ) {
      rejected.push({
        kind: "incident",
        id: incident.id,
        reason: "resolved before it opened",
      });
      continue;
    }
    let target: Deployment | undefined;
    if (incident.deploymentId) target = byId.get(incident.deploymentId);
    if (!target && incident.commit)
      target = firstShipOfSha.get(incident.commit);
    if (!target) {
      const i = lastAtOrBefore(liveTimes, incident.openedAt);
      const candidate = i >= 0 ? live[i] : undefined;
      if (
        candidate &&
        incident.openedAt - liveAt(candidate) <= options.incidentWindowMs
      ) {
        target = candidate;
      }
    }
    if (!target || !isLive(target)) {
      unattributed.push(incident);
      continue;
    }
    const f = failureOf(target);
    f.incidents.push(incident);
    if (!f.evidence.includes("incident")) f.evidence.push("incident");
  }

  // Rollbacks in place, rollback deployments and fix deployments.
  const incidentFailure = new Map<string, Failure>();
  for (const f of failures.values())
    for (const i of f.incidents) incidentFailure.set(i.id, f);
  for (const d of live) {
    if (d.status === "rolled_back") failureOf(d).evidence.push("rolled_back");
    if (d.rollbackOf) {
      const target = byId.get(d.rollbackOf);
      if (target && isLive(target)) {
        const f = failureOf(target);
        f.remedies.push(d);
        f.evidence.push("rollback_deployment");
      } else {
        rejected.push({
          kind: "deployment",
          id: d.id,
          reason: `rolls back ${d.rollbackOf}, which is not a live deployment in scope`,
        });
      }
    }
    for (const incidentId of d.fixes ?? []) {
      const f = incidentFailure.get(incidentId);
      if (f && f.deployment !== d) {
        f.remedies.push(d);
        if (!f.evidence.includes("fix_deployment"))
          f.evidence.push("fix_deployment");
      }
    }
  }

  for (const f of failures.values()) {
    const opened = f.incidents.map((i) => i.openedAt);
    if (opened.length > 0) f.startedAt = Math.min(...opened);
    const ends: number[] = [];
    if (
      f.deployment.status === "rolled_back" &&
      f.deployment.finishedAt !== undefined
    ) {
      ends.push(f.deployment.finishedAt);
    }
    for (const r of f.remedies)
      if (liveAt(r) >= f.startedAt) ends.push(liveAt(r));
    if (
      f.incidents.length > 0 &&
      f.incidents.every((i) => i.resolvedAt !== undefined)
    ) {
      ends.push(Math.max(...f.incidents.map((i) => i.resolvedAt!)));
    }
    f.recoveredAt = ends.length > 0 ? Math.min(...ends) : undefined;
  }

  return {
    live,
    failedToDeploy,
    firstDeployment,
    changes,
    shippedBy,
    cohortOf,
    failures,
    unattributed,
    rejected,
    anyDeployment: live.length > 0,
  };
}

/** Index of the last value ≤ t in an ascending array, or -1. */
function lastAtOrBefore(sorted: readonly number[], t: number): number {
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
