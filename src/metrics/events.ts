import type { Cohort, Marker } from "./model.js";

/** A change as recorded (one row of the append-only changes table). Times in ms. */
export interface ChangeRecord {
  project: string;
  id: string;
  kind: "commit" | "pull_request";
  commits: string[];
  mergeCommit?: string | undefined;
  branch?: string | undefined;
  firstCommitAt: number;
  openedAt?: number | undefined;
  firstReviewAt?: number | undefined;
  mergedAt?: number | undefined;
  author?: string | undefined;
  authorEmail?: string | undefined;
  title?: string | undefined;
  trailers: [string, string][];
  cohort: Cohort;
  markers: Marker[];
  source: string;
}

export type DeploymentEventType =
  "started" | "succeeded" | "failed" | "rolled_back";

/** A deployment event; the natural key is (project, deploymentId, type). */
export interface DeploymentEvent {
  project: string;
  deploymentId: string;
  type: DeploymentEventType;
  at: number;
  environment?: string | undefined;
  release?: string | undefined;
  commit?: string | undefined;
  shipped?: string[] | undefined;
  rollbackOf?: string | undefined;
  hotfix?: boolean | undefined;
  fixes?: string[] | undefined;
  source: string;
}

export type IncidentEventType = "opened" | "resolved";

/** An incident event; the natural key is (project, incidentId, type). */
export interface IncidentEvent {
  project: string;
  incidentId: string;
  type: IncidentEventType;
  at: number;
  /** When the incident opened, if a resolution event knows it. */
  openedAt?: number | undefined;
  environment?: string | undefined;
  severity?: string | undefined;
  deploymentId?: string | undefined;
  commit?: string | undefined;
  title?: string | undefined;
  source: string;
}

/** All recorded events of a scope. */
export interface RecordedEvents {
  changes: ChangeRecord[];
  deployments: DeploymentEvent[];
  incidents: IncidentEvent[];
}
