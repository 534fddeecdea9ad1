import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { gatedPipeline } from "./gate-pipeline.js";

// The gate between test and deploy, and the default policy (no .sluice/policy.yml).
const config = gatedPipeline;

interface RunJson {
  id: string;
  status: string;
  reason: string | null;
  jobs: { key: string; status: string }[];
}

// Each test runs whole pipelines with the built CLI: minutes on a loaded CI machine.
describe(
  "the policy gate in a run: auto-approve, hold, approvals by a second git identity, resume in a new process (built CLI)",
  { timeout: 240_000 },
  () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-e2e-gate-"));
    const env = { SLUICE_HOME: home, SLUICE_EVIDENCE_KEY: "" };
    // The reviewer is a second git identity; the author is the repository's user.email.
    const reviewer = { ...env, GIT_AUTHOR_EMAIL: "reviewer@example.com" };
    let repo: string;
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: repo, stdio: "pipe" });
    const show = (id: string): RunJson => {
      const shown = sluice(repo, env, ["run", "show", id, "--json"]);
      expect(shown.code, shown.stderr).toBe(0);
      return JSON.parse(shown.stdout) as RunJson;
    };
    const jobStatus = (run: RunJson) =>
      Object.fromEntries(run.jobs.map((j) => [j.key, j.status]));
    /** A 500-line AI-assisted change to infra/ (an `Assisted-by` trailer, ADR 081). */
    const bigInfraChange = (name: string) => {
      mkdirSync(join(repo, "infra"), { recursive: true });
      writeFileSync(
        join(repo, "infra", `${name}.tf`),
        Array.from({ length: 500 }, (_, i) => `# ${name} line ${i}`).join(
          "\n",
        ) + "\n",
      );
      git("add", ".");
      git(
        "commit",
        "-q",
        "-m",
        `infra: ${name}`,
        "-m",
        "Assisted-by: Claude:claude-sonnet-4",
      );
    };
    /** Commits a big infra change and runs it: held (exit 3); returns the run's id. */
    const holdAChange = (name: string): string => {
      bigInfraChange(name);
      const run = sluice(repo, env, ["run"]);
      expect(run.code, run.stderr).toBe(3);
      return heldRunId(run.stderr);
    };
    const heldRunId = (stderr: string): string => {
      const id = /sluice approve (run_\w+)/.exec(stderr)?.[1];
      expect(id, stderr).toBeDefined();
      return id!;
    };

    beforeAll(() => {
      assertBuilt();
      repo = gitRepo({
        "sluice.yml": config,
        "src/app.js": "export const a = 1;\n",
        "test/app.test.js": "// a\n",
      });
    });

    let approvedRun = "";

    it("approves a small tested change with no person: the run goes on to deploy", () => {
      writeFileSync(
        join(repo, "src", "app.js"),
        "export const a = 1;\nexport const b = 2;\n",
      );
      writeFileSync(join(repo, "test", "app.test.js"), "// a\n// b\n");
      git("commit", "-qam", "b, with its test");
      const run = sluice(repo, env, ["run"]);
      expect(run.code, run.stderr).toBe(0);
      // Every fired rule is printed with the facts it read.
      const logs = sluice(repo, env, ["logs", "last"]);
      expect(logs.stdout).toContain(
        "rule small-tested-change fired: approve: a small change with tests",
      );
      expect(logs.stdout).toContain("linesChanged = 2");
      expect(logs.stdout).toContain(
        "change: 2 files, 2 lines, unmarked, by e2e@example.com, to production",
      );
      const shown = show("last");
      approvedRun = shown.id;
      expect(shown.status).toBe("success");
      expect(jobStatus(shown)).toEqual({
        test: "success",
        gate: "success",
        deploy: "success",
      });
    });

    let held = "";

    it("holds a 500-line AI-assisted change to infra/: exit 3, how to approve, deploy not started", () => {
      bigInfraChange("network");
      const run = sluice(repo, env, ["run"]);
      expect(run.code, run.stderr).toBe(3);
      held = heldRunId(run.stderr);
      expect(run.stderr).toContain("large-sensitive-change");
      const shown = show(held);
      expect(shown.status).toBe("held");
      expect(jobStatus(shown)).toEqual({
        test: "success",
        gate: "held",
        deploy: "pending",
      });
      const logs = sluice(repo, env, ["logs", held]);
      expect(logs.stdout).toMatch(
        /change: 1 files, 500 lines, ai-assisted \(.+\), by e2e@example.com/,
      );
      expect(logs.stdout).toContain('sensitiveFiles = ["infra/network.tf"]');
      expect(logs.stdout).toContain("decision: hold");
    });

    it("refuses the author's approval in one line, and changes nothing", () => {
      const approve = sluice(repo, env, ["approve", held]);
      expect(approve.code).toBe(2);
      expect(approve.stderr.trim()).toBe(
        "sluice: e2e@example.com is the author of this change and cannot approve it; someone else must",
      );
      expect(show(held).status).toBe("held");
      // A resume before the approval is refused too.
      const resume = sluice(repo, env, ["run", "resume", held]);
      expect(resume.code).toBe(2);
      expect(resume.stderr).toContain("waits for 1 more approval");
    });

    it("refuses approvals for a run that is not held and for an unknown run", () => {
      const notHeld = sluice(repo, reviewer, ["approve", approvedRun]);
      expect(notHeld.code).toBe(2);
      expect(notHeld.stderr.trim()).toMatch(
        new RegExp(
          `^sluice: run ${approvedRun} is not held \\(it is success\\)`,
        ),
      );
      const unknown = sluice(repo, reviewer, ["approve", "run_nosuchrun"]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr.trim()).toBe("sluice: run run_nosuchrun not found");
      expect(unknown.stderr).not.toMatch(/at .*\.js:\d+/);
    });

    it("the held run is just rows: a new process lists it, and a second identity's approval resumes it to deploy", () => {
      // Every sluice process so far has exited; the hold is found by a new one.
      const waiting = sluice(repo, env, ["approvals", "--json"]);
      expect(waiting.code, waiting.stderr).toBe(0);
      const holds = JSON.parse(waiting.stdout) as {
        runId: string;
        missing: number;
        author: string;
      }[];
      expect(holds.map((h) => [h.runId, h.missing, h.author])).toEqual([
        [held, 1, "e2e@example.com"],
      ]);
      const approve = sluice(repo, reviewer, [
        "approve",
        held,
        "--comment",
        "reviewed the network change",
      ]);
      expect(approve.code, approve.stderr).toBe(0);
      expect(approve.stderr).toContain(
        `run ${held} approved by reviewer@example.com; it continues`,
      );
      const shown = show(held);
      expect(shown.status).toBe("success");
      expect(jobStatus(shown)).toEqual({
        test: "success",
        gate: "success",
        deploy: "success",
      });
      // Approved once: a second approval is refused, the run is not held any more.
      const again = sluice(repo, reviewer, ["approve", held]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("is not held");
    });

    it("a bad option or an early resume changes nothing; the approval then continues the run", () => {
      const id = holdAChange("storage");
      // A bad option is refused before anything is recorded: the hold still waits.
      const bad = sluice(repo, reviewer, [
        "approve",
        id,
        "--max-parallel",
        "0",
      ]);
      expect(bad.code).toBe(2);
      expect(show(id).status).toBe("held");
      const resume = sluice(repo, env, ["run", "resume", id]);
      expect(resume.code).toBe(2);
      const approve = sluice(repo, reviewer, ["approve", id]);
      expect(approve.code, approve.stderr).toBe(0);
      expect(show(id).status).toBe("success");
    });

    it("sluice reject fails a held run with the reason", () => {
      const id = holdAChange("dns");
      const reject = sluice(repo, reviewer, [
        "reject",
        id,
        "--comment",
        "not this week",
      ]);
      expect(reject.code, reject.stderr).toBe(0);
      const shown = show(id);
      expect(shown.status).toBe("failure");
      expect(shown.reason).toBe(
        "rejected by reviewer@example.com: not this week",
      );
      expect(jobStatus(shown)).toEqual({
        test: "success",
        gate: "failure",
        deploy: "skipped",
      });
      const resume = sluice(repo, env, ["run", "resume", id]);
      expect(resume.code).toBe(2);
      expect(resume.stderr).toContain("is not held");
    });

    it("every decision and answer is a signed record that sluice evidence verify accepts", () => {
      const out = join(home, "export.jsonl");
      const exported = sluice(repo, env, ["evidence", "export", "--out", out]);
      expect(exported.code, exported.stderr).toBe(0);
      const lines = readFileSync(out, "utf8").trim().split("\n");
      const statements = lines.slice(0, -1).map((line) => {
        const record = JSON.parse(line) as { envelope: { payload: string } };
        return JSON.parse(
          Buffer.from(record.envelope.payload, "base64").toString("utf8"),
        ) as { predicateType: string; predicate: Record<string, unknown> };
      });
      // 4 decisions (1 approve, 3 holds), 2 approvals, 1 rejection.
      const kinds = statements.map((s) =>
        s.predicateType.endsWith("verification_summary/v1")
          ? `decision:${(s.predicate.sluice as { decision: string }).decision}`
          : `answer:${s.predicate.verdict as string}`,
      );
      expect(kinds).toEqual([
        "decision:approve",
        "decision:hold",
        "answer:approve",
        "decision:hold",
        "answer:approve",
        "decision:hold",
        "answer:reject",
      ]);
      const verify = sluice(repo, env, ["evidence", "verify", out]);
      expect(verify.code, verify.stderr).toBe(0);
    });
  },
);
