// The people's side of a hold: approve, reject, list what waits, and whether a run may resume.
// Each answer is checked whole before anything is written (nothing half-applied), recorded in
// one guarded transaction, and signed into the evidence log.
import { AppError, isAppError } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import { gateAnswerStatement } from "./evidence/index.js";
import type { GateAnswerInput } from "./evidence/index.js";
import { approveCommand } from "./gate.js";
import type { EvidenceSink } from "./gate.js";
import type {
  GateAnswer,
  GateRecord,
  GateStore,
  RequiredApprovals,
} from "./ports.js";

export interface ApprovalsDeps {
  store: GateStore;
  runs: {
    /** Resolves an id (or unique prefix, or `last`); NOT_FOUND when there is none. */
    getRun(id: string): Promise<{
      id: string;
      status: string;
      project?: string;
      jobs?: { key: string }[];
    }>;
    /** Ends a held run that was rejected or timed out. */
    finishRun(runId: string, status: "failure", reason: string): Promise<void>;
  };
  evidence(): EvidenceSink;
  clock: Pick<Clock, "now">;
  newId(prefix: string): string;
  /**
   * Continues a run whose hold an approval completed (the server that owns the store resumes
   * it, ADR 104); answers lines for the person who approved. Absent, the run waits for
   * `sluice run resume`.
   */
  continueRun?(runId: string, how: ContinueHow): Promise<string[]>;
}

/**
 * How the run an approval completes goes on, when the approver says (`sluice approve` on this
 * machine: its jobs at once, its environment, its process); else the server's defaults.
 */
export interface ContinueHow {
  maxParallel?: number | undefined;
  env?: Record<string, string> | undefined;
  clientPid?: number | undefined;
}

/** A hold as people see it: why, what it needs, who approved, until when. */
export interface HoldView {
  runId: string;
  project: string;
  commit: string | null;
  author: string;
  environment: string;
  status: GateRecord["status"];
  reasons: string[];
  required: RequiredApprovals[];
  approvedBy: string[];
  /** Approvals still missing, over every group. */
  missing: number;
  expiresAt: string | null;
}

/**
 * What an approval did: counted, whether the hold is now approved, and whether the run went on
 * (`notices`: what the continued run said, or why it did not continue).
 */
export interface ApprovalOutcome {
  hold: HoldView;
  approved: boolean;
  continued: boolean;
  notices: string[];
}

/** A git email as identities are compared: trimmed, lower case. */
export const identityOf = (email: string): string => email.trim().toLowerCase();

/**
 * Whether `by` is the change's author: the same git email (people on the team server answer by
 * their account's email), or, for a name that is no email (the server's admin token), a name
 * equal to the author email's local part. It errs towards refusing: the author of a change can
 * never approve it.
 */
const isAuthor = (by: string, author: string): boolean =>
  by === author || (!by.includes("@") && by === author.split("@")[0]);

/** A gate decision as people and the HTTP API see it: the facts, fired rules and risk it used. */
export interface DecisionView {
  jobKey: string;
  decision: GateRecord["decision"];
  status: GateRecord["status"];
  reasons: string[];
  detail: Record<string, unknown>;
  policyFile: string;
  policySha256: string;
  createdAt: string;
  closedReason: string | null;
}

/** Approvals still missing per group, counting only members where a group lists them. */
function missingOf(required: RequiredApprovals[], approvers: string[]): number {
  return required.reduce((sum, r) => {
    const counted = approvers.filter(
      (a) => r.members === undefined || r.members.includes(a),
    ).length;
    return sum + Math.max(0, r.count - counted);
  }, 0);
}

function view(record: GateRecord, answers: GateAnswer[]): HoldView {
  const approvedBy = answers
    .filter((a) => a.verdict === "approve")
    .map((a) => a.by);
  return {
    runId: record.runId,
    project: record.project,
    commit: record.commit,
    author: record.author,
    environment: record.environment,
    status: record.status,
    reasons: record.reasons,
    required: record.required,
    approvedBy,
    missing: missingOf(record.required, approvedBy),
    expiresAt: record.expiresAt?.toISOString() ?? null,
  };
}

/** The signed statement of an answer to the hold `record`. */
const answerStatement = (
  record: GateRecord,
  answer: Pick<
    GateAnswerInput,
    "by" | "verdict" | "comment" | "outcome" | "approvals" | "at"
  >,
) =>
  gateAnswerStatement({
    project: record.project,
    environment: record.environment,
    commit: record.commit ?? "",
    runId: record.runId,
    decisionId: record.id,
    ...answer,
  });

/** The use cases of holds; the CLI and (later) the HTTP routes call these. */
export function createApprovals(deps: ApprovalsDeps) {
  /** A run's hold, expired first when its timeout passed (a rejection by the clock). */
  async function holdOf(runRef: string) {
    const run = await deps.runs.getRun(runRef);
    const found = await deps.store.holdOf(run.id);
    if (!found || found.record.status !== "waiting" || run.status !== "held")
      throw new AppError(
        "CONFLICT",
        `run ${run.id} is not held (it is ${run.status}${found ? `; its hold was ${found.record.status}` : ""}); only a held run can be approved or rejected`,
      );
    if (await expire(found.record))
      throw new AppError(
        "CONFLICT",
        `run ${run.id} is not held any more: its hold timed out at ${found.record.expiresAt?.toISOString()} and was rejected`,
      );
    return found;
  }

  /** Rejects a waiting hold whose timeout passed; true when it did. */
  async function expire(record: GateRecord): Promise<boolean> {
    const now = deps.clock.now();
    if (!record.expiresAt || now < record.expiresAt.getTime()) return false;
    const reason = `rejected: the hold timed out at ${record.expiresAt.toISOString()} with no decision`;
    const sink = deps.evidence();
    if (
      !(await deps.store.close(record.id, {
        status: "expired",
        reason,
        at: new Date(now),
      }))
    )
      return true;
    await deps.runs.finishRun(record.runId, "failure", reason);
    await sink.record(
      answerStatement(record, {
        by: "sluice (timeout)",
        verdict: "reject",
        comment: reason,
        outcome: "expired",
        approvals: [],
        at: new Date(now),
      }),
    );
    return true;
  }

  async function answer(
    runRef: string,
    verdict: "approve" | "reject",
    who: string,
    comment: string | undefined,
  ): Promise<Pick<ApprovalOutcome, "hold" | "approved">> {
    const by = identityOf(who);
    // A git email, or the name of a signed-in account of the team server.
    if (!/^[^\s@]+(@[^\s@]+)?$/.test(by))
      throw new AppError(
        "INVALID_ARGUMENT",
        `no usable identity (${JSON.stringify(who)}): set \`git config user.email\` or GIT_AUTHOR_EMAIL`,
      );
    const { record, answers } = await holdOf(runRef);
    const approvers = answers
      .filter((a) => a.verdict === "approve")
      .map((a) => a.by);
    if (verdict === "approve") {
      if (isAuthor(by, record.author))
        throw new AppError(
          "FORBIDDEN",
          `${by} is the author of this change and cannot approve it; someone else must`,
        );
      if (approvers.includes(by))
        throw new AppError(
          "CONFLICT",
          `${by} has approved run ${record.runId} already`,
        );
      const groups = record.required.filter((r) => r.members !== undefined);
      if (
        groups.length === record.required.length &&
        groups.every((r) => !r.members!.includes(by))
      )
        throw new AppError(
          "FORBIDDEN",
          `${by} is in none of the groups this hold needs (${groups.map((r) => r.group).join(", ")})`,
        );
    }
    const now = new Date(deps.clock.now());
    const counted = verdict === "approve" ? [...approvers, by] : approvers;
    const approved =
      verdict === "approve" && missingOf(record.required, counted) === 0;
    const outcome =
      verdict === "reject" ? "rejected" : approved ? "approved" : "waiting";
    const reason =
      verdict === "reject"
        ? `rejected by ${by}${comment ? `: ${comment}` : ""}`
        : `approved by ${counted.join(", ")}`;
    // The key is loaded before anything is written: a missing key leaves the hold as it was.
    const sink = deps.evidence();
    const written = await deps.store.answer(
      {
        id: deps.newId("appr"),
        decisionId: record.id,
        runId: record.runId,
        by,
        verdict,
        comment: comment ?? null,
        at: now,
      },
      outcome === "waiting" ? undefined : { status: outcome, reason },
    );
    if (!written)
      throw new AppError(
        "CONFLICT",
        `run ${record.runId} is not held any more (decided meanwhile)`,
      );
    if (verdict === "reject")
      await deps.runs.finishRun(record.runId, "failure", reason);
    await sink.record(
      answerStatement(record, {
        by,
        verdict,
        comment,
        outcome,
        approvals: counted,
        at: now,
      }),
    );
    const after = await deps.store.holdOf(record.runId);
    return {
      hold: view(after!.record, after!.answers),
      approved,
    };
  }

  return {
    /**
     * Approves a held run as `by` (a git email); refused for its author and for a run not held.
     * The approval that completes the hold continues the run (`continueRun`, with `how`); one
     * that cannot go on stays approved and held, for `sluice run resume`.
     */
    async approve(
      run: string,
      by: string,
      comment?: string,
      how: ContinueHow = {},
    ): Promise<ApprovalOutcome> {
      const { hold, approved } = await answer(run, "approve", by, comment);
      if (!approved || !deps.continueRun)
        return { hold, approved, continued: false, notices: [] };
      try {
        const notices = await deps.continueRun(hold.runId, how);
        return { hold, approved, continued: true, notices };
      } catch (error) {
        const why = isAppError(error)
          ? error.message
          : "the server could not start it";
        return {
          hold,
          approved,
          continued: false,
          notices: [
            `run ${hold.runId} is approved but did not continue: ${why}; \`sluice run resume ${hold.runId}\` continues it`,
          ],
        };
      }
    },
    /** Rejects a held run: its hold and the run fail with the reason. */
    reject: async (run: string, by: string, comment?: string) =>
      (await answer(run, "reject", by, comment)).hold,
    /** A run with the decision of each of its gate jobs (none when no gate ran). */
    async decisions(runRef: string): Promise<{
      runId: string;
      project: string | undefined;
      decisions: DecisionView[];
    }> {
      const run = await deps.runs.getRun(runRef);
      const decisions: DecisionView[] = [];
      for (const job of run.jobs ?? []) {
        const record = await deps.store.decisionOf(run.id, job.key);
        if (record)
          decisions.push({
            jobKey: record.jobKey,
            decision: record.decision,
            status: record.status,
            reasons: record.reasons,
            detail: record.detail,
            policyFile: record.policyFile,
            policySha256: record.policySha256,
            createdAt: record.createdAt.toISOString(),
            closedReason: record.closedReason,
          });
      }
      return { runId: run.id, project: run.project, decisions };
    },
    /** What waits for people, oldest first (holds past their timeout are rejected first). */
    async waiting(): Promise<HoldView[]> {
      const views: HoldView[] = [];
      for (const { record, answers } of await deps.store.waiting()) {
        if (!(await expire(record))) views.push(view(record, answers));
      }
      return views;
    },
    /**
     * Checks that a held run may resume: its hold is approved. Throws CONFLICT naming what is
     * missing otherwise (a hold past its timeout is rejected here).
     */
    async readyToResume(runRef: string): Promise<void> {
      const run = await deps.runs.getRun(runRef);
      const found = await deps.store.holdOf(run.id);
      if (run.status !== "held")
        throw new AppError(
          "CONFLICT",
          `run ${run.id} is not held (it is ${run.status}); only a held run can be resumed`,
        );
      if (!found) return;
      if (found.record.status === "approved") return;
      if (found.record.status === "waiting" && (await expire(found.record)))
        throw new AppError(
          "CONFLICT",
          `run ${run.id}'s hold timed out at ${found.record.expiresAt?.toISOString()} and was rejected`,
        );
      const v = view(found.record, found.answers);
      throw new AppError(
        "CONFLICT",
        `run ${run.id} waits for ${v.missing} more approval${v.missing === 1 ? "" : "s"}: ${approveCommand(run.id)}`,
      );
    },
  };
}

export type GateApprovals = ReturnType<typeof createApprovals>;
