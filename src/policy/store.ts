import { and, asc, desc, eq } from "drizzle-orm";
import { AppError } from "../kernel/index.js";
import type { Database } from "../store/index.js";
import type { GateAnswer, GateRecord, GateStore } from "./ports.js";
import { gateApprovals, gateDecisions } from "./store-schema.js";

type DecisionRow = typeof gateDecisions.$inferSelect;
type AnswerRow = typeof gateApprovals.$inferSelect;

const record = (row: DecisionRow): GateRecord => ({
  ...row,
  decision: row.decision as GateRecord["decision"],
  status: row.status as GateRecord["status"],
});
const answerOf = (row: AnswerRow): GateAnswer => ({
  ...row,
  verdict: row.verdict as GateAnswer["verdict"],
});

/** The gate's decisions and approvals on drizzle (PGlite or Postgres). */
export function createGateStore(database: Database): GateStore {
  const { db } = database;
  const answersOf = async (decisionId: string) =>
    (
      await db
        .select()
        .from(gateApprovals)
        .where(eq(gateApprovals.decisionId, decisionId))
        .orderBy(asc(gateApprovals.at), asc(gateApprovals.id))
    ).map(answerOf);
  return {
    async recordDecision(row) {
      const inserted = await db
        .insert(gateDecisions)
        .values(row)
        .onConflictDoNothing()
        .returning({ id: gateDecisions.id });
      if (inserted.length === 0)
        throw new AppError(
          "CONFLICT",
          `the gate ${row.jobKey} of run ${row.runId} has decided already`,
        );
    },
    async decisionOf(runId, jobKey) {
      const [row] = await db
        .select()
        .from(gateDecisions)
        .where(
          and(eq(gateDecisions.runId, runId), eq(gateDecisions.jobKey, jobKey)),
        );
      return row ? record(row) : undefined;
    },
    async holdOf(runId) {
      const [row] = await db
        .select()
        .from(gateDecisions)
        .where(
          and(
            eq(gateDecisions.runId, runId),
            eq(gateDecisions.decision, "hold"),
          ),
        )
        .orderBy(desc(gateDecisions.createdAt), desc(gateDecisions.id))
        .limit(1);
      if (!row) return undefined;
      return { record: record(row), answers: await answersOf(row.id) };
    },
    async waiting() {
      const rows = await db
        .select()
        .from(gateDecisions)
        .where(eq(gateDecisions.status, "waiting"))
        .orderBy(asc(gateDecisions.createdAt), asc(gateDecisions.id));
      return Promise.all(
        rows.map(async (row) => ({
          record: record(row),
          answers: await answersOf(row.id),
        })),
      );
    },
    async answer(answer, close) {
      return db.transaction(async (tx) => {
        const [hold] = await tx
          .select({ status: gateDecisions.status })
          .from(gateDecisions)
          .where(eq(gateDecisions.id, answer.decisionId))
          .for("update");
        if (hold?.status !== "waiting") return false;
        await tx.insert(gateApprovals).values(answer);
        if (close)
          await tx
            .update(gateDecisions)
            .set({
              status: close.status,
              closedAt: answer.at,
              closedReason: close.reason,
            })
            .where(eq(gateDecisions.id, answer.decisionId));
        return true;
      });
    },
    async close(decisionId, close) {
      const updated = await db
        .update(gateDecisions)
        .set({
          status: close.status,
          closedAt: close.at,
          closedReason: close.reason,
        })
        .where(
          and(
            eq(gateDecisions.id, decisionId),
            eq(gateDecisions.status, "waiting"),
          ),
        )
        .returning({ id: gateDecisions.id });
      return updated.length > 0;
    },
  };
}
