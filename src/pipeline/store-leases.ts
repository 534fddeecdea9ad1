import { and, eq, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { Clock } from "../kernel/index.js";
import type { Db } from "../store/index.js";
import type { RecordedJobStatus } from "./ports.js";
import type { StepUpdate } from "./queue/ports.js";
import { rowsOf, stepColumnsFrom, stepRecordset } from "./store-step-sql.js";
import { jobs, steps } from "./store-schema.js";

/**
 * The run store's queue side (the queue's `LeaseStore`): which runner holds a job until when, and
 * how a leased job ends or goes back to the queue.
 */
export function leaseQueries(db: Db, clock: Clock) {
  return {
    /** Records that a runner holds the job until `expiresAt`. */
    async leaseJob(
      jobId: string,
      lease: { leaseId: string; runner: string; expiresAt: Date },
    ): Promise<void> {
      await db
        .update(jobs)
        .set({
          leaseId: lease.leaseId,
          leasedBy: lease.runner,
          leaseExpiresAt: lease.expiresAt,
          status: "running",
          startedAt: new Date(clock.now()),
        })
        .where(eq(jobs.id, jobId));
    },

    /** Records several leases at once (a runner claimed a batch): one statement. */
    async leaseJobs(
      leases: {
        jobId: string;
        leaseId: string;
        runner: string;
        expiresAt: Date;
      }[],
    ): Promise<void> {
      if (leases.length === 0) return;
      const rows = JSON.stringify(
        leases.map((l) => ({
          job_id: l.jobId,
          lease_id: l.leaseId,
          leased_by: l.runner,
          expires_at: l.expiresAt.toISOString(),
        })),
      );
      await db.execute(
        sql`update ${jobs} as j set lease_id = v.lease_id, leased_by = v.leased_by,
              lease_expires_at = v.expires_at, status = 'running',
              started_at = ${new Date(clock.now()).toISOString()}::timestamptz
            from jsonb_to_recordset(${rows}::jsonb)
              as v(job_id text, lease_id text, leased_by text, expires_at timestamptz)
            where j.id = v.job_id`,
      );
    },

    /** Jobs waiting in the queue (not claimed yet) show as `queued`; a job already further is left alone. */
    async markQueued(jobIds: string[]): Promise<void> {
      if (jobIds.length === 0) return;
      await db
        .update(jobs)
        .set({ status: "queued" })
        .where(and(inArray(jobs.id, jobIds), eq(jobs.status, "pending")));
    },

    /** Extends a lease; false when the lease is no longer held (expired and requeued, or done). */
    async renewLease(leaseId: string, expiresAt: Date): Promise<boolean> {
      const rows = await db
        .update(jobs)
        .set({ leaseExpiresAt: expiresAt })
        .where(eq(jobs.leaseId, leaseId))
        .returning({ id: jobs.id });
      return rows.length > 0;
    },

    /**
     * Ends a leased job in one statement: drops the lease, records the outcome, and writes the
     * steps the runner has not reported yet. False when the lease was no longer held (then
     * nothing changes).
     */
    async completeLease(
      leaseId: string,
      outcome: {
        status: RecordedJobStatus;
        outputs: Record<string, string>;
        reason: string | null;
        finishedAt: Date;
      },
      stepUpdates: StepUpdate[] = [],
    ): Promise<boolean> {
      const done = sql`update ${jobs} set status = ${outcome.status},
          outputs = ${JSON.stringify(outcome.outputs)}::jsonb, reason = ${outcome.reason},
          finished_at = ${outcome.finishedAt.toISOString()}::timestamptz,
          lease_id = null, leased_by = null, lease_expires_at = null
        where lease_id = ${leaseId} returning id`;
      const result = await db.execute(
        stepUpdates.length === 0
          ? done
          : sql`with done as (${done}),
              step_rows as (
                update ${steps} as s set ${stepColumnsFrom("v")}
                from ${stepRecordset(stepUpdates)}, done
                where s.job_id = done.id and s.position = v.position
                returning s.id
              )
            select id from done`,
      );
      return rowsOf(result).length > 0;
    },

    /** Drops a lease when its job completes; false when the lease was no longer held. */
    async releaseLease(leaseId: string): Promise<boolean> {
      const rows = await db
        .update(jobs)
        .set({ leaseId: null, leasedBy: null, leaseExpiresAt: null })
        .where(eq(jobs.leaseId, leaseId))
        .returning({ id: jobs.id });
      return rows.length > 0;
    },

    /** Jobs whose lease ran out before `now`: their runner is presumed lost. */
    async expiredLeases(
      now: Date,
    ): Promise<
      { jobId: string; runId: string; leaseId: string; infraRetries: number }[]
    > {
      const rows = await db
        .select({
          jobId: jobs.id,
          runId: jobs.runId,
          leaseId: jobs.leaseId,
          infraRetries: jobs.infraRetries,
        })
        .from(jobs)
        .where(and(isNotNull(jobs.leaseId), lt(jobs.leaseExpiresAt, now)));
      return rows.map((row) => ({ ...row, leaseId: row.leaseId! }));
    },

    /**
     * Takes an expired lease back (only if it is still `leaseId`): the job goes back to `queued`
     * with one more infrastructure retry, and its steps back to `pending`. Returns false when
     * another janitor or a late completion won.
     */
    async requeueJob(
      jobId: string,
      leaseId: string,
      reason: string,
    ): Promise<boolean> {
      return db.transaction(async (tx) => {
        const rows = await tx
          .update(jobs)
          .set({
            status: "queued",
            leaseId: null,
            leasedBy: null,
            leaseExpiresAt: null,
            reason,
            infraRetries: sql`${jobs.infraRetries} + 1`,
          })
          .where(and(eq(jobs.id, jobId), eq(jobs.leaseId, leaseId)))
          .returning({ id: jobs.id });
        if (rows.length === 0) return false;
        await tx
          .update(steps)
          .set({
            status: "pending",
            exitCode: null,
            warnings: [],
            startedAt: null,
            finishedAt: null,
          })
          .where(eq(steps.jobId, jobId));
        return true;
      });
    },
  };
}
