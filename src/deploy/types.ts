/** The phase a user sees, as in Argo Rollouts. */
type RolloutPhase = "Progressing" | "Paused" | "Healthy" | "Degraded";

/** A measurement's outcome (Argo's AnalysisPhase for one measurement). */
export type MeasurementPhase =
  "Successful" | "Failed" | "Inconclusive" | "Error";

/** A metric's or an analysis run's phase. Ordered best to worst in `analysisRunPhaseOrder`. */
export type AnalysisPhase =
  "Pending" | "Running" | "Successful" | "Failed" | "Inconclusive" | "Error";

interface Measurement {
  seq: number;
  phase: MeasurementPhase;
  /** The provider's value (numbers, a small record), shown in status. Never a secret. */
  value?: unknown;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

export interface MetricStatus {
  name: string;
  phase: AnalysisPhase;
  measurements: Measurement[];
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveErrors: number;
  /** When the next measurement is due. */
  nextAt: number;
  /** A measurement was asked for and has not come back. */
  inFlight?: { seq: number; since: number };
  message?: string;
  dryRun: boolean;
}

/** One execution of an analysis template (Argo's AnalysisRun). */
export interface AnalysisRun {
  id: string;
  template: string;
  stepIndex: number;
  phase: AnalysisPhase;
  metrics: MetricStatus[];
  startedAt: number;
  finishedAt?: number;
}

type PauseReason = "PauseStep" | "Inconclusive" | "AnalysisFailed" | "Manual";

/** One line of a rollout's history, with its time. */
export interface TimelineEntry {
  at: number;
  event: string;
  step?: number;
  weight?: number;
  detail?: string;
}

/** How the rollout's release is doing on the target. */
export type ReleaseState = "none" | "starting" | "ready" | "failed" | "stopped";

/** The persisted state of a rollout; `reconcile` reads and returns it. */
export interface RolloutStatus {
  phase: RolloutPhase;
  message: string;
  /** Index into the effective steps; equal to their count when all are done. */
  stepIndex: number;
  /** Share of traffic on the new release (canary), 0..100. */
  weight: number;
  aborted: boolean;
  /** The release being rolled out, and the one serving before it (null on a first deploy). */
  canary: { release: string; state: ReleaseState; error?: string };
  stable: string | null;
  pause?: { reason: PauseReason; since: number; until?: number };
  /** The analysis run of the current step, while it runs. */
  analysisRun?: AnalysisRun;
  /** Finished analysis runs, oldest first. */
  analysisRuns: AnalysisRun[];
  /** When the new release first got traffic: the start of an incident if it fails. */
  canaryTrafficSince?: number;
  /** Skip the steps (a first deploy, or an undo back to a release that was stable). */
  fastTrack?: boolean;
  /** Counts `retry`s so analysis run ids stay unique. */
  attempt: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  timeline: TimelineEntry[];
}

/** What a user (CLI, API) asks of a rollout. */
export type RolloutCommand =
  | { kind: "promote"; full?: boolean }
  /** `superseded`: a new deployment replaces a rollout that waited for a person (ADR 076). */
  | { kind: "abort"; reason?: string; superseded?: boolean }
  | { kind: "retry" }
  | { kind: "pause" }
  /** Back to the previous release: an abort while in progress (a promoted rollout is undone by a new, fast-tracked one). */
  | { kind: "undo" };

/** A measurement that came back, for the analysis run and metric that asked for it. */
export interface MeasurementResult {
  analysisRunId: string;
  metric: string;
  seq: number;
  phase: MeasurementPhase;
  value?: unknown;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

/** What the controller saw since the last reconcile. */
export interface Observations {
  /** The new release on the target. */
  canary?: { state: ReleaseState; error?: string };
  results?: MeasurementResult[];
  commands?: RolloutCommand[];
}

/** Side effects as values; the controller applies them in order through the target and ports. */
export type RolloutAction =
  | { kind: "startRelease"; release: string }
  | { kind: "setWeight"; weight: number }
  /** The new release takes the stable role; the old stable is stopped after draining. */
  | { kind: "promoteRelease"; release: string; previous: string | null }
  | { kind: "stopRelease"; release: string }
  | {
      kind: "measure";
      analysisRunId: string;
      template: string;
      metric: string;
      seq: number;
      /** The window the measurement covers (proxy metrics, baseline). */
      window: { from: number; to: number };
    }
  | { kind: "killFlags"; flags: string[]; reason: string }
  | { kind: "openIncident"; startedAt: number; reason: string }
  | { kind: "resolveIncident" }
  | {
      kind: "recordDeployment";
      outcome: "succeeded" | "failed" | "rolled_back" | "superseded";
      reason?: string;
    };

export interface ReconcileResult {
  status: RolloutStatus;
  actions: RolloutAction[];
}
