import { and, eq } from "drizzle-orm";
import { AppError } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import type { Db } from "../store/index.js";
import type { ArtifactRef, Plan } from "./ports.js";
import { jobs, runHolds, runs, steps } from "./store-schema.js";

/** What a held run keeps to be resumed: its plan and the artifacts its ended jobs published. */
export interface HeldPlan {
  plan: Plan;
  artifacts: Record<string, ArtifactRef[]>;
}

/**
 * The store side of a held run: a run that meets a hold is recorded `held` with its plan and no
 * process (its jobs after the gate stay `pending`), and a resume takes it back, once, to run
 * the held jobs again. A held run is just rows: any later process may resume it.
 */
export function holdQueries(db: Db, clock: Pick<Clock, "now">) {
  /** Records a run as held at a gate: its plan kept, nothing closed, no owner. */
  async function holdRun(
    runId: string,
    plan: HeldPlan,
    reason: string,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      await tx
        .insert(runHolds)
        .values({ runId, plan, heldAt: new Date(clock.now()) })
        .onConflictDoUpdate({
          target: runHolds.runId,
          set: { plan, heldAt: new Date(clock.now()) },
        });
      await tx
        .update(runs)
        .set({ status: "held", reason, ownerPid: null, ownerHost: null })
        .where(eq(runs.id, runId));
    });
  }

  /**
   * Takes a held run back to `running` for `owner`, with its held jobs (and their steps) pending
   * again; returns its plan, or undefined when the run was not held (another resume took it, or
   * it was rejected meanwhile). One transaction, guarded on `status = 'held'`.
   */
  async function resumeHeldRun(
    runId: string,
    owner: { pid: number; host: string },
  ): Promise<HeldPlan | undefined> {
    return db.transaction(async (tx) => {
      const [taken] = await tx
        .update(runs)
        .set({
          status: "running",
          reason: null,
          ownerPid: owner.pid,
          ownerHost: owner.host,
        })
        .where(and(eq(runs.id, runId), eq(runs.status, "held")))
        .returning({ id: runs.id });
      if (!taken) return undefined;
      const [kept] = await tx
        .select({ plan: runHolds.plan })
        .from(runHolds)
        .where(eq(runHolds.runId, runId));
      // Thrown inside the transaction: the run stays held, nothing half-applied.
      if (!kept)
        throw new AppError(
          "CONFLICT",
          `run ${runId} is held but its plan was not kept; it cannot be resumed`,
        );
      const held = await tx
        .update(jobs)
        .set({ status: "pending", startedAt: null, finishedAt: null })
        .where(and(eq(jobs.runId, runId), eq(jobs.status, "held")))
        .returning({ id: jobs.id });
      for (const job of held) {
        await tx
          .update(steps)
          .set({
            status: "pending",
            exitCode: null,
            attempts: 0,
            reason: null,
            startedAt: null,
            finishedAt: null,
          })
          .where(eq(steps.jobId, job.id));
      }
      return kept.plan as HeldPlan;
    });
  }

  return { holdRun, resumeHeldRun };
}
