import type {
  CacheStatus,
  JobInput,
  JobResult,
  PlannedJob,
  StepStatus,
} from "../ports.js";

/** What a runner says about itself when it asks for work. */
export interface RunnerIdentity {
  /** Unique per runner process, e.g. `embedded-<pid>` or an agent's name. */
  id: string;
  /** Labels the runner offers (`linux`, `node`); jobs are not routed by label yet. */
  labels: string[];
}

/** A job handed to a runner: everything needed to run it, and the lease that must be kept alive. */
export interface JobLease {
  /** Names this claim (a requeued job gets a new lease id). */
  leaseId: string;
  runId: string;
  job: PlannedJob;
  input: JobInput;
  /** 0 on the first claim, 1 and 2 after a lost runner. */
  infraAttempt: number;
  /** Milliseconds since the epoch; heartbeat before then. */
  expiresAt: number;
  /** How often the runner should heartbeat, in milliseconds. */
  heartbeatMs: number;
}

/** What a heartbeat answers: the new expiry, and whether the run was cancelled meanwhile. */
export interface HeartbeatReply {
  expiresAt: number;
  cancel: boolean;
}

/**
 * A step's state in a batched report: a runner writes a job's steps together (with `complete`, or
 * once a step has run for a while), not one statement per step start and end. Times are
 * milliseconds since the epoch, on the runner's clock.
 */
export interface StepReport {
  position: number;
  status: "running" | StepStatus;
  exitCode?: number | undefined;
  cache?: CacheStatus | undefined;
  attempts?: number | undefined;
  logPath?: string | undefined;
  warnings?: string[] | undefined;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
}

/** A progress report from a runner, mirroring the pipeline's `RunRecorder` calls. */
export type RunnerReport =
  | { kind: "steps"; steps: StepReport[] }
  | { kind: "jobStarted" }
  | { kind: "stepStarted"; position: number; name: string }
  | {
      kind: "stepFinished";
      position: number;
      status: StepStatus;
      exitCode?: number | undefined;
      cache?: CacheStatus | undefined;
      attempts: number;
      logPath?: string | undefined;
      warnings?: string[] | undefined;
    };

/**
 * The runner protocol. The embedded runner calls it in-process; a remote `sluice agent` will call
 * the same operations over HTTP (`POST /runner/jobs/claim`, `/heartbeat`, `/logs`, `/complete`).
 * Runners never touch the database. Every call after `claim` names its lease; a call on a lease
 * that was lost (expired and requeued) fails with CONFLICT, and the runner must stop the job.
 */
export interface RunnerApi {
  /** The next job this runner may run, or null when there is none. */
  claim(runner: RunnerIdentity): Promise<JobLease | null>;
  /** Up to `max` jobs at once (fewer, or none, when the queue holds fewer). */
  claimMany(runner: RunnerIdentity, max: number): Promise<JobLease[]>;
  heartbeat(leaseId: string): Promise<HeartbeatReply>;
  report(leaseId: string, report: RunnerReport): Promise<void>;
  /** Appends (already masked) output to a step's log on the server's side. */
  appendLog(leaseId: string, position: number, chunk: string): Promise<void>;
  /** Ends the job; `steps` are the step states not reported yet (written with the outcome). */
  complete(
    leaseId: string,
    result: JobResult,
    steps?: StepReport[],
  ): Promise<void>;
}

/** A job's final status as the dispatcher sees it (re-exported for callers). */
