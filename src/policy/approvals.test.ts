import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { AppError, ManualClock, newId } from "../kernel/index.js";
import { createRunStore } from "../pipeline/index.js";
import type { RunStore } from "../pipeline/index.js";
import type { Database } from "../store/index.js";
import { createApprovals } from "./approvals.js";
import type { GateApprovals } from "./approvals.js";
import { EvidenceLog, loadSigningKey, readRecords } from "./evidence/index.js";
import type { GateRecord, GateStore, RequiredApprovals } from "./ports.js";
import { createGateStore } from "./store.js";

const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);
const hour = 3_600_000;

describe.each(testDatabases)("gate approvals on $name", ({ open }) => {
  let database: Database;
  let clock: ManualClock;
  let runs: RunStore;
  let store: GateStore;
  let evidencePath: string;
  let evidenceFails: boolean;
  let approvals: GateApprovals;

  beforeEach(async () => {
    database = await open();
    clock = new ManualClock(t0);
    runs = createRunStore(database, { clock });
    store = createGateStore(database);
    const home = mkdtempSync(join(tmpdir(), "sluice-approvals-"));
    evidencePath = join(home, "evidence.jsonl");
    const { privateKey } = loadSigningKey({ home });
    evidenceFails = false;
    approvals = createApprovals({
      store,
      runs,
      evidence: () => {
        // As a missing team key does: thrown before anything is written.
        if (evidenceFails)
          throw new AppError(
            "INVALID_ARGUMENT",
            "evidence signing key /nope cannot be read (ENOENT)",
          );
        return new EvidenceLog({ path: evidencePath, privateKey, clock });
      },
      clock,
      newId: (prefix) => newId(prefix, clock.now()),
    });
  });
  afterEach(async () => {
    await database.close();
  });

  /** A run held at its gate (test done, gate held, deploy pending), as the scheduler leaves it. */
  async function heldRun(
    required: RequiredApprovals[] = [{ count: 1, group: "maintainers" }],
  ): Promise<GateRecord> {
    const run = await runs.createRun({
      project: "shop",
      trigger: "local",
      workdir: "/src/shop",
      change: { commit: "c".repeat(40), authorEmail: "ada@example.com" },
    });
    const jobs = await runs.addJobs(run.id, [
      { key: "test", name: "test", needs: [], steps: ["npm test"] },
      { key: "gate", name: "gate", needs: ["test"], steps: ["sluice/gate"] },
      { key: "deploy", name: "deploy", needs: ["gate"], steps: ["deploy"] },
    ]);
    await runs.startRun(run.id);
    const recorder = runs.recorder(
      new Map([...jobs].map(([key, row]) => [key, row.id])),
    );
    await recorder.jobFinished("test", { status: "success", outputs: {} });
    await recorder.jobFinished("gate", { status: "held", outputs: {} });
    await runs.holdRun(
      run.id,
      {
        plan: { name: "shop", facts: { event: "push" }, jobs: [] },
        artifacts: {},
      },
      "held: gate",
    );
    const record: GateRecord = {
      id: newId("gate", clock.now()),
      runId: run.id,
      jobKey: "gate",
      project: "shop",
      commit: "c".repeat(40),
      author: "ada@example.com",
      environment: "production",
      decision: "hold",
      status: "waiting",
      reasons: ["large-sensitive-change: a large change needs a person"],
      required,
      detail: {},
      policyFile: "(default policy)",
      policySha256: "0".repeat(64),
      createdAt: new Date(clock.now()),
      expiresAt: new Date(clock.now() + 72 * hour),
      closedAt: null,
      closedReason: null,
    };
    await store.recordDecision(record);
    return record;
  }

  const evidenceLines = () =>
    existsSync(evidencePath)
      ? readFileSync(evidencePath, "utf8").trim().split("\n")
      : [];
  const payloads = () => {
    const read = readRecords(readFileSync(evidencePath, "utf8"));
    if (!read.ok) throw new Error(read.problem);
    return read.records.map(
      (r) =>
        JSON.parse(
          Buffer.from(r.record.envelope.payload, "base64").toString(),
        ) as { predicate: Record<string, unknown> },
    );
  };
  /** How a use case refused: its code and message (undefined when it did not refuse). */
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      (): string[] | undefined => undefined,
      (error: unknown) =>
        error instanceof AppError
          ? [error.code, error.message]
          : [String(error)],
    );

  it("refuses the author's approval (any case of the email) and writes nothing", async () => {
    const hold = await heldRun();
    expect(
      await refusal(approvals.approve(hold.runId, " Ada@Example.com ")),
    ).toEqual([
      "FORBIDDEN",
      "ada@example.com is the author of this change and cannot approve it; someone else must",
    ]);
    expect((await store.holdOf(hold.runId))!.answers).toEqual([]);
    expect((await runs.getRun(hold.runId)).status).toBe("held");
    expect(evidenceLines()).toEqual([]);
  });

  it("refuses an unknown run, a run that is not held, and an identity that is no email", async () => {
    expect(
      await refusal(approvals.approve("run_nosuch", "bob@example.com")),
    ).toEqual(["NOT_FOUND", "run run_nosuch not found"]);
    const done = await runs.createRun({
      project: "shop",
      trigger: "local",
      workdir: "/src/shop",
      change: {},
    });
    await runs.finishRun(done.id, "success");
    expect(
      await refusal(approvals.approve(done.id, "bob@example.com")),
    ).toEqual([
      "CONFLICT",
      `run ${done.id} is not held (it is success); only a held run can be approved or rejected`,
    ]);
    const hold = await heldRun();
    expect(
      (await refusal(approvals.approve(hold.runId, "")))?.toString(),
    ).toMatch(/INVALID_ARGUMENT,no usable identity/);
  });

  it("counts approvals up to the policy's count, one per person, then the run may resume", async () => {
    const hold = await heldRun([{ count: 2, group: "maintainers" }]);
    expect(await refusal(approvals.readyToResume(hold.runId))).toEqual([
      "CONFLICT",
      `run ${hold.runId} waits for 2 more approvals: sluice approve ${hold.runId}`,
    ]);
    const first = await approvals.approve(hold.runId, "bob@example.com", "ok");
    expect(first.approved).toBe(false);
    expect(first.hold.missing).toBe(1);
    expect(
      await refusal(approvals.approve(hold.runId, "BOB@example.com")),
    ).toEqual([
      "CONFLICT",
      `bob@example.com has approved run ${hold.runId} already`,
    ]);
    clock.advance(60_000);
    const second = await approvals.approve(hold.runId, "cy@example.com");
    expect(second.approved).toBe(true);
    expect(second.hold.approvedBy).toEqual([
      "bob@example.com",
      "cy@example.com",
    ]);
    expect(second.hold.status).toBe("approved");
    await expect(approvals.readyToResume(hold.runId)).resolves.toBeUndefined();
    // Each answer is a signed record of the hold's chain.
    expect(
      payloads().map((p) => [p.predicate.by, p.predicate.outcome]),
    ).toEqual([
      ["bob@example.com", "waiting"],
      ["cy@example.com", "approved"],
    ]);
    // The hold is closed: a late approval is refused.
    expect(
      (await refusal(approvals.approve(hold.runId, "dee@example.com")))?.[0],
    ).toBe("CONFLICT");
  });

  it("the approval that completes a hold continues the run (continueRun, with how it should run); one that does not complete it, or cannot continue it, does not", async () => {
    const hold = await heldRun([{ count: 2, group: "maintainers" }]);
    const asked: [string, unknown][] = [];
    let refuse = false;
    // The home's key, made by beforeEach: the same evidence chain.
    const { privateKey } = loadSigningKey({ home: dirname(evidencePath) });
    const continuing = createApprovals({
      store,
      runs,
      evidence: () =>
        new EvidenceLog({ path: evidencePath, privateKey, clock }),
      clock,
      newId: (prefix) => newId(prefix, clock.now()),
      continueRun: async (runId, how) => {
        asked.push([runId, how]);
        if (refuse)
          throw new AppError("CONFLICT", `run ${runId}'s folder is gone`);
        return [`run ${runId} resumed`];
      },
    });
    const first = await continuing.approve(hold.runId, "bob@example.com");
    expect(first).toMatchObject({
      approved: false,
      continued: false,
      notices: [],
    });
    expect(asked).toEqual([]);
    const how = { maxParallel: 2, env: { MARK: "terminal" }, clientPid: 42 };
    const second = await continuing.approve(
      hold.runId,
      "cy@example.com",
      "ok",
      how,
    );
    expect(second).toMatchObject({
      approved: true,
      continued: true,
      notices: [`run ${hold.runId} resumed`],
    });
    expect(asked).toEqual([[hold.runId, how]]);

    // A run that cannot go on stays approved: the approval is not undone, and says how to resume.
    const other = await heldRun();
    refuse = true;
    const third = await continuing.approve(other.runId, "bob@example.com");
    expect(third).toMatchObject({ approved: true, continued: false });
    expect(third.notices).toEqual([
      `run ${other.runId} is approved but did not continue: run ${other.runId}'s folder is gone; \`sluice run resume ${other.runId}\` continues it`,
    ]);
    expect(third.hold.status).toBe("approved");
  });

  it("counts only a group's members where the policy lists them", async () => {
    const hold = await heldRun([
      { count: 1, group: "sre", members: ["sam@example.com"] },
    ]);
    expect(
      await refusal(approvals.approve(hold.runId, "bob@example.com")),
    ).toEqual([
      "FORBIDDEN",
      "bob@example.com is in none of the groups this hold needs (sre)",
    ]);
    expect(
      (await approvals.approve(hold.runId, "sam@example.com")).approved,
    ).toBe(true);
  });

  it("a rejection fails the run with the reason: the held gate fails, what waited is skipped", async () => {
    const hold = await heldRun();
    const view = await approvals.reject(
      hold.runId,
      "bob@example.com",
      "not now",
    );
    expect(view.status).toBe("rejected");
    const run = await runs.getRun(hold.runId);
    expect(run.status).toBe("failure");
    expect(run.reason).toBe("rejected by bob@example.com: not now");
    expect(run.jobs.map((j) => [j.key, j.status])).toEqual([
      ["test", "success"],
      ["gate", "failure"],
      ["deploy", "skipped"],
    ]);
    expect(payloads()[0]!.predicate).toMatchObject({
      verdict: "reject",
      outcome: "rejected",
      comment: "not now",
    });
    expect((await refusal(approvals.readyToResume(hold.runId)))?.[0]).toBe(
      "CONFLICT",
    );
  });

  it("a hold past its timeout is rejected when next looked at", async () => {
    const hold = await heldRun();
    clock.set(t0 + 72 * hour - 1);
    expect((await approvals.waiting()).map((h) => h.runId)).toEqual([
      hold.runId,
    ]);
    clock.set(t0 + 72 * hour);
    expect(
      await refusal(approvals.approve(hold.runId, "bob@example.com")),
    ).toEqual([
      "CONFLICT",
      `run ${hold.runId} is not held any more: its hold timed out at 2026-12-04T10:00:00.000Z and was rejected`,
    ]);
    const run = await runs.getRun(hold.runId);
    expect(run.status).toBe("failure");
    expect(run.reason).toMatch(/^rejected: the hold timed out/);
    expect((await store.holdOf(hold.runId))!.record.status).toBe("expired");
    expect(await approvals.waiting()).toEqual([]);
    expect(payloads().map((p) => p.predicate.outcome)).toEqual(["expired"]);
  });

  it("an evidence log that cannot sign leaves the hold as it was", async () => {
    const hold = await heldRun();
    evidenceFails = true;
    expect(
      (await refusal(approvals.approve(hold.runId, "bob@example.com")))?.[0],
    ).toBe("INVALID_ARGUMENT");
    expect((await store.holdOf(hold.runId))!).toMatchObject({
      record: { status: "waiting" },
      answers: [],
    });
    expect((await runs.getRun(hold.runId)).status).toBe("held");
  });
});
