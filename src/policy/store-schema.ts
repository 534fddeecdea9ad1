import {
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * One decision of a gate in a run (`uses: sluice/gate`): what was decided, why, on which facts,
 * and for a hold where it stands: `waiting` for approvals, then `approved`, `rejected` or
 * `expired` (its timeout passed). An approve is recorded `approved`, a deny `denied`.
 */
export const gateDecisions = pgTable(
  "gate_decisions",
  {
    id: text("id").primaryKey(),
    runId: text("run_id").notNull(),
    jobKey: text("job_key").notNull(),
    project: text("project").notNull(),
    commit: text("commit"),
    /** The change's author (git email, lower case): the one person who may never approve it. */
    author: text("author").notNull(),
    environment: text("environment").notNull(),
    /** approve | hold | deny */
    decision: text("decision").notNull(),
    /** waiting | approved | denied | rejected | expired */
    status: text("status").notNull(),
    reasons: jsonb("reasons").$type<string[]>().notNull(),
    /** The approvals a hold needs, per group, with the group's members when the policy lists them. */
    required: jsonb("required")
      .$type<{ count: number; group: string; members?: string[] }[]>()
      .notNull()
      .default([]),
    /** The whole decision (fired rules with their facts, risk) and the facts it was made on. */
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull(),
    policyFile: text("policy_file").notNull(),
    policySha256: text("policy_sha256").notNull(),
    createdAt: timestamp("created_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
    /** When a waiting hold is rejected by the clock. */
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    closedAt: timestamp("closed_at", { withTimezone: true, mode: "date" }),
    /** Why a hold ended as it did (approved by…, rejected by…: reason, timed out). */
    closedReason: text("closed_reason"),
  },
  (t) => [
    uniqueIndex("gate_decisions_run_job_idx").on(t.runId, t.jobKey),
    index("gate_decisions_status_idx").on(t.status),
  ],
);

/** A person's answer to a hold: `approve` or `reject`, by git email, with a comment. */
export const gateApprovals = pgTable(
  "gate_approvals",
  {
    id: text("id").primaryKey(),
    decisionId: text("decision_id")
      .notNull()
      .references(() => gateDecisions.id, { onDelete: "cascade" }),
    runId: text("run_id").notNull(),
    by: text("by").notNull(),
    /** approve | reject */
    verdict: text("verdict").notNull(),
    comment: text("comment"),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [uniqueIndex("gate_approvals_once_idx").on(t.decisionId, t.by)],
);
