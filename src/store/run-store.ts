import { and, asc, desc, eq, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { AppError, newId } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import type { RunRecorder } from "../pipeline/index.js";
import type { Db } from "./database.js";
import { jobs, runs, steps } from "./schema/index.js";

/** Run statuses; `queued` and `running` are the only ones that are not final. */
export type RunStatus =
  "queued" | "running" | "success" | "failure" | "cancelled" | "interrupted";
export type JobStatus =
  | "pending"
  | "queued"
  | "running"
  | "success"
  | "failure"
  | "skipped"
  | "cancelled"
  | "interrupted";
export type StepStatus =
  | "pending"
  | "running"
  | "success"
  | "failure"
  | "skipped"
  | "cancelled"
  | "interrupted";
export type CacheStatus = "exact" | "partial" | "miss";

/** The change a run is for, as read from git. */
export interface ChangeFacts {
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
export type StepRow = typeof steps.$inferSelect;

/** A run with its jobs and their steps, in plan order. */
export interface RunDetail extends RunRow {
  jobs: (JobRow & { steps: StepRow[] })[];
}

export interface RunFilter {
  project?: string;
  status?: RunStatus;
  branch?: string;
  limit?: number;
}

export interface JobPatch {
  status?: JobStatus;
  attempt?: number;
  outputs?: Record<string, string>;
  reason?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

export interface StepPatch {
  status?: StepStatus;
  exitCode?: number | null;
  cache?: CacheStatus | null;
  attempts?: number;
  logPath?: string | null;
  logBytes?: number | null;
  reason?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

const finalRunStatuses: RunStatus[] = [
  "success",
  "failure",
  "cancelled",
  "interrupted",
];
const openJobStatuses: JobStatus[] = ["pending", "queued", "running"];
const openStepStatuses: StepStatus[] = ["pending", "running"];

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
    status: Exclude<RunStatus, "queued" | "running">,
    reason?: string,
  ): Promise<void> {
    const now = new Date(this.clock.now());
    const leftover: JobStatus & StepStatus =
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
   * Ends a leased job in one statement: drops the lease and records the outcome. False when the
   * lease was no longer held (then nothing changes).
   */
  async completeLease(leaseId: string, patch: JobPatch): Promise<boolean> {
    const rows = await this.db
      .update(jobs)
      .set({ ...patch, leaseId: null, leasedBy: null, leaseExpiresAt: null })
      .where(eq(jobs.leaseId, leaseId))
      .returning({ id: jobs.id });
    return rows.length > 0;
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
