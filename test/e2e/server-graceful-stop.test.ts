import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive } from "../../src/kernel/index.js";
import { freshPostgresUrl } from "../support/databases.js";
import * as cli from "./cli.js";

const { exited, gitRepo, sluice, startSluice, until } = cli;
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = fs;

/**
 * Issue 14, ADR 106: a stopping server finishes or hands back the runs in flight. Stopped
 * during a run, it lets the run end within its grace; when the grace ends first, it hands the
 * run back and the next server continues it, without running again the jobs that had ended.
 * Every command is a separate process of the built CLI; each step waits for a file the test
 * writes, so nothing depends on how fast the machine is.
 */
const baseUrl = process.env.SLUICE_TEST_DATABASE_URL;
const stores = [{ store: "the embedded store", url: false }].concat(
  baseUrl ? [{ store: "Postgres", url: true }] : [],
);

function runIdOf(stderr: string): string | undefined {
  return /sluice: run (run_\w+): /.exec(stderr)?.[1];
}

describe.each(stores)(
  "a stopping server and the runs in flight, on $store (built CLI)",
  { timeout: 240_000 },
  ({ url }) => {
    const dirs: string[] = [];
    const children = new Set<number>();
    // Postgres: a database of its own on the test cluster.
    let databaseUrl: string | undefined;

    const newHome = (grace: string) => {
      const home = mkdtempSync(join(tmpdir(), "sl-gs-"));
      dirs.push(home);
      return {
        home,
        env: {
          SLUICE_HOME: home,
          SLUICE_SERVER_IDLE: "10m",
          SLUICE_SERVER_GRACE: grace,
          ...(databaseUrl ? { SLUICE_DATABASE_URL: databaseUrl } : {}),
        } as Record<string, string>,
      };
    };
    const serverPid = (env: Record<string, string>) => {
      const status = sluice(tmpdir(), env, ["server", "status", "--json"]);
      expect(status.code, status.stderr).toBe(0);
      return (JSON.parse(status.stdout) as { pid: number }).pid;
    };
    const show = (env: Record<string, string>, id: string) => {
      const shown = sluice(tmpdir(), env, ["run", "show", id, "--json"]);
      expect(shown.code, shown.stderr).toBe(0);
      return JSON.parse(shown.stdout) as {
        status: string;
        reason: string | null;
        jobs: { key: string; status: string }[];
      };
    };

    beforeAll(async () => {
      cli.assertBuilt();
      if (url) databaseUrl = await freshPostgresUrl(baseUrl!);
    });
    afterAll(async () => {
      for (const pid of children) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      for (const dir of dirs) {
        if (existsSync(join(dir, "server.sock")))
          sluice(
            tmpdir(),
            {
              SLUICE_HOME: dir,
              ...(databaseUrl ? { SLUICE_DATABASE_URL: databaseUrl } : {}),
            },
            ["server", "stop"],
          );
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("stopped during a run, the server lets it end within its grace: the run succeeds, its terminal shows it whole, then the server exits", async () => {
      const { home, env } = newHome("10m");
      const marks = mkdtempSync(join(tmpdir(), "sl-gs-marks-"));
      dirs.push(marks);
      const go = join(marks, "go");
      const started = join(marks, "started");
      const repo = gitRepo({
        "sluice.yml": `name: finish\njobs:\n  long:\n    steps:\n      - name: wait\n        run: |\n          touch ${started}\n          while [ ! -f ${go} ]; do sleep 0.05; done\n          echo finished-in-grace\n`,
      });
      dirs.push(repo);
      const run = startSluice(repo, env, ["run"]);
      children.add(run.pid!);
      await until(() => existsSync(started), "the step to start", 120_000);
      const id = runIdOf(run.output.stderr)!;
      const pid = serverPid(env);

      // `sluice server stop` waits for the server to end; the server waits for the run.
      const stop = startSluice(tmpdir(), env, ["server", "stop"]);
      children.add(stop.pid!);
      await until(
        () =>
          readFileSync(join(home, "server.log"), "utf8").includes(
            "runs in flight may end within",
          ),
        "the server to begin its graceful stop",
        60_000,
      );
      // Stopping, it takes no new run.
      const refused = sluice(repo, env, ["run"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("is stopping and takes no new run");
      expect(isAlive(pid)).toBe(true);

      writeFileSync(go, "");
      expect(await exited(run), run.output.stderr).toBe(0);
      expect(run.output.stderr).toContain(`run ${id} success`);
      expect(await exited(stop), stop.output.stderr).toBe(0);
      await until(() => !isAlive(pid), "the server to exit", 60_000);

      // The next command starts a new server: the run was recorded whole, never handed back.
      expect(show(env, id).status).toBe("success");
      expect(serverPid(env)).not.toBe(pid);
      expect(sluice(tmpdir(), env, ["logs", id]).stdout).toContain(
        "finished-in-grace",
      );
    });

    it("a grace shorter than the job: the run is handed back, its terminal says so, and the next server continues it to success without running its ended job again", async () => {
      const { env } = newHome("0s");
      const marks = mkdtempSync(join(tmpdir(), "sl-gs-marks-"));
      dirs.push(marks);
      const go = join(marks, "go");
      const builds = join(marks, "builds");
      const waits = join(marks, "waits");
      const repo = gitRepo({
        "sluice.yml": `name: handback\njobs:\n  build:\n    steps:\n      - run: echo built >> ${builds}\n  long:\n    needs: [build]\n    steps:\n      - name: wait\n        run: |\n          echo waiting >> ${waits}\n          while [ ! -f ${go} ]; do sleep 0.05; done\n          echo continued-and-done\n`,
      });
      dirs.push(repo);
      const run = startSluice(repo, env, ["run"]);
      children.add(run.pid!);
      await until(
        () => existsSync(waits),
        "the long job's step to start",
        120_000,
      );
      const id = runIdOf(run.output.stderr)!;
      const pid = serverPid(env);

      const stop = sluice(tmpdir(), env, ["server", "stop"]);
      expect(stop.code, stop.stderr).toBe(0);
      expect(isAlive(pid)).toBe(false);

      // The terminal that started it is told, in one line, and does not hang.
      expect(await exited(run)).toBe(2);
      expect(run.output.stderr).toContain(
        `stopped before run ${id} ended and handed it back: the next server continues it`,
      );
      expect(run.output.stderr).not.toMatch(/\n\s+at /);
      expect(
        cli.processesMatching(`while [ ! -f ${go} ]`).length,
        "the handed-back step is stopped",
      ).toBe(0);

      // The next command starts a server, which continues the run: its long job runs again,
      // its build job (which had ended) does not.
      writeFileSync(go, "");
      let last = show(env, id);
      expect(serverPid(env)).not.toBe(pid);
      await until(
        () => {
          last = show(env, id);
          return last.status !== "running" && last.status !== "queued";
        },
        "the continued run to end",
        120_000,
      );
      expect(last.status, JSON.stringify(last)).toBe("success");
      expect(
        Object.fromEntries(last.jobs.map((job) => [job.key, job.status])),
      ).toEqual({ build: "success", long: "success" });
      expect(readFileSync(builds, "utf8")).toBe("built\n");
      expect(readFileSync(waits, "utf8")).toBe("waiting\nwaiting\n");
      const logs = sluice(tmpdir(), env, ["logs", id]);
      expect(logs.stdout).toContain("continued-and-done");
    });
  },
);
