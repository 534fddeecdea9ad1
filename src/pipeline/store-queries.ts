import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { AppError } from "../kernel/index.js";
import type { Db } from "../store/index.js";
import type { RecordedRunStatus } from "./ports.js";
import { jobs, runs, steps } from "./store-schema.js";

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

/** The run store's reads: listings and one run with its jobs and steps. */
export function runQueries(db: Db) {
  /** Runs, newest first. */
  async function listRuns(filter: RunFilter = {}): Promise<RunRow[]> {
    const where: SQL[] = [];
    if (filter.project) where.push(eq(runs.project, filter.project));
    if (filter.status) where.push(eq(runs.status, filter.status));
    if (filter.branch) where.push(eq(runs.branch, filter.branch));
    return db
      .select()
      .from(runs)
      .where(where.length > 0 ? and(...where) : undefined)
      .orderBy(desc(runs.createdAt), desc(runs.id))
      .limit(filter.limit ?? 50);
  }

  async function resolveRun(id: string): Promise<RunRow> {
    if (id === "last") {
      const [latest] = await listRuns({ limit: 1 });
      if (!latest) throw new AppError("NOT_FOUND", "there are no runs yet");
      return latest;
    }
    const exact = await db.select().from(runs).where(eq(runs.id, id));
    if (exact[0]) return exact[0];
    const like = id.replace(/[\\%_]/g, (c) => `\\${c}`);
    const matches = await db
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
   * A run with its jobs and steps. `id` may be the full id, a unique prefix of it, or `last`.
   * Throws NOT_FOUND (or INVALID_ARGUMENT for an ambiguous prefix).
   */
  async function getRun(id: string): Promise<RunDetail> {
    const run = await resolveRun(id);
    const jobRows = await db
      .select()
      .from(jobs)
      .where(eq(jobs.runId, run.id))
      .orderBy(asc(jobs.position));
    const stepRows = await db
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

  /** How many runs are in each status, and how many jobs are queued for a runner (the queue depth). */
  async function counts(): Promise<{
    runs: Partial<Record<RecordedRunStatus, number>>;
    queuedJobs: number;
  }> {
    const byStatus = await db
      .select({ status: runs.status, count: sql<number>`count(*)::int` })
      .from(runs)
      .groupBy(runs.status);
    const [queued] = await db
      .select({ count: sql<number>`count(*)::int` })
      .from(jobs)
      .where(eq(jobs.status, "queued"));
    return {
      runs: Object.fromEntries(
        byStatus.map((row) => [row.status, Number(row.count)]),
      ),
      queuedJobs: Number(queued?.count ?? 0),
    };
  }

  return { listRuns, getRun, counts };
}
