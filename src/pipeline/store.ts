import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { AppError, newId } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import type { Database } from "../store/index.js";
import type {
  CacheStatus,
  RecordedJobStatus,
  RecordedRunStatus,
  RecordedStepStatus,
  RunRecorder,
} from "./ports.js";
import type { StepUpdate } from "./queue/ports.js";
import { holdQueries } from "./store-holds.js";
import { leaseQueries } from "./store-leases.js";
import { runQueries } from "./store-queries.js";
import type { JobRow, RunRow } from "./store-queries.js";
import { jobs, runs, steps } from "./store-schema.js";
import { stepColumnsFrom, stepRecordset } from "./store-step-sql.js";

/** The change a run is for, as read from git. */
interface ChangeFacts {
  commit?: string | undefined;
  branch?: string | undefined;
  author?: string | undefined;
  authorEmail?: string | undefined;
  message?: string | undefined;
  /** `Key: value` trailers of the commit message, values in order. */
  trailers?: Record<string, string[]>;
}

export interface NewRun {
  project: string;
  trigger: string;
  workdir: string;
  change: ChangeFacts;
  /** What the run runs (a checkout of the commit, or the working tree and whether it is dirty). */
  source?:
    | {
        kind: string;
        dirty: boolean;
        diffHash?: string | undefined;
      }
    | undefined;
  ownerPid?: number;
  ownerHost?: string;
}

export interface NewJob {
  key: string;
  name: string;
  needs: string[];
  concurrencyGroup?: string | undefined;
  /** Step names in order; recorded as `pending`. */
  steps: string[];
}

export interface JobPatch {
  status?: RecordedJobStatus;
  attempt?: number;
  outputs?: Record<string, string>;
  reason?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

export interface StepPatch {
  status?: RecordedStepStatus;
  exitCode?: number | null;
  cache?: CacheStatus | null;
  attempts?: number;
  logPath?: string | null;
  logBytes?: number | null;
  reason?: string | null;
  warnings?: string[];
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

const openJobStatuses: RecordedJobStatus[] = ["pending", "queued", "running"];
const openStepStatuses: RecordedStepStatus[] = ["pending", "running"];

/**
 * Runs, jobs and steps on drizzle: the run service's `RunLedger`, the queue's `LeaseStore`
 * (./store-leases.ts) and the reads (./store-queries.ts). Every write is one short statement or
 * transaction: PGlite is one connection, and step logs live in files, never in rows.
 */
export function createRunStore(database: Database, deps: { clock: Clock }) {
  const { db } = database;
  const { clock } = deps;
  const reads = runQueries(db);

  /** Records a new run as `queued` for a change. */
  async function createRun(input: NewRun): Promise<RunRow> {
    const now = new Date(clock.now());
    const [row] = await db
      .insert(runs)
      .values({
        id: newId("run", now.getTime()),
        project: input.project,
        status: "queued",
        trigger: input.trigger,
        workdir: input.workdir,
        commit: input.change.commit ?? null,
        branch: input.change.branch ?? null,
        author: input.change.author ?? null,
        authorEmail: input.change.authorEmail ?? null,
        message: input.change.message ?? null,
        trailers: input.change.trailers ?? {},
        source: input.source?.kind ?? null,
        dirty: input.source?.dirty ?? false,
        diffHash: input.source?.diffHash ?? null,
        ownerPid: input.ownerPid ?? null,
        ownerHost: input.ownerHost ?? null,
        createdAt: now,
      })
      .returning();
    return row!;
  }

  /**
   * Records the planned jobs and their steps as `pending`, in one transaction, and returns the
   * job rows keyed by job key.
   */
  async function addJobs(
    runId: string,
    planned: NewJob[],
  ): Promise<Map<string, JobRow>> {
    const now = clock.now();
    const jobRows = planned.map((job, position) => ({
      id: newId("job", now),
      runId,
      position,
      key: job.key,
      name: job.name,
      status: "pending" as const,
      needs: job.needs,
      concurrencyGroup: job.concurrencyGroup ?? null,
    }));
    const stepRows = planned.flatMap((job, i) =>
      job.steps.map((name, position) => ({
        id: newId("step", now),
        jobId: jobRows[i]!.id,
        runId,
        position,
        name,
        status: "pending" as const,
      })),
    );
    const inserted = await db.transaction(async (tx) => {
      const rows =
        jobRows.length > 0
          ? await tx.insert(jobs).values(jobRows).returning()
          : [];
      if (stepRows.length > 0) await tx.insert(steps).values(stepRows);
      return rows;
    });
    return new Map(inserted.map((row) => [row.key, row]));
  }

  async function startRun(runId: string): Promise<void> {
    await db
      .update(runs)
      .set({ status: "running", startedAt: new Date(clock.now()) })
      .where(eq(runs.id, runId));
  }

  /**
   * Ends a run with a final status. Jobs and steps still open are closed with the same outcome
   * (`cancelled`/`interrupted`) or `skipped`, so no run is left half recorded.
   */
  async function finishRun(
    runId: string,
    status: Exclude<RecordedRunStatus, "queued" | "running">,
    reason?: string,
  ): Promise<void> {
    const now = new Date(clock.now());
    const leftover: RecordedJobStatus & RecordedStepStatus =
      status === "cancelled" || status === "interrupted" ? status : "skipped";
    await db.transaction(async (tx) => {
      await tx
        .update(steps)
        .set({ status: leftover, finishedAt: now })
        .where(
          and(eq(steps.runId, runId), inArray(steps.status, openStepStatuses)),
        );
      // A run that ends while held (rejected, timed out) ends its held jobs as it ended.
      await tx
        .update(jobs)
        .set({ status: status === "failure" ? "failure" : leftover })
        .where(and(eq(jobs.runId, runId), eq(jobs.status, "held")));
      await tx
        .update(jobs)
        .set({
          status: leftover,
          finishedAt: now,
          leaseId: null,
          leasedBy: null,
          leaseExpiresAt: null,
        })
        .where(
          and(eq(jobs.runId, runId), inArray(jobs.status, openJobStatuses)),
        );
      await tx
        .update(runs)
        .set({ status, finishedAt: now, reason: reason ?? null })
        .where(eq(runs.id, runId));
    });
  }

  async function updateJob(jobId: string, patch: JobPatch): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    await db.update(jobs).set(patch).where(eq(jobs.id, jobId));
  }

  /** Updates the step at `position` of a job. */
  async function updateStep(
    jobId: string,
    position: number,
    patch: StepPatch,
  ): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    await db
      .update(steps)
      .set(patch)
      .where(and(eq(steps.jobId, jobId), eq(steps.position, position)));
  }

  /**
   * Writes several steps of a job in one statement (a runner reports a job's steps in batches).
   * A field left undefined keeps its value.
   */
  async function updateSteps(
    jobId: string,
    updates: StepUpdate[],
  ): Promise<void> {
    if (updates.length === 0) return;
    await db.execute(
      sql`update ${steps} as s set ${stepColumnsFrom("v")} from ${stepRecordset(updates)}
          where s.job_id = ${jobId} and s.position = v.position`,
    );
  }

  /** Adds a step the plan did not know of (a matrix cell's extra step); returns its position. */
  async function appendStep(jobId: string, name: string): Promise<number> {
    const [job] = await db
      .select({ runId: jobs.runId })
      .from(jobs)
      .where(eq(jobs.id, jobId));
    if (!job) throw new AppError("NOT_FOUND", `job ${jobId} not found`);
    const [last] = await db
      .select({ n: sql<number>`coalesce(max(${steps.position}), -1)::int` })
      .from(steps)
      .where(eq(steps.jobId, jobId));
    const position = (last?.n ?? -1) + 1;
    await db.insert(steps).values({
      id: newId("step", clock.now()),
      jobId,
      runId: job.runId,
      position,
      name,
      status: "pending",
    });
    return position;
  }

  /**
   * Runs left `queued`/`running` by a process that is gone become `interrupted` (with their open
   * jobs and steps), so every run ends either finished with a status or interrupted. Only runs
   * owned on `host` are judged; `isAlive` answers for a pid there. Returns the ids it changed.
   */
  async function markInterrupted(
    host: string,
    isAlive: (pid: number) => boolean,
  ): Promise<string[]> {
    const open = await db
      .select({ id: runs.id, ownerPid: runs.ownerPid })
      .from(runs)
      .where(
        and(
          inArray(runs.status, ["queued", "running"]),
          eq(runs.ownerHost, host),
          isNotNull(runs.ownerPid),
        ),
      );
    const dead = open.filter((run) => !isAlive(run.ownerPid!));
    for (const run of dead) {
      await finishRun(
        run.id,
        "interrupted",
        `the process ${run.ownerPid} that ran it is gone`,
      );
    }
    return dead.map((run) => run.id);
  }

  /**
   * The pipeline's `RunRecorder` for one run: job keys map to the rows `addJobs` created. Used by
   * the scheduler (and by a runner that runs jobs in-process without the queue).
   */
  function recorder(jobIds: ReadonlyMap<string, string>): RunRecorder {
    const idOf = (key: string): string => {
      const id = jobIds.get(key);
      if (!id) throw new AppError("INTERNAL", `job ${key} was not recorded`);
      return id;
    };
    const now = () => new Date(clock.now());
    return {
      jobStarted: async (key) =>
        updateJob(idOf(key), { status: "running", startedAt: now() }),
      stepStarted: async (key, position) =>
        updateStep(idOf(key), position, {
          status: "running",
          startedAt: now(),
        }),
      stepFinished: async (key, position, result) =>
        updateStep(idOf(key), position, {
          status: result.status,
          exitCode: result.exitCode ?? null,
          cache: result.cache ?? null,
          attempts: result.attempts,
          logPath: result.logPath ?? null,
          ...(result.warnings ? { warnings: result.warnings } : {}),
          finishedAt: now(),
        }),
      jobFinished: async (key, result) =>
        updateJob(idOf(key), {
          status: result.status,
          outputs: result.outputs,
          finishedAt: now(),
        }),
    };
  }

  return {
    createRun,
    addJobs,
    startRun,
    finishRun,
    updateJob,
    updateStep,
    updateSteps,
    appendStep,
    markInterrupted,
    recorder,
    ...reads,
    ...leaseQueries(db, clock),
    ...holdQueries(db, clock),
  };
}

/** Runs, jobs and steps (the run service's ledger, the queue's lease store and the reads). */
export type RunStore = ReturnType<typeof createRunStore>;
