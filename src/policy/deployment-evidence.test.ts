import { createHash } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { ManualClock, newId } from "../kernel/index.js";
import { createRunStore } from "../pipeline/index.js";
import type { RunStore } from "../pipeline/index.js";
import type { Database } from "../store/index.js";
import { createDeploymentEvidence } from "./deployment-evidence.js";
import {
  EvidenceLog,
  loadSigningKey,
  readRecords,
  verifyRecords,
} from "./evidence/index.js";
import { createGateStep } from "./gate.js";
import { createGateStore } from "./store.js";

const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);

describe.each(testDatabases)(
  "the evidence of a deployment on $name",
  ({ open }) => {
    let database: Database;
    let clock: ManualClock;
    let runs: RunStore;
    let dir: string;
    let evidencePath: string;
    let evidence: () => EvidenceLog;
    let publicKey: KeyObject;

    beforeEach(async () => {
      database = await open();
      clock = new ManualClock(t0);
      runs = createRunStore(database, { clock });
      dir = mkdtempSync(join(tmpdir(), "sluice-deploy-evidence-"));
      evidencePath = join(dir, "home", "evidence.jsonl");
      const key = loadSigningKey({ home: join(dir, "home") });
      const { privateKey } = key;
      publicKey = key.publicKey;
      evidence = () =>
        new EvidenceLog({ path: evidencePath, privateKey, clock });
    });
    afterEach(async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const statements = () => {
      const read = readRecords(readFileSync(evidencePath, "utf8"));
      if (!read.ok) throw new Error(read.problem);
      return read;
    };

    const deployments = () =>
      createDeploymentEvidence({
        runs,
        evidence,
        clock,
        builderVersion: "0.1.0",
      });

    const release = {
      version: "r1",
      command: "node server.mjs",
      env: { TOKEN: "s3cret", MODE: "prod" },
      health: "/healthz",
      commit: "a".repeat(40),
    };

    it("a deployment of a run: the release and commit as subjects, the run's checks, and its gate decision by the hash of its record", async () => {
      const git = (...args: string[]) =>
        execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
      git("init", "-q", "-b", "main");
      git("config", "user.email", "ada@example.com");
      git("config", "user.name", "Ada");
      writeFileSync(join(dir, "README.md"), "shop\n");
      git("add", "README.md");
      git("commit", "-qm", "init");
      writeFileSync(join(dir, "README.md"), "shop, with docs\n");
      git("commit", "-qam", "docs");
      const commit = git("rev-parse", "HEAD");
      const run = await runs.createRun({
        project: "shop",
        trigger: "local",
        workdir: dir,
        change: { commit },
      });
      const jobs = await runs.addJobs(run.id, [
        { key: "test", name: "test", needs: [], steps: ["npm test"] },
        { key: "gate", name: "gate", needs: ["test"], steps: ["sluice/gate"] },
        { key: "deploy", name: "deploy", needs: ["gate"], steps: ["deploy"] },
      ]);
      const recorder = runs.recorder(
        new Map([...jobs].map(([key, row]) => [key, row.id])),
      );
      await recorder.stepFinished("test", 0, {
        status: "success",
        attempts: 1,
      });
      await recorder.jobFinished("test", { status: "success", outputs: {} });
      const gate = await createGateStep({
        store: createGateStore(database),
        runs,
        findings: async () => [],
        evidence,
        clock,
        newId: (prefix) => newId(prefix, clock.now()),
      })({
        with: {},
        workdir: dir,
        runId: run.id,
        jobKey: "gate",
        log: () => {},
      });
      expect(gate.status).toBe("success");
      await recorder.stepFinished("gate", 0, {
        status: "success",
        attempts: 1,
      });
      await recorder.jobFinished("gate", { status: "success", outputs: {} });
      clock.advance(5_000);

      await deployments().deploying({
        deployment: { id: "dep_1", project: "shop", environment: "production" },
        release: { ...release, commit },
        runId: run.id,
      });

      const read = statements();
      expect(read.records).toHaveLength(2);
      expect(verifyRecords(read.records, publicKey).ok).toBe(true);
      const [decision, deployment] = read.records;
      const statement = deployment!.statement as {
        subject: { name: string; digest: Record<string, string> }[];
        predicate: {
          buildDefinition: {
            externalParameters: { release: Record<string, unknown> };
            internalParameters: Record<string, unknown>;
          };
          runDetails: { metadata: Record<string, string> };
        };
      };
      const { externalParameters, internalParameters } =
        statement.predicate.buildDefinition;
      const sha = (text: string) =>
        createHash("sha256").update(text, "utf8").digest("hex");
      expect(statement.subject).toEqual([
        {
          name: "sluice:shop/r1",
          digest: { sha256: sha(JSON.stringify(externalParameters.release)) },
        },
        { name: `git+sluice:shop@${commit}`, digest: { gitCommit: commit } },
      ]);
      // Values of the release's environment are never written, only their digests.
      expect(JSON.stringify(statement)).not.toContain("s3cret");
      expect(externalParameters.release.env).toEqual({
        MODE: `sha256:${sha("prod")}`,
        TOKEN: `sha256:${sha("s3cret")}`,
      });
      expect(internalParameters).toEqual({
        runId: run.id,
        deploymentId: "dep_1",
        // The deploy job itself is still running: only checks with results are listed.
        steps: [
          { job: "test", step: "npm test", status: "success" },
          { job: "gate", step: "sluice/gate", status: "success" },
        ],
        gate: {
          decision: {
            environment: "production",
            seq: 1,
            sha256: sha(decision!.text),
            says: "approve",
          },
          answers: [],
        },
      });
      expect(statement.predicate.runDetails.metadata).toMatchObject({
        invocationId: run.id,
        finishedOn: new Date(t0 + 5_000).toISOString(),
      });
    });

    it("a deployment outside a run (sluice deploy) has no checks and no gate, and chains in its environment", async () => {
      const withoutCommit = { ...release, commit: undefined };
      await deployments().deploying({
        deployment: { id: "dep_1", project: "shop", environment: "staging" },
        release,
      });
      await deployments().deploying({
        deployment: { id: "dep_2", project: "shop", environment: "staging" },
        release: { ...withoutCommit, version: "r2" },
      });
      const read = statements();
      expect(read.records.map((r) => [r.environment, r.record.seq])).toEqual([
        ["staging", 1],
        ["staging", 2],
      ]);
      const second = read.records[1]!.statement as {
        subject: unknown[];
        predicate: { buildDefinition: Record<string, unknown> };
      };
      // No commit known: the release is the one subject, and nothing is claimed as resolved.
      expect(second.subject).toHaveLength(1);
      expect(second.predicate.buildDefinition).toMatchObject({
        internalParameters: { deploymentId: "dep_2", steps: [] },
        resolvedDependencies: [],
      });
    });

    it("a deployment whose signing key is missing writes nothing and says why", async () => {
      const missing = createDeploymentEvidence({
        runs,
        // As the app opens the log: the key is loaded when a record is written.
        evidence: () =>
          new EvidenceLog({
            path: evidencePath,
            privateKey: loadSigningKey({
              home: dir,
              path: join(dir, "no-such-key.pem"),
            }).privateKey,
            clock,
          }),
        clock,
        builderVersion: "0.1.0",
      });
      await expect(
        missing.deploying({
          deployment: { id: "dep_1", project: "shop", environment: "staging" },
          release,
        }),
      ).rejects.toThrow(/no-such-key\.pem/);
      expect(() => readFileSync(evidencePath)).toThrow(/ENOENT/);
    });
  },
);
