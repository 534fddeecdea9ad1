import type { TrafficMetricsSource } from "./analysis/providers.js";
import type { RolloutSpec } from "./spec.js";
import type { ReleaseState, RolloutStatus } from "./types.js";

/** A built release and how it runs on the local target. */
export interface ReleaseRecord {
  id: string;
  project: string;
  /** The name users give it (`v2`, a commit); unique per project. */
  version: string;
  command: string;
  port?: number;
  env: Record<string, string>;
  cwd?: string;
  health: string;
  /** The commit the release was built from: deployments reach the DORA figures through it. */
  commit?: string;
  createdAt: number;
}

/** How a release is doing on the target, with what is needed to find it again after a restart. */
export interface TargetReleaseState {
  state: ReleaseState;
  pid: number | null;
  port: number | null;
  restarts: number;
  error?: string;
}

/** What the target does with traffic: `weight` percent to the canary, the rest to stable. */
export interface TargetRoutes {
  stable: string | null;
  canary: string | null;
  weight: number;
}

/** What the target serves right now: its routes and the state of each routed release. */
export interface TargetServing {
  /** False when nothing runs (stopped, or never started). */
  running: boolean;
  endpoint: string;
  routes: TargetRoutes;
  states: Record<string, ReleaseState>;
}

/** A deploy target (local processes today; Kubernetes later behind the same port). */
export interface DeployTarget extends TrafficMetricsSource {
  /** Starts a release in the background; `releaseState` tells when it is ready or failed. */
  startRelease(release: ReleaseRecord): Promise<void>;
  releaseState(releaseId: string): Promise<TargetReleaseState>;
  /** Routes only to ready releases; stable keeps serving whatever the canary does. */
  setRoutes(routes: TargetRoutes): Promise<void>;
  /** Takes the release out of the routes, drains it, stops it. */
  stopRelease(releaseId: string): Promise<void>;
  /**
   * After a restart of sluice: finds a release still running on the target, re-adopts its
   * process from the recorded pid and port, or starts it again.
   */
  recover(
    release: ReleaseRecord,
    recorded: { pid: number | null; port: number | null },
  ): Promise<"running" | "adopted" | "restarted">;
  /** Where users reach the service (the proxy). */
  endpoint(): Promise<string>;
  /** What the target serves now (for status: what is true, not what the rollout wanted). */
  serving(): Promise<TargetServing>;
  /** Stops the service: every release and the proxy; false when nothing was running. */
  shutdown(): Promise<boolean>;
  /** Releases the client's resources; the target keeps running. */
  close(): Promise<void>;
}

/** Turns flags off when a rollout fails: the flags capability implements it. */
export interface FlagKillSwitch {
  kill(
    flags: string[],
    context: {
      reason: string;
      actor: string;
      environment: string;
      project: string;
    },
  ): Promise<void>;
}

/** Facts about deliveries for the metrics capability (DORA). */
export type DeliveryEvent =
  | {
      kind:
        | "deployment.started"
        | "deployment.succeeded"
        | "deployment.failed"
        | "deployment.rolled_back";
      at: number;
      deploymentId: string;
      project: string;
      environment: string;
      release: string;
      version: string;
      /** The commit of the release, when known. */
      commit?: string;
      reason?: string;
    }
  | {
      kind: "incident.opened" | "incident.resolved";
      at: number;
      incidentId: string;
      deploymentId: string;
      project: string;
      environment: string;
      reason?: string;
    };

/** Where delivery events go; app.ts wires it to the metrics capability's ingestion. */
/**
 * Signs each deployment into the evidence log before it is recorded (issue 12): a deployment the
 * log cannot take is not started. `runId` names the run whose deploy step asked for it.
 */
export interface DeploymentEvidence {
  deploying(deployment: {
    deployment: DeploymentRecord;
    release: ReleaseRecord;
    runId?: string | undefined;
  }): Promise<void>;
}

export interface DeliveryEvents {
  emit(event: DeliveryEvent): Promise<void>;
}

/** A delivery event waiting in the deploy outbox. */
interface PendingEvent {
  id: string;
  event: DeliveryEvent;
  attempts: number;
}

/** A deployment as stored. */
export interface DeploymentRecord {
  id: string;
  project: string;
  environment: string;
  releaseId: string;
  previousReleaseId: string | null;
  status: "in_progress" | "succeeded" | "failed" | "rolled_back" | "superseded";
  reason: string | null;
  incidentId: string | null;
  startedAt: number;
  finishedAt: number | null;
}

/** A rollout as stored: spec and status are the state machine's own values. */
export interface RolloutRecord {
  id: string;
  deploymentId: string;
  project: string;
  environment: string;
  spec: RolloutSpec;
  status: RolloutStatus;
  processes: Record<string, { pid: number | null; port: number | null }>;
  createdAt: number;
  updatedAt: number;
}

export interface IncidentRecord {
  id: string;
  deploymentId: string;
  project: string;
  environment: string;
  reason: string;
  startedAt: number;
  resolvedAt: number | null;
}

/** What the deploy capability persists; `./store.ts` implements it. */
export interface DeployStore {
  /** Returns the release of that project and version, creating it the first time. */
  saveRelease(release: ReleaseRecord): Promise<ReleaseRecord>;
  getRelease(id: string): Promise<ReleaseRecord | null>;
  listReleases(project: string): Promise<ReleaseRecord[]>;
  createDeployment(deployment: DeploymentRecord): Promise<void>;
  finishDeployment(
    id: string,
    status: DeploymentRecord["status"],
    reason: string | null,
    at: number,
  ): Promise<void>;
  listDeployments(
    project: string,
    environment?: string,
  ): Promise<DeploymentRecord[]>;
  createRollout(rollout: RolloutRecord): Promise<void>;
  /**
   * Records a new deployment, its rollout and its `deployment.started` event in one transaction:
   * the event waits in the outbox until `eventDelivered`, so a failed hand-over is not lost
   * (null: nobody takes delivery events, nothing is kept).
   */
  startDeployment(
    deployment: DeploymentRecord,
    rollout: RolloutRecord,
    event: DeliveryEvent | null,
  ): Promise<void>;
  /** Events not yet delivered, oldest first. */
  pendingEvents(limit: number): Promise<PendingEvent[]>;
  /** Removes a delivered event from the outbox. */
  eventDelivered(id: string): Promise<void>;
  /** Counts a failed delivery; the event stays for the next attempt. */
  eventFailed(id: string): Promise<void>;
  saveRollout(
    id: string,
    status: RolloutRecord["status"],
    processes: RolloutRecord["processes"],
    at: number,
  ): Promise<void>;
  getRollout(id: string): Promise<RolloutRecord | null>;
  /** The newest rollout of an environment. */
  latestRollout(
    project: string,
    environment: string,
  ): Promise<RolloutRecord | null>;
  /** Rollouts not yet Healthy or aborted, in any environment (to resume after a restart). */
  unfinishedRollouts(): Promise<RolloutRecord[]>;
  /** Opens the incident of a deployment (at most one); returns its id. */
  openIncident(incident: Omit<IncidentRecord, "resolvedAt">): Promise<string>;
  resolveIncident(id: string, at: number): Promise<void>;
  getIncident(id: string): Promise<IncidentRecord | null>;
}
