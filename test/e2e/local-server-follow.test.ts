import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshPostgresUrl } from "../support/databases.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, exited, gitRepo, sluice, startSluice } from "./cli.js";

/**
 * `sluice logs -f` streams a run's log live through the local server (issue 14 item 3), here on
 * Postgres (SLUICE_TEST_DATABASE_URL): `sluice run` and `sluice logs -f` are both clients of the
 * home's server. test/e2e/run-via-server.test.ts does the same on the embedded store.
 */
const baseUrl = process.env.SLUICE_TEST_DATABASE_URL;
const pids = new Set<number>();

async function until(
  condition: () => boolean | Promise<boolean>,
  what: () => string,
): Promise<void> {
  const end = Date.now() + 120_000;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(!baseUrl)(
  "sluice logs -f through the local server, on Postgres (built CLI)",
  { timeout: 240_000 },
  () => {
    let env: Record<string, string>;
    beforeAll(async () => {
      assertBuilt();
      env = {
        SLUICE_HOME: mkdtempSync(join(tmpdir(), "sl-lsf-")),
        SLUICE_DATABASE_URL: await freshPostgresUrl(baseUrl!),
        SLUICE_SERVER_IDLE: "10m",
      };
    });
    afterAll(() => {
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    });

    it("prints a running step's output as it comes, and ends with the run", async () => {
      const go = join(mkdtempSync(join(tmpdir(), "sl-lsf-go-")), "go");
      const repo = gitRepo({
        "sluice.yml": `name: follow
jobs:
  build:
    steps:
      - name: wait
        run: echo started; while [ ! -f ${go} ]; do sleep 0.05; done; echo finished
`,
      });
      const run = startSluice(repo, env, ["run"]);
      pids.add(run.pid!);
      // The run is recorded and running (asked through the local server, which this starts).
      let runId = "";
      await until(
        () => {
          const list = sluice(repo, env, ["runs", "--json"]);
          const [latest] = JSON.parse(list.stdout || "[]") as {
            id: string;
            status: string;
          }[];
          runId = latest?.status === "running" ? latest.id : "";
          return runId !== "";
        },
        () => `a running run (${run.output.stderr})`,
      );
      const status = JSON.parse(
        sluice(repo, env, ["server", "status", "--json"]).stdout,
      ) as { pid: number };
      pids.add(status.pid);

      const logs = startSluice(repo, env, ["logs", "-f", runId]);
      pids.add(logs.pid!);
      await until(
        () => logs.output.stdout.includes("started\n"),
        () => `the step's first line (${logs.output.stderr})`,
      );
      // Live: the step still waits, the run goes on, the stream has not ended.
      expect(logs.output.stdout).not.toContain("finished");
      expect(run.exitCode).toBeNull();
      expect(logs.exitCode).toBeNull();

      writeFileSync(go, "");
      expect(await exited(run)).toBe(0);
      expect(await exited(logs)).toBe(0);
      expect(logs.output.stdout).toMatch(
        /^── build › wait \((pending|running)\)\nstarted\nfinished\n$/,
      );
      // Read again once finished: the same log, whole.
      const again = sluice(repo, env, ["logs", runId]);
      expect(again.stdout).toBe(
        "── build › wait (success)\nstarted\nfinished\n",
      );
      sluice(repo, env, ["server", "stop"]);
    });
  },
);
