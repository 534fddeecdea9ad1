import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { ManualClock, newId } from "../kernel/index.js";
import { createRunStore } from "../pipeline/index.js";
import type { RunStore } from "../pipeline/index.js";
import type { Database } from "../store/index.js";
import { EvidenceLog, loadSigningKey, readRecords } from "./evidence/index.js";
import { createGateStep } from "./gate.js";
import type { GateStore } from "./ports.js";
import { createGateStore } from "./store.js";

// A Tuesday, 10:00 UTC: no freeze window of the default policy applies.
const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);

/** A repository with a first commit, then `files` committed as the change under the gate. */
function repoWithChange(files: Record<string, string>, message: string) {
  const dir = mkdtempSync(join(tmpdir(), "sluice-gate-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  git("config", "user.email", "Ada@Example.com");
  git("config", "user.name", "Ada");
  git("config", "commit.gpgsign", "false");
  writeFileSync(join(dir, "README.md"), "shop\n");
  git("add", ".");
  git("commit", "-qm", "init");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  git("add", ".");
  git("commit", "-qm", message);
  return { dir, commit: git("rev-parse", "HEAD") };
}

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => `line ${i}`).join("\n") + "\n";

describe.each(testDatabases)("the gate step on $name", ({ open }) => {
  let database: Database;
  let clock: ManualClock;
  let runs: RunStore;
  let store: GateStore;
  let evidencePath: string;
  let findings: { tool: string; severity: string }[];
  let step: ReturnType<typeof createGateStep>;

  beforeEach(async () => {
    database = await open();
    clock = new ManualClock(t0);
    runs = createRunStore(database, { clock });
    store = createGateStore(database);
    const home = mkdtempSync(join(tmpdir(), "sluice-gate-home-"));
    evidencePath = join(home, "evidence.jsonl");
    const { privateKey } = loadSigningKey({ home });
    findings = [];
    step = createGateStep({
      store,
      runs,
      findings: async () => findings,
      evidence: () =>
        new EvidenceLog({ path: evidencePath, privateKey, clock }),
      clock,
      newId: (prefix) => newId(prefix, clock.now()),
    });
  });
  afterEach(async () => {
    await database.close();
  });

  async function gateIn(repo: { dir: string; commit: string }) {
    const run = await runs.createRun({
      project: "shop",
      trigger: "local",
      workdir: repo.dir,
      change: { commit: repo.commit },
    });
    const jobs = await runs.addJobs(run.id, [
      { key: "test", name: "test", needs: [], steps: ["npm test"] },
      { key: "gate", name: "gate", needs: ["test"], steps: ["sluice/gate"] },
    ]);
    await runs
      .recorder(new Map([...jobs].map(([key, row]) => [key, row.id])))
      .jobFinished("test", { status: "success", outputs: {} });
    const log: string[] = [];
    const ctx = {
      with: { policy: ".sluice/policy.yml" },
      workdir: repo.dir,
      runId: run.id,
      jobKey: "gate",
      log: (line: string) => log.push(line),
    };
    return { runId: run.id, log, ctx };
  }

  it("approves a small tested change on the default policy, printing the rule and its facts", async () => {
    const gate = await gateIn(
      repoWithChange(
        { "src/cart.ts": lines(20), "src/cart.test.ts": lines(10) },
        "cart",
      ),
    );
    expect(await step(gate.ctx)).toEqual({
      status: "success",
      outputs: { decision: "approve" },
    });
    expect(gate.log).toContain(
      "rule small-tested-change fired: approve: a small change whose tests passed",
    );
    expect(gate.log).toContain("  linesChanged = 30");
    expect(gate.log).toContain(
      "change: 2 files, 30 lines, unmarked, by ada@example.com, to production",
    );
    const record = await store.decisionOf(gate.runId, "gate");
    expect(record).toMatchObject({
      decision: "approve",
      status: "approved",
      author: "ada@example.com",
      policyFile: "(default policy)",
    });
    // The VSA names the policy by a URI reference (the display name "(default policy)" is none).
    const read = readRecords(readFileSync(evidencePath, "utf8"));
    expect(read.ok && read.records[0]!.statement).toMatchObject({
      predicate: { policy: { uri: "sluice:policy/default" } },
    });
  });

  it("holds a large AI-assisted change to infra/ until its timeout (72h by default), and says how to approve", async () => {
    const gate = await gateIn(
      repoWithChange(
        { "infra/main.tf": lines(500) },
        "infra\n\nAssisted-by: Claude:claude-sonnet-4",
      ),
    );
    const result = await step(gate.ctx);
    expect(result.status).toBe("held");
    expect(result.message).toMatch(
      /^held for 1 from maintainers: large-sensitive-change: /,
    );
    expect(gate.log.join("\n")).toContain(
      `approve with \`sluice approve ${gate.runId}\` (by someone other than ada@example.com)`,
    );
    const record = await store.decisionOf(gate.runId, "gate");
    expect(record).toMatchObject({ decision: "hold", status: "waiting" });
    expect(record!.expiresAt!.getTime() - t0).toBe(72 * 3_600_000);
    expect(record!.required).toEqual([{ count: 1, group: "maintainers" }]);
    // Run again (a resume) before any approval: still held, on the same decision.
    expect((await step(gate.ctx)).status).toBe("held");
    // Once approved, the resumed gate passes on that decision.
    await store.answer(
      {
        id: "appr_1",
        decisionId: record!.id,
        runId: gate.runId,
        by: "bob@example.com",
        verdict: "approve",
        comment: null,
        at: new Date(t0),
      },
      { status: "approved", reason: "approved by bob@example.com" },
    );
    expect(await step(gate.ctx)).toEqual({ status: "success" });
    expect(gate.log).toContain("the gate decided before: hold (approved)");
  });

  it("denies on a critical finding with the reasons; a policy's own file is read from the checkout", async () => {
    const repo = repoWithChange(
      {
        "src/cart.ts": lines(5),
        ".sluice/policy.yml":
          "holdTimeout: 1h\nrules:\n  - name: no-critical\n    when: findings.critical > 0\n    decision: deny\n    message: critical findings\n",
      },
      "cart",
    );
    findings = [{ tool: "secrets", severity: "critical" }];
    const gate = await gateIn(repo);
    expect(await step(gate.ctx)).toEqual({
      status: "failure",
      message: "denied: no-critical: critical findings",
      outputs: { decision: "deny" },
    });
    expect(await store.decisionOf(gate.runId, "gate")).toMatchObject({
      status: "denied",
      policyFile: ".sluice/policy.yml",
    });
  });

  it("signs each decision into the evidence log before acting on it, about the change's commit", async () => {
    const repo = repoWithChange({ "docs/a.md": "docs\n" }, "docs");
    const gate = await gateIn(repo);
    expect((await step(gate.ctx)).status).toBe("success");
    const read = readRecords(readFileSync(evidencePath, "utf8"));
    if (!read.ok) throw new Error(read.problem);
    const statement = JSON.parse(
      Buffer.from(
        read.records[0]!.record.envelope.payload,
        "base64",
      ).toString(),
    ) as {
      subject: unknown;
      predicate: { verificationResult: string; sluice: { decision: string } };
    };
    expect(statement.subject).toEqual([
      {
        name: `sluice:shop@${repo.commit}`,
        digest: { gitCommit: repo.commit },
      },
    ]);
    expect(statement.predicate.verificationResult).toBe("PASSED");
    expect(statement.predicate.sluice.decision).toBe("approve");
  });

  it("a named policy that is missing fails the step in one line; nothing is recorded", async () => {
    const gate = await gateIn(repoWithChange({ "src/a.ts": "a\n" }, "a"));
    await expect(
      step({ ...gate.ctx, with: { policy: "ops/gate.yml" } }),
    ).rejects.toThrow(/ops\/gate.yml does not exist/);
    expect(await store.decisionOf(gate.runId, "gate")).toBeUndefined();
  });
});
