import type { Logger } from "../../kernel/index.js";
import type { JobResult } from "../ports.js";
import type { JobQueue } from "./job-queue.js";
import type { LeaseStore } from "./ports.js";

/** What the janitor reads and changes of the runner service that owns the leases. */
export interface LeaseJanitorContext {
  store: Pick<LeaseStore, "expiredLeases" | "requeueJob" | "updateJob">;
  queue: Pick<JobQueue, "fail">;
  logger: Logger;
  /** Requeues after a lost runner before the job fails. */
  infraRetries: number;
  /** Forgets a lease; what it held when this process handed it out, else undefined. */
  forgetLease(leaseId: string): { runner: string; queue: string } | undefined;
  /** The job's waiter, when this process submitted it. */
  waiter(
    bossId: string,
  ):
    | { queue?: string | undefined; resolve(result: JobResult): void }
    | undefined;
  /** A job went back to the queue: wake the runners. */
  requeued(): void;
}

/**
 * The lease janitor's pass: a lease that was not renewed by `now` means its runner is gone. The
 * job goes back to the queue (an infrastructure retry) or, after `infraRetries` requeues, fails.
 */
export async function requeueExpiredLeases(
  now: number,
  ctx: LeaseJanitorContext,
): Promise<void> {
  for (const expired of await ctx.store.expiredLeases(new Date(now))) {
    const [bossId] = expired.leaseId.split(".");
    const held = ctx.forgetLease(expired.leaseId);
    const lostFor = `runner ${held?.runner ?? "unknown"} lost (lease expired)`;
    if (
      !(await ctx.store.requeueJob(expired.jobId, expired.leaseId, lostFor))
    ) {
      continue;
    }
    const waiter = ctx.waiter(bossId!);
    const queue = held?.queue ?? waiter?.queue;
    if (queue) await ctx.queue.fail(queue, bossId!, lostFor);
    ctx.logger.warn("requeued a job whose runner was lost", {
      runId: expired.runId,
      jobId: expired.jobId,
      infraRetries: expired.infraRetries + 1,
    });
    if (expired.infraRetries + 1 > ctx.infraRetries) {
      const reason = `${lostFor}; gave up after ${ctx.infraRetries} requeues`;
      await ctx.store.updateJob(expired.jobId, {
        status: "failure",
        reason,
        finishedAt: new Date(now),
      });
      waiter?.resolve({
        status: "failure",
        outputs: {},
        steps: [],
        error: reason,
      });
    } else {
      ctx.requeued();
    }
  }
}
