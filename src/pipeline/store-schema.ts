import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/** One execution of a pipeline for a change. */
export const runs = pgTable(
  "runs",
  {
    id: text("id").primaryKey(),
    project: text("project").notNull(),
    /** queued | running | held | success | failure | cancelled | interrupted */
    status: text("status").notNull(),
    trigger: text("trigger").notNull(),
    commit: text("commit"),
    branch: text("branch"),
    author: text("author"),
    authorEmail: text("author_email"),
    message: text("message"),
    trailers: jsonb("trailers")
      .$type<Record<string, string[]>>()
      .notNull()
      .default({}),
    workdir: text("workdir").notNull(),
    /** What the run ran: `checkout` (a clean checkout of the commit), `working-tree` or `folder`. */
    source: text("source"),
    /** A `working-tree` run with uncommitted changes; `diffHash` identifies them. */
    dirty: boolean("dirty").notNull().default(false),
    diffHash: text("diff_hash"),
    /** The process that drives the run; a run left `running` by a dead owner becomes `interrupted`. */
    ownerPid: integer("owner_pid"),
    ownerHost: text("owner_host"),
    /** Why the run ended as it did (a failed job, a cancel, the owner gone). Never a secret. */
    reason: text("reason"),
    createdAt: timestamp("created_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("runs_project_created_idx").on(t.project, t.createdAt),
    index("runs_status_idx").on(t.status),
  ],
);

/** A node of a run's DAG (one matrix cell is one job). */
export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    name: text("name").notNull(),
    /** The job's place in the plan (listings show jobs in this order). */
    position: integer("position").notNull().default(0),
    /** pending | queued | running | held | success | failure | skipped | cancelled | interrupted */
    status: text("status").notNull(),
    needs: jsonb("needs").$type<string[]>().notNull().default([]),
    outputs: jsonb("outputs")
      .$type<Record<string, string>>()
      .notNull()
      .default({}),
    attempt: integer("attempt").notNull().default(1),
    /** Requeues after a lost runner (an infrastructure retry, at most two). */
    infraRetries: integer("infra_retries").notNull().default(0),
    concurrencyGroup: text("concurrency_group"),
    /** The queue's lease on this job: who holds it and until when (renewed by heartbeats). */
    leaseId: text("lease_id"),
    leasedBy: text("leased_by"),
    leaseExpiresAt: timestamp("lease_expires_at", {
      withTimezone: true,
      mode: "date",
    }),
    reason: text("reason"),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("jobs_run_idx").on(t.runId),
    index("jobs_lease_idx").on(t.leaseId),
  ],
);

/** One command or built-in inside a job. Its log lives in a file, never in a row. */
export const steps = pgTable(
  "steps",
  {
    id: text("id").primaryKey(),
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    runId: text("run_id").notNull(),
    position: integer("position").notNull(),
    name: text("name").notNull(),
    /** pending | running | held | success | failure | skipped | cancelled | interrupted */
    status: text("status").notNull(),
    exitCode: integer("exit_code"),
    /** exact | partial | miss, when the step declares a cache */
    cache: text("cache"),
    attempts: integer("attempts").notNull().default(0),
    logPath: text("log_path"),
    logBytes: bigint("log_bytes", { mode: "number" }),
    reason: text("reason"),
    /** What the step wants the run's summary to show though it passed (a scan that scanned nothing). */
    warnings: jsonb("warnings").$type<string[]>().notNull().default([]),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("steps_job_idx").on(t.jobId),
    index("steps_run_idx").on(t.runId),
  ],
);

/** A run held at a gate: what a resume needs to run what was planned (store-holds.ts). */
export const runHolds = pgTable("run_holds", {
  runId: text("run_id")
    .primaryKey()
    .references(() => runs.id, { onDelete: "cascade" }),
  /** The plan and the artifacts of the jobs that ended (`HeldPlan`). */
  plan: jsonb("plan").notNull(),
  heldAt: timestamp("held_at", { withTimezone: true, mode: "date" }).notNull(),
});
