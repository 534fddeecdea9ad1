import type { JobQueue } from "./job-queue.js";
import type { LeaseStore } from "./ports.js";
import type { QueuedJobData } from "./runner-service.js";
import type { JobLease, RunnerIdentity } from "./runner-api.js";

/** A lease this process handed out: the queue's job, and the runner that holds it. */
export interface HeldLease {
  bossId: string;
  queue: string;
  data: QueuedJobData;
  runner: string;
}

/** What a claim reads and changes of the runner service that owns the leases. */
interface ClaimContext {
  queue: Pick<JobQueue, "fetchMany" | "cancel">;
  store: Pick<LeaseStore, "leaseJobs" | "releaseLease" | "updateJob">;
  now(): number;
  /** How long a lease lasts without a heartbeat, and how often runners heartbeat. */
  leaseMs: number;
  heartbeatMs: number;
  /** The job's waiter, when this process submitted it (a claim marks it `claimed`). */
  waiter(bossId: string): { cancelled: boolean; claimed: boolean } | undefined;
  /** Keeps a lease handed out (heartbeat, report and complete name it). */
  hold(leaseId: string, held: HeldLease): void;
}

/**
 * Claims up to `max` jobs for a runner: fetches them off the queue in one statement (per queue
 * tried), drops those cancelled meanwhile, records the leases in one statement, and hands out
 * those not cancelled while the claim was being recorded. Fewer than `max`, or none, when the
 * queue holds fewer.
 */
export async function claimLeases(
  runner: RunnerIdentity,
  max: number,
  ctx: ClaimContext,
): Promise<JobLease[]> {
  const out: JobLease[] = [];
  for (let drained = false; !drained && out.length < max;) {
    const asked = max - out.length;
    const fetched = await ctx.queue.fetchMany<QueuedJobData>(asked);
    // Fewer than asked for: the queue is empty (ask again only to replace cancelled ones).
    drained = fetched.length < asked;
    const taken: { fetched: (typeof fetched)[number]; leaseId: string }[] = [];
    for (const job of fetched) {
      const waiter = ctx.waiter(job.id);
      if (waiter?.cancelled) {
        await ctx.queue.cancel(job.queue, job.id);
        continue;
      }
      if (waiter) waiter.claimed = true;
      taken.push({ fetched: job, leaseId: `${job.id}.${job.attempt}` });
    }
    const expiresAt = ctx.now() + ctx.leaseMs;
    await ctx.store.leaseJobs(
      taken.map(({ fetched: job, leaseId }) => ({
        jobId: job.data.jobId,
        leaseId,
        runner: runner.id,
        expiresAt: new Date(expiresAt),
      })),
    );
    for (const { fetched: job, leaseId } of taken) {
      if (ctx.waiter(job.id)?.cancelled) {
        // Cancelled while the claim was being recorded: hand it out not.
        await ctx.store.releaseLease(leaseId);
        await ctx.store.updateJob(job.data.jobId, { status: "cancelled" });
        continue;
      }
      ctx.hold(leaseId, {
        bossId: job.id,
        queue: job.queue,
        data: job.data,
        runner: runner.id,
      });
      out.push({
        leaseId,
        runId: job.data.runId,
        job: job.data.job,
        input: job.data.input,
        infraAttempt: job.attempt,
        expiresAt,
        heartbeatMs: ctx.heartbeatMs,
      });
    }
  }
  return out;
}
