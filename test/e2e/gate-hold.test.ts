import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleService } from "../../src/deploy/index.js";
import {
  hasSslib,
  runSslibVerifier,
  statementValidators,
} from "../conformance/evidence-checks.js";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { deployingPipeline } from "./gate-pipeline.js";

// The gate between test and a real deployment (sluice/deploy on the local target), and the
// default policy (no .sluice/policy.yml).
const config = deployingPipeline;

interface Statement {
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

/** What the deployment's provenance says of the run, its checks and its gate. */
interface ProvenanceRun {
  runId: string;
  deploymentId: string;
  steps: { job: string; step: string; status: string }[];
  gate: {
    decision?: { seq: number; sha256: string; says: string };
    answers: { sha256: string; says: string; by?: string }[];
  };
}

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
    const headCommit = () =>
      execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo })
        .toString()
        .trim();
    /** The production rollout as `sluice rollout status --json` shows it. */
    const rollout = () => {
      const status = sluice(repo, env, [
        "rollout",
        "status",
        "production",
        "--json",
      ]);
      expect(status.code, status.stderr).toBe(0);
      return JSON.parse(status.stdout) as {
        phase: string;
        stable: string | null;
        endpoint?: string;
      };
    };
    /** The release production serves: its name (the commit's first 12) and what it answers. */
    const serving = async () => {
      const now = rollout();
      expect(now.phase).toBe("Healthy");
      expect(now.endpoint).toBeDefined();
      const answer = await fetch(now.endpoint!);
      expect(answer.status).toBe(200);
      return now.stable;
    };
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
      // The service each deployment starts (it answers on /healthz and every other path).
      writeSampleService(repo);
      git("add", "server.mjs");
      git("commit", "-qm", "the service");
    });

    afterAll(() => {
      // Whatever the tests deployed stops with them; then the home and the repository go.
      if (repo) sluice(repo, env, ["deploy", "stop", "production"]);
      // The local server the commands started writes to the home until it stops.
      if (repo) sluice(repo, env, ["server", "stop"]);
      rmSync(home, { recursive: true, force: true });
      if (repo) rmSync(repo, { recursive: true, force: true });
    });

    let approvedRun = "";

    it("approves a small tested change with no person: the run deploys it", async () => {
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
        "rule small-tested-change fired: approve: a small change whose tests passed",
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
      // A real deployment: production serves the release built from this commit.
      expect(await serving()).toBe(headCommit().slice(0, 12));
    });

    let held = "";

    it("approves a small change to the pipeline's config whose tests passed, with no person, and deploys it", async () => {
      const file = join(repo, "sluice.yml");
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace(
          "  test:\n",
          '  test:\n    env:\n      CI: "true"\n      LOG_LEVEL: debug\n',
        ),
      );
      git("commit", "-qam", "ci: test with CI=true");
      const run = sluice(repo, env, ["run"]);
      expect(run.code, run.stderr).toBe(0);
      const logs = sluice(repo, env, ["logs", "last"]);
      expect(logs.stdout).toContain(
        "change: 1 files, 3 lines, unmarked, by e2e@example.com, to production",
      );
      expect(logs.stdout).toContain(
        "rule small-tested-change fired: approve: a small change whose tests passed",
      );
      expect(logs.stdout).toContain("testsPassed = 1");
      expect(jobStatus(show("last"))).toEqual({
        test: "success",
        gate: "success",
        deploy: "success",
      });
      expect(await serving()).toBe(headCommit().slice(0, 12));
    });

    let servingBefore: string | null = null;

    it("holds a 500-line AI-assisted change to infra/: exit 3, how to approve, deploy not started", async () => {
      servingBefore = await serving();
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
      // Nothing was deployed: production still serves the approved change.
      expect(await serving()).toBe(servingBefore);
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

    it("the held run is just rows: a new process lists it, and a second identity's approval resumes it to deploy", async () => {
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
      // The approval deployed the held change: production serves its commit now.
      expect(await serving()).toBe(headCommit().slice(0, 12));
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

    it("every decision, answer and deployment is a signed record that sluice evidence verify and securesystemslib accept", () => {
      const out = join(home, "export.jsonl");
      const exported = sluice(repo, env, ["evidence", "export", "--out", out]);
      expect(exported.code, exported.stderr).toBe(0);
      const text = readFileSync(out, "utf8");
      const lines = text.trim().split("\n");
      const records = lines.slice(0, -1);
      const statements = records.map((line) => {
        const record = JSON.parse(line) as { envelope: { payload: string } };
        return JSON.parse(
          Buffer.from(record.envelope.payload, "base64").toString("utf8"),
        ) as Statement;
      });
      // 5 decisions (2 approves, 3 holds), 2 approvals, 1 rejection, 4 deployments.
      const kinds = statements.map((s) =>
        s.predicateType.endsWith("verification_summary/v1")
          ? `decision:${(s.predicate.sluice as { decision: string }).decision}`
          : s.predicateType.endsWith("provenance/v1")
            ? "deployment"
            : `answer:${s.predicate.verdict as string}`,
      );
      expect(kinds).toEqual([
        "decision:approve",
        "deployment",
        "decision:approve",
        "deployment",
        "decision:hold",
        "answer:approve",
        "deployment",
        "decision:hold",
        "answer:approve",
        "deployment",
        "decision:hold",
        "answer:reject",
      ]);
      const verify = sluice(repo, env, ["evidence", "verify", out]);
      expect(verify.code, verify.stderr).toBe(0);

      // The held run's deployment: its subjects are the release and the commit, its checks the
      // run's jobs before deploy, and it links the hold and the approval by their records' hashes.
      const hash = (line: string) =>
        createHash("sha256").update(line, "utf8").digest("hex");
      const provenance = statements[6]!;
      const commit = (
        provenance.predicate.buildDefinition as {
          externalParameters: { commit: string };
        }
      ).externalParameters.commit;
      expect(provenance.subject.map((s) => Object.keys(s.digest))).toEqual([
        ["sha256"],
        ["gitCommit"],
      ]);
      expect(provenance.subject[0]!.name).toBe(
        `sluice:shop/${commit.slice(0, 12)}`,
      );
      expect(provenance.subject[1]!.digest.gitCommit).toBe(commit);
      const build = provenance.predicate.buildDefinition as {
        internalParameters: ProvenanceRun;
        externalParameters: { release: unknown };
      };
      expect(build.internalParameters.runId).toBe(held);
      expect(build.internalParameters.steps).toEqual([
        { job: "test", step: "echo tested", status: "success" },
        { job: "gate", step: "sluice/gate", status: "success" },
      ]);
      expect(build.internalParameters.gate).toEqual({
        decision: {
          environment: "production",
          seq: 5,
          sha256: hash(records[4]!),
          says: "hold",
        },
        answers: [
          {
            environment: "production",
            seq: 6,
            sha256: hash(records[5]!),
            says: "approve",
            by: "reviewer@example.com",
          },
        ],
      });
      // The release's digest is the sha256 of the manifest the statement carries.
      expect(provenance.subject[0]!.digest.sha256).toBe(
        hash(JSON.stringify(build.externalParameters.release)),
      );

      // Every statement is in-toto Statement v1 with a valid SLSA predicate (answers: sluice's own).
      const { ajv, validStatement, byType } = statementValidators();
      for (const s of statements) {
        expect(validStatement(s), ajv.errorsText(validStatement.errors)).toBe(
          true,
        );
        const predicate = byType[s.predicateType];
        if (predicate)
          expect(predicate(s.predicate), ajv.errorsText(predicate.errors)).toBe(
            true,
          );
      }
      if (!hasSslib) return;
      const key = sluice(repo, env, ["evidence", "key"]);
      expect(key.code, key.stderr).toBe(0);
      const pubPath = join(home, "evidence.pub.pem");
      writeFileSync(pubPath, key.stdout);
      const checked = runSslibVerifier(home, text, pubPath);
      expect(checked.stderr).toBe("");
      expect(checked.lines).toEqual(lines.map((_, i) => `ok ${i + 1}`));
    });
    it("sluice deploy outside a run is signed too: provenance of the release and commit, no checks, no gate", () => {
      const deployed = sluice(repo, env, [
        "deploy",
        "production",
        "--release",
        "by-hand",
      ]);
      expect(deployed.code, deployed.stderr).toBe(0);
      const out = join(home, "export-deploy.jsonl");
      const exported = sluice(repo, env, ["evidence", "export", "--out", out]);
      expect(exported.code, exported.stderr).toBe(0);
      const verify = sluice(repo, env, ["evidence", "verify", out]);
      expect(verify.code, verify.stderr).toBe(0);
      const lines = readFileSync(out, "utf8").trim().split("\n");
      const last = JSON.parse(
        Buffer.from(
          (JSON.parse(lines.at(-2)!) as { envelope: { payload: string } })
            .envelope.payload,
          "base64",
        ).toString("utf8"),
      ) as Statement;
      expect(last.predicateType).toBe("https://slsa.dev/provenance/v1");
      expect(last.subject.map((s) => s.name)).toEqual([
        "sluice:shop/by-hand",
        `git+sluice:shop@${headCommit()}`,
      ]);
      const { internalParameters } = last.predicate.buildDefinition as {
        internalParameters: Record<string, unknown>;
      };
      expect(internalParameters.steps).toEqual([]);
      expect(internalParameters).not.toHaveProperty("runId");
      expect(internalParameters).not.toHaveProperty("gate");
    });
  },
);
