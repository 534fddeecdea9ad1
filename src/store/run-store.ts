import { and, asc, desc, eq, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { AppError, newId } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import type {
  CacheStatus,
  RecordedJobStatus,
  RecordedRunStatus,
  RecordedStepStatus,
  RunRecorder,
  StepUpdate,
} from "../pipeline/index.js";
import type { Db } from "./database.js";
import { jobs, runs, steps } from "./schema/index.js";

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

export type RunRow = typeof runs.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
type StepRow = typeof steps.$inferSelect;

/** A run with its jobs and their steps, in plan order. */
export interface RunDetail extends RunRow {
  jobs: (JobRow & { steps: StepRow[] })[];
}

export interface RunFilter {
  project?: string;
  status?: RecordedRunStatus;
  branch?: string;
  limit?: number;
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

const finalRunStatuses: RecordedRunStatus[] = [
  "success",
  "failure",
  "cancelled",
  "interrupted",
];
const openJobStatuses: RecordedJobStatus[] = ["pending", "queued", "running"];
const openStepStatuses: RecordedStepStatus[] = ["pending", "running"];

/**
 * Runs, jobs and steps on drizzle. Every write is one short statement or transaction: PGlite is one
 * connection, and step logs live in files, never in rows.
 */
export class RunStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Records a new run as `queued` for a change. */
  async createRun(input: NewRun): Promise<RunRow> {
    const now = new Date(this.clock.now());
    const [row] = await this.db
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
  async addJobs(
    runId: string,
    planned: NewJob[],
  ): Promise<Map<string, JobRow>> {
    const now = this.clock.now();
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
    const inserted = await this.db.transaction(async (tx) => {
      const rows =
        jobRows.length > 0
          ? await tx.insert(jobs).values(jobRows).returning()
          : [];
      if (stepRows.length > 0) await tx.insert(steps).values(stepRows);
      return rows;
    });
    return new Map(inserted.map((row) => [row.key, row]));
  }

  async startRun(runId: string): Promise<void> {
    await this.db
      .update(runs)
      .set({ status: "running", startedAt: new Date(this.clock.now()) })
      .where(eq(runs.id, runId));
  }

  /**
   * Ends a run with a final status. Jobs and steps still open are closed with the same outcome
   * (`cancelled`/`interrupted`) or `skipped`, so no run is left half recorded.
   */
  async finishRun(
    runId: string,
    status: Exclude<RecordedRunStatus, "queued" | "running">,
    reason?: string,
  ): Promise<void> {
    const now = new Date(this.clock.now());
    const leftover: RecordedJobStatus & RecordedStepStatus =
      status === "cancelled" || status === "interrupted" ? status : "skipped";
    await this.db.transaction(async (tx) => {
      await tx
        .update(steps)
        .set({ status: leftover, finishedAt: now })
        .where(
          and(eq(steps.runId, runId), inArray(steps.status, openStepStatuses)),
        );
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

  async updateJob(jobId: string, patch: JobPatch): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    await this.db.update(jobs).set(patch).where(eq(jobs.id, jobId));
  }

  /** Updates the step at `position` of a job. */
  async updateStep(
    jobId: string,
    position: number,
    patch: StepPatch,
  ): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    await this.db
      .update(steps)
      .set(patch)
      .where(and(eq(steps.jobId, jobId), eq(steps.position, position)));
  }

  /**
   * Writes several steps of a job in one statement (a runner reports a job's steps in batches).
   * A field left undefined keeps its value.
   */
  async updateSteps(jobId: string, updates: StepUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.db.execute(
      sql`update ${steps} as s set ${stepColumnsFrom("v")} from ${stepRecordset(updates)}
          where s.job_id = ${jobId} and s.position = v.position`,
    );
  }

  /** Adds a step the plan did not know of (a matrix cell's extra step); returns its position. */
  async appendStep(jobId: string, name: string): Promise<number> {
    const [job] = await this.db
      .select({ runId: jobs.runId })
      .from(jobs)
      .where(eq(jobs.id, jobId));
    if (!job) throw new AppError("NOT_FOUND", `job ${jobId} not found`);
    const [last] = await this.db
      .select({ n: sql<number>`coalesce(max(${steps.position}), -1)::int` })
      .from(steps)
      .where(eq(steps.jobId, jobId));
    const position = (last?.n ?? -1) + 1;
    await this.db.insert(steps).values({
      id: newId("step", this.clock.now()),
      jobId,
      runId: job.runId,
      position,
      name,
      status: "pending",
    });
    return position;
  }

  /** Runs, newest first. */
  async listRuns(filter: RunFilter = {}): Promise<RunRow[]> {
    const where: SQL[] = [];
    if (filter.project) where.push(eq(runs.project, filter.project));
    if (filter.status) where.push(eq(runs.status, filter.status));
    if (filter.branch) where.push(eq(runs.branch, filter.branch));
    return this.db
      .select()
      .from(runs)
      .where(where.length > 0 ? and(...where) : undefined)
      .orderBy(desc(runs.createdAt), desc(runs.id))
      .limit(filter.limit ?? 50);
  }

  /**
   * A run with its jobs and steps. `id` may be the full id, a unique prefix of it, or `last`.
   * Throws NOT_FOUND (or INVALID_ARGUMENT for an ambiguous prefix).
   */
  async getRun(id: string): Promise<RunDetail> {
    const run = await this.resolveRun(id);
    const jobRows = await this.db
      .select()
      .from(jobs)
      .where(eq(jobs.runId, run.id))
      .orderBy(asc(jobs.position));
    const stepRows = await this.db
      .select()
      .from(steps)
      .where(eq(steps.runId, run.id))
      .orderBy(asc(steps.position));
    return {
      ...run,
      jobs: jobRows.map((job) => ({
        ...job,
        steps: stepRows.filter((step) => step.jobId === job.id),
      })),
    };
  }

  private async resolveRun(id: string): Promise<RunRow> {
    if (id === "last") {
      const [latest] = await this.listRuns({ limit: 1 });
      if (!latest) throw new AppError("NOT_FOUND", "there are no runs yet");
      return latest;
    }
    const exact = await this.db.select().from(runs).where(eq(runs.id, id));
    if (exact[0]) return exact[0];
    const like = id.replace(/[\\%_]/g, (c) => `\\${c}`);
    const matches = await this.db
      .select()
      .from(runs)
      .where(sql`${runs.id} like ${`${like}%`}`)
      .limit(2);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `run id prefix ${id} matches more than one run`,
      );
    }
    throw new AppError("NOT_FOUND", `run ${id} not found`);
  }

  /**
   * Runs left `queued`/`running` by a process that is gone become `interrupted` (with their open
   * jobs and steps), so every run ends either finished with a status or interrupted. Only runs
   * owned on `host` are judged; `isAlive` answers for a pid there. Returns the ids it changed.
   */
  async markInterrupted(
    host: string,
    isAlive: (pid: number) => boolean,
  ): Promise<string[]> {
    const open = await this.db
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
      await this.finishRun(
        run.id,
        "interrupted",
        `the process ${run.ownerPid} that ran it is gone`,
      );
    }
    return dead.map((run) => run.id);
  }

  /** Records that a runner holds the job until `expiresAt`. */
  async leaseJob(
    jobId: string,
    lease: { leaseId: string; runner: string; expiresAt: Date },
  ): Promise<void> {
    await this.db
      .update(jobs)
      .set({
        leaseId: lease.leaseId,
        leasedBy: lease.runner,
        leaseExpiresAt: lease.expiresAt,
        status: "running",
        startedAt: new Date(this.clock.now()),
      })
      .where(eq(jobs.id, jobId));
  }

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
    await this.db.execute(
      sql`update ${jobs} as j set lease_id = v.lease_id, leased_by = v.leased_by,
            lease_expires_at = v.expires_at, status = 'running',
            started_at = ${new Date(this.clock.now()).toISOString()}::timestamptz
          from jsonb_to_recordset(${rows}::jsonb)
            as v(job_id text, lease_id text, leased_by text, expires_at timestamptz)
          where j.id = v.job_id`,
    );
  }

  /** Jobs waiting in the queue (not claimed yet) show as `queued`; a job already further is left alone. */
  async markQueued(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.db
      .update(jobs)
      .set({ status: "queued" })
      .where(and(inArray(jobs.id, jobIds), eq(jobs.status, "pending")));
  }

  /** Extends a lease; false when the lease is no longer held (expired and requeued, or done). */
  async renewLease(leaseId: string, expiresAt: Date): Promise<boolean> {
    const rows = await this.db
      .update(jobs)
      .set({ leaseExpiresAt: expiresAt })
      .where(eq(jobs.leaseId, leaseId))
      .returning({ id: jobs.id });
    return rows.length > 0;
  }

  /**
   * Ends a leased job in one statement: drops the lease, records the outcome, and writes the steps
   * the runner has not reported yet. False when the lease was no longer held (then nothing changes).
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
    const result = await this.db.execute(
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
  }

  /** Drops a lease when its job completes; false when the lease was no longer held. */
  async releaseLease(leaseId: string): Promise<boolean> {
    const rows = await this.db
      .update(jobs)
      .set({ leaseId: null, leasedBy: null, leaseExpiresAt: null })
      .where(eq(jobs.leaseId, leaseId))
      .returning({ id: jobs.id });
    return rows.length > 0;
  }

  /** Jobs whose lease ran out before `now`: their runner is presumed lost. */
  async expiredLeases(
    now: Date,
  ): Promise<
    { jobId: string; runId: string; leaseId: string; infraRetries: number }[]
  > {
    const rows = await this.db
      .select({
        jobId: jobs.id,
        runId: jobs.runId,
        leaseId: jobs.leaseId,
        infraRetries: jobs.infraRetries,
      })
      .from(jobs)
      .where(and(isNotNull(jobs.leaseId), lt(jobs.leaseExpiresAt, now)));
    return rows.map((row) => ({ ...row, leaseId: row.leaseId! }));
  }

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
    return this.db.transaction(async (tx) => {
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
  }

  /**
   * The pipeline's `RunRecorder` for one run: job keys map to the rows `addJobs` created. Used by
   * the scheduler (and by a runner that runs jobs in-process without the queue).
   */
  recorder(jobIds: ReadonlyMap<string, string>): RunRecorder {
    const idOf = (key: string): string => {
      const id = jobIds.get(key);
      if (!id) throw new AppError("INTERNAL", `job ${key} was not recorded`);
      return id;
    };
    const now = () => new Date(this.clock.now());
    return {
      jobStarted: async (key) =>
        this.updateJob(idOf(key), { status: "running", startedAt: now() }),
      stepStarted: async (key, position) =>
        this.updateStep(idOf(key), position, {
          status: "running",
          startedAt: now(),
        }),
      stepFinished: async (key, position, result) =>
        this.updateStep(idOf(key), position, {
          status: result.status,
          exitCode: result.exitCode ?? null,
          cache: result.cache ?? null,
          attempts: result.attempts,
          logPath: result.logPath ?? null,
          ...(result.warnings ? { warnings: result.warnings } : {}),
          finishedAt: now(),
        }),
      jobFinished: async (key, result) =>
        this.updateJob(idOf(key), {
          status: result.status,
          outputs: result.outputs,
          finishedAt: now(),
        }),
    };
  }

  /** Final statuses, for callers that check whether a run is over. */
  static isFinal(status: string): boolean {
    return (finalRunStatuses as string[]).includes(status);
  }
}

/** `jsonb_to_recordset(...) as v(...)` of step updates (one parameter, any number of steps). */
function stepRecordset(updates: StepUpdate[]): SQL {
  const rows = JSON.stringify(
    updates.map((u) => ({
      position: u.position,
      status: u.status,
      exit_code: u.exitCode,
      cache: u.cache,
      attempts: u.attempts,
      log_path: u.logPath,
      warnings: u.warnings,
      started_at: u.startedAt?.toISOString() ?? u.startedAt,
      finished_at: u.finishedAt?.toISOString() ?? u.finishedAt,
      // Which fields were given: an absent one keeps the column's value, a null one clears it.
      given: [
        u.exitCode !== undefined,
        u.cache !== undefined,
        u.attempts !== undefined,
        u.logPath !== undefined,
        u.startedAt !== undefined,
        u.finishedAt !== undefined,
        u.warnings !== undefined,
      ],
    })),
  );
  return sql`jsonb_to_recordset(${rows}::jsonb) as v(position int, status text, exit_code int,
    cache text, attempts int, log_path text, started_at timestamptz, finished_at timestamptz,
    given boolean[], warnings jsonb)`;
}

/** The SET list that copies a step recordset's columns (see `stepRecordset`). */
function stepColumnsFrom(v: string): SQL {
  const col = (name: string, index: number) =>
    sql.raw(
      `${name} = case when ${v}.given[${index}] then ${v}.${name} else s.${name} end`,
    );
  return sql.join(
    [
      sql.raw(`status = ${v}.status`),
      col("exit_code", 1),
      col("cache", 2),
      col("attempts", 3),
      col("log_path", 4),
      col("started_at", 5),
      col("finished_at", 6),
      col("warnings", 7),
    ],
    sql`, `,
  );
}

/** Rows of `db.execute`: node-postgres and PGlite both return `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
