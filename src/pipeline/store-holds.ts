import { and, asc, eq, inArray, isNull, notInArray } from "drizzle-orm";
import { AppError } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import type { Db } from "../store/index.js";
import type { ArtifactRef, Plan } from "./ports.js";
import { jobs, runHolds, runs, steps } from "./store-schema.js";

/**
 * What a held (or handed-back) run keeps to be continued: its plan, the artifacts its ended jobs
 * published and, for a handed-back run, how many jobs it ran at once.
 */
export interface HeldPlan {
  plan: Plan;
  artifacts: Record<string, ArtifactRef[]>;
  maxParallel?: number | undefined;
}

/**
 * The store side of a held run: a run that meets a hold is recorded `held` with its plan and no
 * process (its jobs after the gate stay `pending`), and a resume takes it back, once, to run
 * the held jobs again. A held run is just rows: any later process may resume it.
 *
 * A run handed back by a stopping server (ADR 106) is kept the same way, `queued` with no
 * owner process (its host kept): its ended jobs keep their results, the others are pending again, and the next server
 * takes it back (`resumeHeldRun(…, "queued")`) and runs them.
 */
export function holdQueries(db: Db, clock: Pick<Clock, "now">) {
  type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
  /** Its jobs (and their steps) pending again, as before they ran. */
  async function resetJobs(tx: Tx, jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await tx
      .update(jobs)
      .set({
        status: "pending",
        reason: null,
        leaseId: null,
        leasedBy: null,
        leaseExpiresAt: null,
        startedAt: null,
        finishedAt: null,
      })
      .where(inArray(jobs.id, jobIds));
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
      .where(inArray(steps.jobId, jobIds));
  }

  /**
   * Records a running run as handed back by the process that drove it (a stopping server): its
   * plan kept, `queued` with no owner process, the jobs not in `ended` (and their steps) pending again.
   * Nothing happens to a run that is no longer running (it ended, or was cancelled meanwhile).
   */
  async function handBackRun(
    runId: string,
    kept: HeldPlan,
    ended: readonly string[],
    reason: string,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      const [taken] = await tx
        .update(runs)
        // Its host stays: only a server there has its folder (`handedBackRuns`).
        .set({ status: "queued", reason, ownerPid: null })
        .where(and(eq(runs.id, runId), eq(runs.status, "running")))
        .returning({ id: runs.id });
      if (!taken) return;
      await tx
        .insert(runHolds)
        .values({ runId, plan: kept, heldAt: new Date(clock.now()) })
        .onConflictDoUpdate({
          target: runHolds.runId,
          set: { plan: kept, heldAt: new Date(clock.now()) },
        });
      const open = await tx
        .select({ id: jobs.id })
        .from(jobs)
        .where(
          and(
            eq(jobs.runId, runId),
            ...(ended.length > 0 ? [notInArray(jobs.key, [...ended])] : []),
          ),
        );
      await resetJobs(
        tx,
        open.map((job) => job.id),
      );
    });
  }

  /**
   * The runs a stopping server on `host` handed back, oldest first: the next server there
   * continues them.
   */
  async function handedBackRuns(host: string): Promise<string[]> {
    const rows = await db
      .select({ id: runs.id })
      .from(runs)
      .innerJoin(runHolds, eq(runHolds.runId, runs.id))
      .where(
        and(
          eq(runs.status, "queued"),
          isNull(runs.ownerPid),
          eq(runs.ownerHost, host),
        ),
      )
      .orderBy(asc(runs.createdAt));
    return rows.map((row) => row.id);
  }

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
   * Takes a held run (or, `from` queued, a handed-back one) back to `running` for `owner`, with
   * its held jobs (and their steps) pending again; returns its plan, or undefined when the run
   * was not so (another process took it, or it was rejected meanwhile). One transaction,
   * guarded on its status.
   */
  async function resumeHeldRun(
    runId: string,
    owner: { pid: number; host: string },
    from: "held" | "queued" = "held",
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
        .where(
          and(
            eq(runs.id, runId),
            eq(runs.status, from),
            ...(from === "queued" ? [isNull(runs.ownerPid)] : []),
          ),
        )
        .returning({ id: runs.id });
      if (!taken) return undefined;
      const [kept] = await tx
        .select({ plan: runHolds.plan })
        .from(runHolds)
        .where(eq(runHolds.runId, runId));
      // Thrown inside the transaction: the run stays as it was, nothing half-applied.
      if (!kept)
        throw new AppError(
          "CONFLICT",
          `run ${runId} is ${from} but its plan was not kept; it cannot be continued`,
        );
      const held = await tx
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.runId, runId), eq(jobs.status, "held")));
      await resetJobs(
        tx,
        held.map((job) => job.id),
      );
      return kept.plan as HeldPlan;
    });
  }

  return { holdRun, resumeHeldRun, handBackRun, handedBackRuns };
}
