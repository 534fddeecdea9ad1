import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  exited,
  gitRepo,
  sluice,
  startSluice,
  until,
} from "./cli.js";
import { gatedPipeline } from "./gate-pipeline.js";

/**
 * Issue 14: `sluice approve`, `sluice run resume` and `sluice approvals|reject` are clients of
 * the local server (ADR 104). While the server runs a pipeline of another repository (a step
 * that waits for a file), another terminal approves a held run: the run continues in the server,
 * shows in that terminal and finishes, and the waiting pipeline goes on undisturbed. Every
 * command is a separate process of the built CLI.
 */
const baseUrl = process.env.SLUICE_TEST_DATABASE_URL;
/** The embedded store always; Postgres (a database of its own) when the tests are given one. */
const stores = [
  { store: "the embedded store", postgres: false },
  ...(baseUrl ? [{ store: "Postgres", postgres: true }] : []),
];

describe.each(stores)(
  "approve, resume and reject through the local server while it runs another pipeline, on $store (built CLI)",
  { timeout: 240_000 },
  ({ postgres }) => {
    const home = mkdtempSync(join(tmpdir(), "sl-avs-"));
    const env: Record<string, string> = {
      SLUICE_HOME: home,
      SLUICE_EVIDENCE_KEY: "",
      SLUICE_SERVER_IDLE: "10m",
    };
    // The reviewer is a second git identity; the author is the repository's e2e@example.com.
    const reviewer = () => ({
      ...env,
      GIT_AUTHOR_EMAIL: "reviewer@example.com",
    });
    const database = `sluice_avs_${randomBytes(4).toString("hex")}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(sql);
      await client.end();
    };
    const go = join(home, "go");
    const waitingMark = join(home, "waiting");
    const repos: string[] = [];
    const children: ReturnType<typeof startSluice>[] = [];
    let gated: string;
    let waiting: string;

    /** Commits a 500-line change to infra/ and runs it: held by the default policy (exit 3). */
    const hold = (name: string): string => {
      mkdirSync(join(gated, "infra"), { recursive: true });
      writeFileSync(
        join(gated, "infra", `${name}.tf`),
        Array.from({ length: 500 }, (_, i) => `# ${name} ${i}`).join("\n") +
          "\n",
      );
      execFileSync("git", ["add", "."], { cwd: gated });
      execFileSync("git", ["commit", "-qm", `infra: ${name}`], { cwd: gated });
      const run = sluice(gated, env, ["run"]);
      expect(run.code, run.stderr).toBe(3);
      const id = /sluice approve (run_\w+)/.exec(run.stderr)?.[1];
      expect(id, run.stderr).toBeDefined();
      return id!;
    };
    /** A pipeline of the other repository, started and shown running its waiting step. */
    const startWaiting = async () => {
      rmSync(waitingMark, { force: true });
      const run = startSluice(waiting, env, ["run"]);
      children.push(run);
      await until(
        () => existsSync(waitingMark),
        "the other pipeline to run its waiting step",
        120_000,
      );
      const id = /sluice: run (run_\w+): /.exec(run.output.stderr)?.[1];
      expect(id, run.output.stderr).toBeDefined();
      return { run, id: id! };
    };
    const statusOf = (id: string): string => {
      const shown = sluice(gated, env, ["run", "show", id, "--json"]);
      expect(shown.code, shown.stderr).toBe(0);
      return (JSON.parse(shown.stdout) as { status: string }).status;
    };
    const jobsOf = (id: string) => {
      const shown = sluice(gated, env, ["run", "show", id, "--json"]);
      const run = JSON.parse(shown.stdout) as {
        jobs: { key: string; status: string }[];
      };
      return Object.fromEntries(run.jobs.map((j) => [j.key, j.status]));
    };

    beforeAll(async () => {
      assertBuilt();
      if (postgres) {
        await admin(`create database ${database}`);
        const url = new URL(baseUrl!);
        url.pathname = `/${database}`;
        env.SLUICE_DATABASE_URL = url.toString();
      }
      gated = gitRepo({
        "sluice.yml": gatedPipeline,
        "src/app.js": "export const a = 1;\n",
      });
      waiting = gitRepo({
        "sluice.yml": `name: other\njobs:\n  wait:\n    steps:\n      - run: |\n          touch ${waitingMark}\n          while [ ! -f ${go} ]; do sleep 0.05; done\n`,
      });
      repos.push(gated, waiting);
    });
    afterAll(async () => {
      for (const child of children) child.kill("SIGKILL");
      sluice(tmpdir(), env, ["server", "stop"]);
      for (const dir of [home, ...repos])
        rmSync(dir, { recursive: true, force: true });
      if (postgres)
        await admin(`drop database if exists ${database} with (force)`);
    });

    it("approves a held run from another terminal while the server runs a pipeline: the run continues in the server, shows there, finishes; the pipeline goes on", async () => {
      const id = hold("network");
      const other = await startWaiting();

      // The author cannot approve; nothing continues.
      const author = sluice(gated, env, ["approve", id]);
      expect(author.code).toBe(2);
      expect(author.stderr).toContain(
        "e2e@example.com is the author of this change and cannot approve it",
      );
      const listed = sluice(gated, env, ["approvals", "--json"]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ runId: id, missing: 1, approvedBy: [] }),
      ]);

      const approve = sluice(gated, reviewer(), [
        "approve",
        id,
        "--comment",
        "reviewed",
      ]);
      expect(approve.code, approve.stderr).toBe(0);
      expect(approve.stderr).toContain(
        `sluice: run ${id} approved by reviewer@example.com; it continues`,
      );
      expect(approve.stderr).toMatch(
        new RegExp(`sluice: run ${id} resumed at main@[0-9a-f]{8}`),
      );
      // The continued run's steps show in this terminal, with its summary.
      expect(approve.stdout).toMatch(/^deploy › ✓ echo deployed/m);
      expect(approve.stderr).toContain(`sluice: run ${id} success in `);
      expect(statusOf(id)).toBe("success");
      expect(jobsOf(id)).toMatchObject({
        test: "success",
        gate: "success",
        deploy: "success",
      });

      // The other pipeline was not disturbed: it still waits, then finishes.
      expect(statusOf(other.id)).toBe("running");
      writeFileSync(go, "");
      expect(await exited(other.run), other.run.output.stderr).toBe(0);
      expect(other.run.output.stderr).toContain(
        `sluice: run ${other.id} success in `,
      );
      rmSync(go);
    });

    it("`run resume` of a run still waiting and `reject` answer through the server while it runs a pipeline", async () => {
      const id = hold("storage");
      const other = await startWaiting();

      const early = sluice(gated, env, ["run", "resume", id]);
      expect(early.code).toBe(2);
      expect(early.stderr.trim()).toBe(
        `sluice: run ${id} waits for 1 more approval: sluice approve ${id}`,
      );
      expect(statusOf(id)).toBe("held");

      const reject = sluice(gated, reviewer(), [
        "reject",
        id,
        "--comment",
        "not this week",
      ]);
      expect(reject.code, reject.stderr).toBe(0);
      expect(reject.stderr).toContain(
        `sluice: run ${id} rejected by reviewer@example.com: not this week; the run failed`,
      );
      expect(statusOf(id)).toBe("failure");
      const late = sluice(gated, env, ["run", "resume", id]);
      expect(late.code).toBe(2);
      expect(late.stderr).toContain("only a held run can be resumed");

      expect(statusOf(other.id)).toBe("running");
      writeFileSync(go, "");
      expect(await exited(other.run), other.run.output.stderr).toBe(0);
    });
  },
);
