import type { Deployment, Incident } from "../model.js";
import { lastAtOrBefore, liveAt } from "./positions.js";

// How failures are found: incidents linked to the deployment that caused them, rollbacks and fixes
// as remedies, and each failure's start and recovery. Deployments are positions in `Linked.live`.

/** Why an event was left out of every figure. */
export interface Rejected {
  kind: "change" | "deployment" | "incident";
  id: string;
  reason: string;
}

/** A deployment that went live and then needed intervention. */
export interface Failure {
  deployment: Deployment;
  /** The position of `deployment` in `Linked.live`. */
  live: number;
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

/**
 * Deployments by id (the last one of an id wins) with their position in `live` (-1 when the
 * deployment did not go live). Only rollbacks and incidents naming a deployment need it, so it is
 * built on first use: 100,000 deployments without either skip it.
 */
export class DeploymentIndex {
  private positions: Map<string, number> | undefined;
  constructor(
    private readonly deployments: readonly Deployment[],
    private readonly liveOf: readonly number[],
  ) {}
  /** The position in `live` of the deployment with this id, -1 when not live, undefined when none. */
  liveIndex(id: string): number | undefined {
    if (!this.positions) {
      const livePosition = new Int32Array(this.deployments.length).fill(-1);
      for (let i = 0; i < this.liveOf.length; i++)
        livePosition[this.liveOf[i]!] = i;
      this.positions = new Map();
      for (let j = 0; j < this.deployments.length; j++)
        this.positions.set(this.deployments[j]!.id, livePosition[j]!);
    }
    return this.positions.get(id);
  }
}

/** Failures by deployment id, created on first evidence. */
export class Failures {
  readonly byId = new Map<string, Failure>();
  constructor(
    private readonly live: readonly Deployment[],
    private readonly liveTimes: Float64Array,
  ) {}
  of(i: number): Failure {
    const d = this.live[i]!;
    let f = this.byId.get(d.id);
    if (!f) {
      f = {
        deployment: d,
        live: i,
        incidents: [],
        remedies: [],
        startedAt:
          d.status === "rolled_back" ? d.startedAt : this.liveTimes[i]!,
        recoveredAt: undefined,
        evidence: [],
      };
      this.byId.set(d.id, f);
    }
    return f;
  }
}

/** Links each incident: explicit deployment, then root-cause commit, then the time window. */
export function attributeIncidents(
  incidents: readonly Incident[],
  options: {
    project?: string | undefined;
    environment: string;
    incidentWindowMs: number;
  },
  liveTimes: Float64Array,
  index: DeploymentIndex,
  firstShipOfSha: ReadonlyMap<string, number>,
  failures: Failures,
  rejected: Rejected[],
): Incident[] {
  const { project, environment } = options;
  const unattributed: Incident[] = [];
  for (const incident of incidents) {
    if (project !== undefined && incident.project !== project) continue;
    if (incident.environment && incident.environment !== environment) continue;
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
    // The target as a position in `live`; a named deployment that never went live leaves the
    // incident unattributed.
    let target: number | undefined;
    if (incident.deploymentId) target = index.liveIndex(incident.deploymentId);
    if (target === undefined && incident.commit)
      target = firstShipOfSha.get(incident.commit);
    if (target === undefined) {
      const c = lastAtOrBefore(liveTimes, incident.openedAt);
      if (
        c >= 0 &&
        incident.openedAt - liveTimes[c]! <= options.incidentWindowMs
      )
        target = c;
    }
    if (target === undefined || target < 0) {
      unattributed.push(incident);
      continue;
    }
    const f = failures.of(target);
    f.incidents.push(incident);
    if (!f.evidence.includes("incident")) f.evidence.push("incident");
  }
  return unattributed;
}

/** Rollbacks in place, rollback deployments and fix deployments. */
export function applyRemedies(
  live: readonly Deployment[],
  index: DeploymentIndex,
  failures: Failures,
  rejected: Rejected[],
): void {
  const incidentFailure = new Map<string, Failure>();
  for (const f of failures.byId.values())
    for (const incident of f.incidents) incidentFailure.set(incident.id, f);
  for (let i = 0; i < live.length; i++) {
    const d = live[i]!;
    if (d.status === "rolled_back") failures.of(i).evidence.push("rolled_back");
    if (d.rollbackOf) {
      const target = index.liveIndex(d.rollbackOf) ?? -1;
      if (target >= 0) {
        const f = failures.of(target);
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
    if (d.fixes) {
      for (const incidentId of d.fixes) {
        const f = incidentFailure.get(incidentId);
        if (f && f.deployment !== d) {
          f.remedies.push(d);
          if (!f.evidence.includes("fix_deployment"))
            f.evidence.push("fix_deployment");
        }
      }
    }
  }
}

/** Sets each failure's start and recovery; returns the failures in the map's order. */
export function settle(failures: Failures): Failure[] {
  const list: Failure[] = [];
  for (const f of failures.byId.values()) {
    list.push(f);
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
  return list;
}

/** Failures are keyed by deployment id: every live deployment of a failed id counts as failed. */
export function failurePositions(
  live: readonly Deployment[],
  failureList: readonly Failure[],
): Int32Array {
  const failureAt = new Int32Array(live.length).fill(-1);
  if (failureList.length === 0) return failureAt;
  const position = new Map<string, number>();
  for (let p = 0; p < failureList.length; p++)
    position.set(failureList[p]!.deployment.id, p);
  for (let i = 0; i < live.length; i++) {
    const p = position.get(live[i]!.id);
    if (p !== undefined) failureAt[i] = p;
  }
  return failureAt;
}
