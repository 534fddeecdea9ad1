import { spawn } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  bin,
  exited,
  gitRepo,
  sluice,
  startSluice,
} from "./cli.js";
import type { CliResult } from "./cli.js";

/**
 * The local server on demand (issue 14 item 1), with the built CLI: started by the first
 * command that needs the store, reused, stopped, idle exit, replaced after SIGKILL and over a
 * stale socket, one server for commands starting at once, and handing the store back to a
 * command that still opens it itself (`sluice run`). Conditions are polled, never timed.
 */

const started = new Set<number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(
  condition: () => boolean,
  what: string | (() => string),
): Promise<void> {
  const end = Date.now() + 120_000;
  while (!condition()) {
    if (Date.now() > end)
      throw new Error(
        `timed out waiting: ${typeof what === "string" ? what : what()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function newHome(): string {
  return mkdtempSync(join(tmpdir(), "sl-ls-"));
}

/** `sluice server status --json` of a home: the server's pid, or undefined. */
function serverPid(home: string): number | undefined {
  const status = sluice(tmpdir(), { SLUICE_HOME: home }, [
    "server",
    "status",
    "--json",
  ]);
  expect(status.code, status.stderr).toBe(0);
  const parsed = JSON.parse(status.stdout) as {
    running: boolean;
    pid?: number;
  };
  if (parsed.running) started.add(parsed.pid!);
  return parsed.running ? parsed.pid : undefined;
}

function runs(home: string, env: Record<string, string> = {}): CliResult {
  // A long idle time: a loaded machine must not end the server between two commands.
  return sluice(
    tmpdir(),
    { SLUICE_HOME: home, SLUICE_SERVER_IDLE: "10m", ...env },
    ["runs", "--json"],
  );
}

/** `sluice ARGS` without waiting, for commands started at once. */
function startCli(home: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: tmpdir(),
      env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: home },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function listening(home: string): number {
  const log = readFileSync(join(home, "server.log"), "utf8");
  return log.split("\n").filter((line) => line.includes(" listening on "))
    .length;
}

// Each test starts servers (opening PGlite) several times: slow on a loaded machine.
describe("the local server on demand (built CLI)", { timeout: 240_000 }, () => {
  beforeAll(() => assertBuilt());
  afterAll(() => {
    // No orphans: every server a test started (or may have) ends here.
    for (const pid of started) if (alive(pid)) process.kill(pid, "SIGKILL");
  });

  it("the first command starts it (socket 0600), the next reuses it, server stop stops it", async () => {
    const home = newHome();
    const first = runs(home);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual([]);
    const pid = serverPid(home)!;
    expect(pid).toBeGreaterThan(0);
    expect(statSync(join(home, "server.sock")).mode & 0o777).toBe(0o600);

    const second = runs(home);
    expect(second.code, second.stderr).toBe(0);
    expect(serverPid(home)).toBe(pid);
    expect(listening(home)).toBe(1);

    const stop = sluice(tmpdir(), { SLUICE_HOME: home }, ["server", "stop"]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain(`stopped the local server (pid ${pid})`);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(home, "server.sock"))).toBe(false);
    expect(serverPid(home)).toBeUndefined();
    expect(
      sluice(tmpdir(), { SLUICE_HOME: home }, ["server", "stop"]).stdout,
    ).toContain("no local server runs");
  });

  it("exits after its idle time (SLUICE_SERVER_IDLE)", async () => {
    const home = newHome();
    const result = runs(home, { SLUICE_SERVER_IDLE: "300ms" });
    expect(result.code, result.stderr).toBe(0);
    const log = join(home, "server.log");
    await until(
      () => readFileSync(log, "utf8").includes("stopping (idle for 300 ms)"),
      "the server says it stops when idle",
    );
    const pid = Number(
      /pid (\d+) listening/.exec(readFileSync(log, "utf8"))![1],
    );
    started.add(pid);
    await until(() => !alive(pid), "the idle server exits");
    expect(existsSync(join(home, "server.sock"))).toBe(false);
  });

  it("a SIGKILLed server (its socket and data lock left behind) is replaced by the next command", async () => {
    const home = newHome();
    expect(runs(home).code).toBe(0);
    const pid = serverPid(home)!;
    process.kill(pid, "SIGKILL");
    await until(() => !alive(pid), "the killed server is gone");
    // What it leaves: the socket file (nobody accepts on it) and the data folder's lock.
    expect(existsSync(join(home, "server.sock"))).toBe(true);
    expect(readFileSync(join(home, "db", "sluice.lock"), "utf8")).toBe(
      String(pid),
    );

    const next = runs(home);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toBe("");
    const replacement = serverPid(home)!;
    expect(replacement).not.toBe(pid);
    expect(alive(replacement)).toBe(true);
  });

  it("a stale socket file (no server behind it) is replaced", () => {
    const home = newHome();
    writeFileSync(join(home, "server.sock"), "");
    const result = runs(home);
    expect(result.code, result.stderr).toBe(0);
    expect(serverPid(home)).toBeGreaterThan(0);
    expect(statSync(join(home, "server.sock")).isSocket()).toBe(true);
  });

  it("sluice run: a server that cannot start is started once (the start begun as the command begins is the one it waits for), and says why", () => {
    const home = newHome();
    const repo = gitRepo({
      "sluice.yml": "jobs:\n  a:\n    steps:\n      - run: echo hi\n",
    });
    // Nothing listens on port 1: the server's store does not open.
    const result = sluice(
      repo,
      {
        SLUICE_HOME: home,
        SLUICE_DATABASE_URL: "postgres://sluice:pw@127.0.0.1:1/sluice",
      },
      ["run"],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^sluice: the local server did not start: cannot connect to Postgres at postgres:\/\/sluice:\*\*\*@127\.0\.0\.1:1\/sluice/m,
    );
    expect(result.stderr).not.toContain("pw@");
    const log = readFileSync(join(home, "server.log"), "utf8");
    expect(log.match(/cannot connect to Postgres/g)).toHaveLength(1);
    expect(existsSync(join(home, "server-start.lock"))).toBe(false);
  });

  it("commands starting at once start one server", async () => {
    const home = newHome();
    const results = await Promise.all(
      [0, 1, 2].map(() => startCli(home, ["runs", "--json"])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const pid = serverPid(home)!;
    expect(listening(home)).toBe(1);
    expect(readFileSync(join(home, "server.log"), "utf8")).toContain(
      `pid ${pid} listening`,
    );
    expect(existsSync(join(home, "server-start.lock"))).toBe(false);
  });

  it("sluice run runs in the server that answers the home; runs and logs read it through the same one", () => {
    const home = newHome();
    const env = { SLUICE_HOME: home, SLUICE_SERVER_IDLE: "10m" };
    const repo = gitRepo({
      "sluice.yml":
        "name: local-server\njobs:\n  build:\n    steps:\n      - name: hello\n        run: echo hello from the run\n",
    });
    expect(runs(home).code).toBe(0);
    const before = serverPid(home)!;

    const run = sluice(repo, env, ["run", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const id = (JSON.parse(run.stdout) as { id: string }).id;
    // The run went through the server: nothing took the store back from it.
    expect(alive(before)).toBe(true);

    const list = sluice(repo, env, ["runs", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject([
      { id, status: "success", project: "local-server" },
    ]);
    const table = sluice(repo, env, ["runs", "--project", "local-server"]);
    expect(table.stdout).toMatch(
      new RegExp(`${id}\\s+success\\s+local-server`),
    );

    const logs = sluice(repo, env, ["logs", "last"]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toBe(
      "── build › hello (success)\nhello from the run\n",
    );
    const json = sluice(repo, env, ["logs", id, "build", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject([
      { job: "build", step: "hello", log: "hello from the run\n" },
    ]);
    // A finished run followed ends at once, whole.
    const followed = sluice(repo, env, ["logs", "-f", id]);
    expect(followed.stdout).toBe(logs.stdout);

    const missing = sluice(repo, env, ["logs", "nosuchrun"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("sluice: run nosuchrun not found\n");
    const badJob = sluice(repo, env, ["logs", id, "deploy"]);
    expect(badJob.stderr).toContain(
      `run ${id} has no job deploy (jobs: build)`,
    );
    expect(serverPid(home)).toBe(before);
  });

  it("a server of another sluice version on the socket is asked to stop and replaced", async () => {
    const home = newHome();
    const socket = join(home, "server.sock");
    // An "older sluice": answers every request as version 0.0.1, exits when asked to stop.
    const old = spawn(process.execPath, [
      "-e",
      `const http = require("node:http");
       const server = http.createServer((req, res) => {
         res.setHeader("x-sluice-version", "0.0.1");
         res.setHeader("content-type", "application/json");
         if (req.method === "POST") {
           res.statusCode = 202;
           res.end(JSON.stringify({ stopping: true, pid: process.pid }), () => process.exit(0));
           return;
         }
         res.end(JSON.stringify({ version: "0.0.1", pid: process.pid, mode: "on-demand", startedAt: null, idleMs: 1 }));
       });
       server.listen(${JSON.stringify(socket)});`,
    ]);
    started.add(old.pid!);
    await until(() => existsSync(socket), "the old server listens");
    // Not spawnSync: this process must reap the old server (its parent) when it exits.
    const result = await startCli(home, ["runs", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `replacing the local server of sluice 0\\.0\\.1 \\(pid ${old.pid}\\)`,
      ),
    );
    expect(await exited(old)).toBe(0);
    const pid = serverPid(home)!;
    expect(pid).not.toBe(old.pid);
  });

  it("sluice serve answers the home's socket from the same process", async () => {
    const home = newHome();
    const serve = startSluice(tmpdir(), { SLUICE_HOME: home }, [
      "serve",
      "--port",
      "0",
    ]);
    started.add(serve.pid!);
    await until(
      () => serve.output.stdout.includes("listening on"),
      () => `sluice serve listens (${serve.output.stderr})`,
    );
    expect(serve.output.stdout).toContain(join(home, "server.sock"));
    const result = runs(home);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(
      sluice(tmpdir(), { SLUICE_HOME: home }, ["server", "status", "--json"])
        .stdout,
    ) as { pid: number; mode: string };
    expect(status).toMatchObject({ pid: serve.pid, mode: "serve" });
    expect(existsSync(join(home, "server.log"))).toBe(false);
    serve.kill("SIGTERM");
    expect(await exited(serve)).toBe(0);
    expect(existsSync(join(home, "server.sock"))).toBe(false);
  });

  it("while a sluice run runs, other commands answer through the same server", async () => {
    const home = newHome();
    const go = join(home, "go");
    const repo = gitRepo({
      "sluice.yml": `name: holder\njobs:\n  a:\n    steps:\n      - run: while [ ! -f ${go} ]; do sleep 0.05; done\n`,
    });
    const run = startSluice(repo, { SLUICE_HOME: home }, ["run"]);
    started.add(run.pid!);
    let listed: { status: string; project: string }[] = [];
    await until(
      () => {
        const result = runs(home);
        expect(result.code, result.stderr).toBe(0);
        listed = JSON.parse(result.stdout) as typeof listed;
        return listed[0]?.status === "running";
      },
      () => `the run is listed running (${run.output.stderr})`,
    );
    expect(listed[0]).toMatchObject({ project: "holder" });
    writeFileSync(go, "");
    expect(await exited(run)).toBe(0);
    expect(JSON.parse(runs(home).stdout)).toMatchObject([
      { status: "success", project: "holder" },
    ]);
    serverPid(home);
  });
});
