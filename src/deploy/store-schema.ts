import {
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const ts = (name: string) =>
  timestamp(name, { withTimezone: true, mode: "date" });

/** A built release and how it runs on the local target. */
export const releases = pgTable(
  "releases",
  {
    id: text("id").primaryKey(),
    project: text("project").notNull(),
    version: text("version").notNull(),
    command: text("command").notNull(),
    port: integer("port"),
    env: jsonb("env").$type<Record<string, string>>().notNull().default({}),
    cwd: text("cwd"),
    health: text("health").notNull(),
    /** The commit the release was built from (DORA links deployments to changes by it). */
    commit: text("commit"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [uniqueIndex("releases_project_version_idx").on(t.project, t.version)],
);

/** A release going to an environment. */
export const deployments = pgTable(
  "deployments",
  {
    id: text("id").primaryKey(),
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    releaseId: text("release_id")
      .notNull()
      .references(() => releases.id),
    previousReleaseId: text("previous_release_id"),
    /** in_progress | succeeded | failed | rolled_back | superseded */
    status: text("status").notNull(),
    reason: text("reason"),
    incidentId: text("incident_id"),
    startedAt: ts("started_at").notNull(),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    index("deployments_env_idx").on(t.project, t.environment, t.startedAt),
  ],
);

/** The progressive steps of a deployment: its spec and the state machine's status. */
export const rollouts = pgTable(
  "rollouts",
  {
    id: text("id").primaryKey(),
    deploymentId: text("deployment_id")
      .notNull()
      .references(() => deployments.id),
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    phase: text("phase").notNull(),
    spec: jsonb("spec").$type<unknown>().notNull(),
    status: jsonb("status").$type<unknown>().notNull(),
    /** pid and port of each release process, to re-adopt them after a restart. */
    processes: jsonb("processes")
      .$type<Record<string, { pid: number | null; port: number | null }>>()
      .notNull()
      .default({}),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [index("rollouts_env_idx").on(t.project, t.environment, t.createdAt)],
);

/** A production failure opened by an automated rollback; its duration is the recovery time. */
export const deployIncidents = pgTable(
  "deploy_incidents",
  {
    id: text("id").primaryKey(),
    deploymentId: text("deployment_id")
      .notNull()
      .references(() => deployments.id),
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    reason: text("reason").notNull(),
    startedAt: ts("started_at").notNull(),
    resolvedAt: ts("resolved_at"),
  },
  (t) => [uniqueIndex("deploy_incidents_deployment_idx").on(t.deploymentId)],
);

/**
 * Delivery events not yet handed to the metrics capability: written in the transaction that
 * records the deployment, deleted once delivered, so a failed hand-over is retried, never lost.
 */
export const deployOutbox = pgTable(
  "deploy_outbox",
  {
    id: text("id").primaryKey(),
    event: jsonb("event").$type<unknown>().notNull(),
    createdAt: ts("created_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
  },
  (t) => [index("deploy_outbox_created_idx").on(t.createdAt, t.id)],
);
