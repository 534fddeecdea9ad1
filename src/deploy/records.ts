import { newId } from "../kernel/index.js";
import type {
  DeliveryEvent,
  DeploymentRecord,
  ReleaseRecord,
  RolloutRecord,
} from "./ports.js";
import { initialStatus } from "./status.js";
import type { ReleaseSpec, RolloutSpec } from "./spec.js";

/** What `DeployService.deploy` records a release from. */
export interface NewRelease {
  project: string;
  /** The release's name; a new one from the time when omitted. */
  version?: string | undefined;
  /** The commit the release was built from. */
  commit?: string | undefined;
  release: ReleaseSpec;
}

/** The release record of a deploy request at `now`. */
export function releaseRecord(request: NewRelease, now: number): ReleaseRecord {
  return {
    id: newId("rel", now),
    project: request.project,
    version:
      request.version ??
      `r${new Date(now).toISOString().replace(/\D/g, "").slice(0, 14)}`,
    command: request.release.command,
    env: request.release.env,
    health: request.release.health,
    createdAt: now,
    ...(request.commit ? { commit: request.commit } : {}),
    ...(request.release.port !== undefined
      ? { port: request.release.port }
      : {}),
    ...(request.release.cwd ? { cwd: request.release.cwd } : {}),
  };
}

/** What a new deployment of a release starts from. */
export interface DeploymentStart {
  project: string;
  environment: string;
  spec: RolloutSpec;
  release: ReleaseRecord;
  /** The release serving before it (null on a first deploy). */
  stable: string | null;
  /** Skip the steps: an undo back to a release that was stable. */
  fastTrack: boolean;
  now: number;
  /** Whether a `deployment.started` event goes to the outbox with the deployment. */
  withEvent: boolean;
}

/** The deployment, its rollout and its `deployment.started` event, recorded together. */
export function deploymentRecords(start: DeploymentStart): {
  deployment: DeploymentRecord;
  rollout: RolloutRecord;
  event: DeliveryEvent | null;
} {
  const { project, environment, spec, release, stable, fastTrack, now } = start;
  const deploymentId = newId("dep", now);
  return {
    deployment: {
      id: deploymentId,
      project,
      environment,
      releaseId: release.id,
      previousReleaseId: stable,
      status: "in_progress",
      reason: fastTrack ? "undo" : null,
      incidentId: null,
      startedAt: now,
      finishedAt: null,
    },
    rollout: {
      id: newId("ro", now),
      deploymentId,
      project,
      environment,
      spec,
      status: initialStatus({ release: release.id, stable, now, fastTrack }),
      processes: {},
      createdAt: now,
      updatedAt: now,
    },
    event: start.withEvent
      ? {
          kind: "deployment.started",
          at: now,
          deploymentId,
          project,
          environment,
          release: release.id,
          version: release.version,
          ...(release.commit ? { commit: release.commit } : {}),
        }
      : null,
  };
}
