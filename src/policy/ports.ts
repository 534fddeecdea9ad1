// What the gate needs from the store (src/policy/store.ts implements it on drizzle).

/** approve | hold | deny, and where a hold stands. */
type GateStatus = "waiting" | "approved" | "denied" | "rejected" | "expired";

/** The approvals a hold needs in one group; `members` when the policy lists the group's people. */
export interface RequiredApprovals {
  count: number;
  group: string;
  members?: string[];
}

/** A recorded gate decision. */
export interface GateRecord {
  id: string;
  runId: string;
  jobKey: string;
  project: string;
  commit: string | null;
  author: string;
  environment: string;
  decision: "approve" | "hold" | "deny";
  status: GateStatus;
  reasons: string[];
  required: RequiredApprovals[];
  detail: Record<string, unknown>;
  policyFile: string;
  policySha256: string;
  createdAt: Date;
  expiresAt: Date | null;
  closedAt: Date | null;
  closedReason: string | null;
}

/** A person's answer to a hold. */
export interface GateAnswer {
  id: string;
  decisionId: string;
  runId: string;
  by: string;
  verdict: "approve" | "reject";
  comment: string | null;
  at: Date;
}

export interface GateStore {
  /** Records a decision; a second one for the same run and job is a CONFLICT. */
  recordDecision(record: GateRecord): Promise<void>;
  /** The decision of a run's gate job, if one was made. */
  decisionOf(runId: string, jobKey: string): Promise<GateRecord | undefined>;
  /** A run's hold: its latest hold decision (any status), with its answers. */
  holdOf(
    runId: string,
  ): Promise<{ record: GateRecord; answers: GateAnswer[] } | undefined>;
  /** Holds still waiting, oldest first, with their answers. */
  waiting(): Promise<{ record: GateRecord; answers: GateAnswer[] }[]>;
  /**
   * Adds an answer to a waiting hold and, when `close` is given, closes the hold with it, in one
   * transaction guarded on `status = 'waiting'`; false (nothing written) when it was not waiting.
   */
  answer(
    answer: GateAnswer,
    close?: { status: GateStatus; reason: string },
  ): Promise<boolean>;
  /** Closes a waiting hold (expired); false when it was not waiting. */
  close(
    decisionId: string,
    close: { status: GateStatus; reason: string; at: Date },
  ): Promise<boolean>;
}
