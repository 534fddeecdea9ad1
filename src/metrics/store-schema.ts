import {
  boolean,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const at = (name: string) =>
  timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Changes (commits and pull requests), append-only. The natural key is (project, id): the same
 * change recorded twice is one row (`ON CONFLICT DO NOTHING`).
 */
export const metricsChanges = pgTable(
  "metrics_changes",
  {
    project: text("project").notNull(),
    /** A commit SHA, or `pr:<repo>#<number>`. */
    id: text("id").notNull(),
    /** commit | pull_request */
    kind: text("kind").notNull(),
    commits: jsonb("commits").$type<string[]>().notNull().default([]),
    mergeCommit: text("merge_commit"),
    /** The branch a pushed commit arrived on; a pull request's head branch. */
    branch: text("branch"),
    firstCommitAt: at("first_commit_at").notNull(),
    openedAt: at("opened_at"),
    firstReviewAt: at("first_review_at"),
    mergedAt: at("merged_at"),
    author: text("author"),
    authorEmail: text("author_email"),
    title: text("title"),
    trailers: jsonb("trailers")
      .$type<[string, string][]>()
      .notNull()
      .default([]),
    /** ai-assisted | unmarked */
    cohort: text("cohort").notNull(),
    markers: jsonb("markers").$type<unknown[]>().notNull().default([]),
    source: text("source").notNull(),
    recordedAt: at("recorded_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.id] })],
);

/**
 * Deployment events (started, succeeded, failed, rolled_back), append-only; a deployment is folded
 * from its events by event time, so their arrival order does not matter.
 */
export const metricsDeploymentEvents = pgTable(
  "metrics_deployment_events",
  {
    project: text("project").notNull(),
    deploymentId: text("deployment_id").notNull(),
    /** started | succeeded | failed | rolled_back */
    type: text("type").notNull(),
    at: at("at").notNull(),
    environment: text("environment"),
    release: text("release"),
    commit: text("commit"),
    shipped: jsonb("shipped").$type<string[]>(),
    rollbackOf: text("rollback_of"),
    hotfix: boolean("hotfix"),
    fixes: jsonb("fixes").$type<string[]>(),
    source: text("source").notNull(),
    recordedAt: at("recorded_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.project, t.deploymentId, t.type] }),
    index("metrics_deployment_events_at_idx").on(t.project, t.at),
  ],
);

/** Incident events (opened, resolved), append-only; folded like deployments. */
export const metricsIncidentEvents = pgTable(
  "metrics_incident_events",
  {
    project: text("project").notNull(),
    incidentId: text("incident_id").notNull(),
    /** opened | resolved */
    type: text("type").notNull(),
    at: at("at").notNull(),
    /** When the incident opened, if a resolution event carries it (PagerDuty's created_at). */
    openedAt: at("opened_at"),
    environment: text("environment"),
    severity: text("severity"),
    deploymentId: text("deployment_id"),
    commit: text("commit"),
    title: text("title"),
    source: text("source").notNull(),
    recordedAt: at("recorded_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.incidentId, t.type] })],
);
