import type { TrafficMetricsSource } from "./analysis/providers.js";
import type { ReleaseState } from "./types.js";

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
export interface DeliveryEvents {
  emit(event: DeliveryEvent): Promise<void>;
}
