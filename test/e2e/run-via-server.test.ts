import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive } from "../../src/kernel/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  exited,
  gitRepo,
  markedSleep,
  processesMatching,
  sluice,
  startSluice,
  until,
} from "./cli.js";

const crashWait = markedSleep(987621);

/**
 * `sluice run` is a client of the local server (issue 14): many pipelines at once against one
 * $SLUICE_HOME, other commands answering meanwhile, and a server killed during a run.
 */
const homes: string[] = [];
const started = new Set<number>();

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "sl-rvs-"));
  homes.push(home);
  return home;
}

function serverPid(home: string): number {
  const status = sluice(tmpdir(), { SLUICE_HOME: home }, [
    "server",
    "status",
    "--json",
  ]);
  expect(status.code, status.stderr).toBe(0);
  return (JSON.parse(status.stdout) as { pid: number }).pid;
}

function runIdOf(stderr: string): string | undefined {
  return /sluice: run (run_\w+): /.exec(stderr)?.[1];
}

describe("sluice run through the local server (built CLI)", () => {
  beforeAll(() => assertBuilt());
  afterAll(() => {
    for (const pid of started) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    for (const home of homes) {
      try {
        // The server of the home stops; its socket goes with the folder.
        sluice(tmpdir(), { SLUICE_HOME: home }, ["server", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("three pipelines of two repositories at once, while runs and logs -f are read: all succeed, every log whole", async () => {
    const home = newHome();
    const go = join(home, "go");
    // Each run prints 400 numbered lines of its own mark (the client's environment), half of
    // them while the three runs overlap.
    const step = (name: string) =>
      `name: ${name}\njobs:\n  count:\n    steps:\n      - name: count\n        run: |\n          for i in $(seq 1 200); do echo "$MARK-$i"; done\n          while [ ! -f ${go} ]; do sleep 0.05; done\n          for i in $(seq 201 400); do echo "$MARK-$i"; done\n`;
    const alpha = gitRepo({ "sluice.yml": step("alpha") });
    const beta = gitRepo({ "sluice.yml": step("beta") });
    const env = { SLUICE_HOME: home, SLUICE_SERVER_IDLE: "10m" };
    const runs = [
      startSluice(alpha, { ...env, MARK: "a1" }, ["run"]),
      startSluice(alpha, { ...env, MARK: "a2" }, ["run"]),
      startSluice(beta, { ...env, MARK: "b1" }, ["run"]),
    ];
    for (const run of runs) started.add(run.pid!);
    await until(
      () => runs.every((run) => runIdOf(run.output.stderr) !== undefined),
      "the three runs to be recorded",
      120_000,
    );
    const ids = runs.map((run) => runIdOf(run.output.stderr)!);
    expect(new Set(ids).size).toBe(3);

    // Meanwhile, from other processes: the runs are listed running, and followed.
    const listed = sluice(tmpdir(), env, ["runs", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as { id: string; status: string }[];
    for (const id of ids)
      expect(rows.find((row) => row.id === id)?.status).toBe("running");
    const follows = ids.map((id) =>
      startSluice(tmpdir(), env, ["logs", "-f", id]),
    );
    for (const follow of follows) started.add(follow.pid!);
    await until(
      () => follows.every((follow) => follow.output.stdout.includes("-200\n")),
      "each follower to print the first half",
      120_000,
    );
    writeFileSync(go, "");

    const codes = await Promise.all(runs.map((run) => exited(run)));
    expect(codes, runs.map((run) => run.output.stderr).join("\n---\n")).toEqual(
      [0, 0, 0],
    );
    for (const [i, run] of runs.entries())
      expect(run.output.stderr).toContain(`sluice: run ${ids[i]} success in `);
    expect(await Promise.all(follows.map((f) => exited(f)))).toEqual([0, 0, 0]);
    const marks = ["a1", "a2", "b1"];
    const whole = (mark: string) =>
      Array.from({ length: 400 }, (_, i) => `${mark}-${i + 1}`);
    for (const [i, follow] of follows.entries()) {
      const lines = follow.output.stdout.split("\n");
      // The step's header, then its 400 lines in order, nothing of another run.
      expect(lines[0]).toMatch(/^── count › count \((running|success)\)$/);
      expect(lines.slice(1, -1)).toEqual(whole(marks[i]!));
    }
    // And each log as the server keeps it, read after the end.
    for (const [i, id] of ids.entries()) {
      const logs = sluice(tmpdir(), env, ["logs", id, "--json"]);
      const [entry] = JSON.parse(logs.stdout) as { log: string }[];
      expect(entry!.log).toBe(`${whole(marks[i]!).join("\n")}\n`);
    }
    const after = JSON.parse(
      sluice(tmpdir(), env, ["runs", "--json"]).stdout,
    ) as { id: string; status: string; project: string }[];
    expect(
      ids.map((id) => after.find((row) => row.id === id)?.project),
    ).toEqual(["alpha", "alpha", "beta"]);
    expect(ids.map((id) => after.find((row) => row.id === id)?.status)).toEqual(
      ["success", "success", "success"],
    );
  });

  it("a SIGKILLed server during a run: the client says so, the next command starts a new server, the run is recorded interrupted with the reason, nothing else lost", async () => {
    const home = newHome();
    const env = { SLUICE_HOME: home, SLUICE_SERVER_IDLE: "10m" };
    const repo = gitRepo({
      "sluice.yml": `name: crash\njobs:\n  long:\n    steps:\n      - name: wait\n        run: echo started; ${crashWait}\n`,
      "quick/sluice.yml":
        "name: quick\njobs:\n  one:\n    steps:\n      - run: echo quick\n",
    });
    // A run that ended before the crash: kept as it was.
    const first = sluice(join(repo, "quick"), env, ["run"]);
    expect(first.code, first.stderr).toBe(0);
    const firstId = runIdOf(first.stderr)!;

    const run = startSluice(repo, env, ["run"]);
    started.add(run.pid!);
    await until(
      () => processesMatching(crashWait).length > 0,
      "the step to start",
      120_000,
    );
    const id = runIdOf(run.output.stderr)!;
    const killed = serverPid(home);
    process.kill(killed, "SIGKILL");
    // Gone (not a zombie still holding its pid): the data lock names a dead process.
    await until(() => !isAlive(killed), "the killed server to be gone", 60_000);

    // The client shows one line, no stack trace, and exits 2.
    expect(await exited(run)).toBe(2);
    expect(run.output.stderr).toContain(
      `sluice: the local server stopped during run ${id}; \`sluice run show ${id}\` shows how it ended\n`,
    );
    expect(run.output.stderr).not.toMatch(/\n\s+at /);
    // The step spawner sees its server go and stops the step.
    await until(
      () => processesMatching(crashWait).length === 0,
      "the step of the killed server to be stopped",
      30_000,
    );

    // The next command starts a new server, which records the run interrupted.
    const list = sluice(tmpdir(), env, ["runs", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    expect(serverPid(home)).not.toBe(killed);
    const rows = JSON.parse(list.stdout) as {
      id: string;
      status: string;
      reason: string | null;
    }[];
    expect(rows.find((row) => row.id === id)).toMatchObject({
      status: "interrupted",
      reason: `the process ${killed} that ran it is gone`,
    });
    expect(rows.find((row) => row.id === firstId)).toMatchObject({
      status: "success",
    });
    const show = sluice(tmpdir(), env, ["run", "show", id, "--json"]);
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      status: "interrupted",
      jobs: [{ key: "long", status: "interrupted" }],
    });
    // Its step's log up to the crash is kept (the step row, ended by the new server, does not
    // name it: a step's log is recorded as it ends).
    expect(readFileSync(join(home, "runs", id, "long", "0.log"), "utf8")).toBe(
      "started\n",
    );

    // And the home runs pipelines again.
    const again = sluice(join(repo, "quick"), env, ["run"]);
    expect(again.code, again.stderr).toBe(0);
  });
});
