import type { CacheStatus, StepStatus } from "../ports.js";

/** A step's state as a runner reports it (undefined fields keep their value). */
export interface StepUpdate {
  position: number;
  status: "running" | StepStatus;
  exitCode?: number | null | undefined;
  cache?: CacheStatus | null | undefined;
  attempts?: number | undefined;
  logPath?: string | null | undefined;
  warnings?: string[] | undefined;
  startedAt?: Date | null | undefined;
  finishedAt?: Date | null | undefined;
}

/**
 * What the queue needs from the store: job leases and job/step statuses. `RunStore` in
 * src/pipeline/store-leases.ts implements it; the queue never sees SQL.
 */
export interface LeaseStore {
  leaseJob(
    jobId: string,
    lease: { leaseId: string; runner: string; expiresAt: Date },
  ): Promise<void>;
  /** Records several leases in one statement (a batch claim). */
  leaseJobs(
    leases: {
      jobId: string;
      leaseId: string;
      runner: string;
      expiresAt: Date;
    }[],
  ): Promise<void>;
  /** Shows jobs still waiting in the queue as `queued` (only those still `pending`). */
  markQueued(jobIds: string[]): Promise<void>;
  /** False when the lease is no longer held. */
  renewLease(leaseId: string, expiresAt: Date): Promise<boolean>;
  /** False when the lease is no longer held. */
  releaseLease(leaseId: string): Promise<boolean>;
  expiredLeases(now: Date): Promise<
    {
      jobId: string;
      runId: string;
      leaseId: string;
      infraRetries: number;
    }[]
  >;
  /**
   * Drops the lease, records the job's outcome and the steps not reported yet, in one statement;
   * false when the lease was lost.
   */
  completeLease(
    leaseId: string,
    patch: {
      status: "success" | "failure" | "skipped" | "cancelled" | "held";
      outputs: Record<string, string>;
      reason: string | null;
      finishedAt: Date;
    },
    steps?: StepUpdate[],
  ): Promise<boolean>;
  /** Takes an expired lease back; false when someone else already did. */
  requeueJob(jobId: string, leaseId: string, reason: string): Promise<boolean>;
  updateJob(
    jobId: string,
    patch: {
      status?:
        | "queued"
        | "running"
        | "success"
        | "failure"
        | "skipped"
        | "cancelled"
        | "held";
      outputs?: Record<string, string>;
      reason?: string | null;
      startedAt?: Date | null;
      finishedAt?: Date | null;
    },
  ): Promise<void>;
  /** Writes several steps of a job in one statement. */
  updateSteps(jobId: string, steps: StepUpdate[]): Promise<void>;
  updateStep(
    jobId: string,
    position: number,
    patch: {
      status?:
        "running" | "success" | "failure" | "skipped" | "cancelled" | "held";
      exitCode?: number | null;
      cache?: "exact" | "partial" | "miss" | null;
      attempts?: number;
      logPath?: string | null;
      startedAt?: Date | null;
      finishedAt?: Date | null;
    },
  ): Promise<void>;
}
