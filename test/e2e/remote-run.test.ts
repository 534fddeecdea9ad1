import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshPostgresUrl } from "../support/databases.js";
import {
  assertBuilt,
  exited,
  gitRepo,
  sluice,
  startSluice,
  until,
} from "./cli.js";

/**
 * Issue 14, remote mode end to end: `sluice serve` (on Postgres when SLUICE_TEST_DATABASE_URL
 * is set, as CI does) in one process; `sluice login` and `sluice run` from another home send
 * the commit there, and the run's steps, lines and end come back to the terminal that ran it.
 */
const password = "remote runs need a long password";
const postgres = process.env.SLUICE_TEST_DATABASE_URL;
if (!postgres)
  console.warn(
    "remote-run e2e: SLUICE_TEST_DATABASE_URL is not set; the server uses its embedded store",
  );

describe("sluice run on a remote server (issue 14)", () => {
  const serverHome = mkdtempSync(join(tmpdir(), "sluice-remote-server-"));
  const clientHome = mkdtempSync(join(tmpdir(), "sluice-remote-client-"));
  let serverEnv: Record<string, string> = { SLUICE_HOME: serverHome };
  const clientEnv = { SLUICE_HOME: clientHome, SLUICE_SERVER_IDLE: "5s" };
  let server: ReturnType<typeof startSluice> | undefined;
  let url: string;

  beforeAll(async () => {
    assertBuilt();
    if (postgres)
      serverEnv = {
        ...serverEnv,
        SLUICE_DATABASE_URL: await freshPostgresUrl(postgres),
      };
    const added = sluice(
      serverHome,
      serverEnv,
      ["users", "add", "dev", "--role", "shop=developer"],
      { input: password },
    );
    expect(added.code, added.stderr).toBe(0);
    server = startSluice(serverHome, serverEnv, ["serve", "--port", "0"]);
    await until(
      () => existsSync(join(serverHome, "server.json")),
      "server.json",
      60_000,
    );
    ({ url } = JSON.parse(
      readFileSync(join(serverHome, "server.json"), "utf8"),
    ) as { url: string });
  }, 120_000);
  const made: string[] = [];
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await exited(server);
    }
    for (const dir of [...made, serverHome, clientHome])
      rmSync(dir, { recursive: true, force: true });
  });

  const client = (cwd: string, args: string[], input = "") =>
    sluice(cwd, clientEnv, args, { input });
  const commitFile = (repo: string, file: string, text: string) => {
    writeFileSync(join(repo, file), text);
    execFileSync("git", ["add", file], { cwd: repo });
    execFileSync(
      "git",
      [
        "-c",
        "user.name=E2E",
        "-c",
        "user.email=e2e@example.com",
        "commit",
        "-qm",
        `change ${file}`,
      ],
      { cwd: repo },
    );
  };

  it("signs in with a password read from standard input and keeps only a token, readable by its owner", () => {
    const login = client(clientHome, ["login", url, "--user", "dev"], password);
    expect(login.stderr).toBe("");
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`logged in to ${url} as dev`);
    const file = join(clientHome, "login.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, "utf8");
    expect(saved).not.toContain(password);
    expect(JSON.parse(saved)).toMatchObject({
      server: url,
      user: "dev",
      token: expect.stringMatching(/^sluice_tok\./),
    });
  });

  const pipeline =
    'name: shop\njobs:\n  check:\n    steps:\n      - run: for i in 1 2 3; do echo line $i; done; cat note.txt; test "$(cat note.txt)" = fixed\n';

  it("sends the commit, runs it there, and shows its steps and lines here", () => {
    const repo = gitRepo({ "sluice.yml": pipeline, "note.txt": "broken\n" });
    const run = client(repo, ["run"]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `sluice: sending [0-9a-f]{8} \\(\\d+ KiB, with its history\\) to ${url} as project shop`,
      ),
    );
    expect(run.stderr).toMatch(/sluice: run (run_\w+): 1 job of shop at main@/);
    // The failed step's lines came back from the server, in order; the server's paths did not.
    expect(run.stdout).toMatch(/line 1\n\s+line 2\n\s+line 3\n\s+broken\n/);
    expect(run.stdout + run.stderr).not.toContain(serverHome);
    const id = /sluice: run (run_\w+):/.exec(run.stderr)![1]!;
    // `sluice runs` and `sluice logs` of this folder read the server's runs of its project.
    const runs = client(repo, ["runs", "--json"]);
    expect(runs.code, runs.stderr).toBe(0);
    expect((JSON.parse(runs.stdout) as { id: string }[])[0]!.id).toBe(id);
    const logs = client(repo, ["logs", id]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(
      /── check › .* \(failure\)\nline 1\nline 2\nline 3\nbroken\n/,
    );
    expect(logs.stdout).not.toContain(serverHome);
    // `sluice run show`, as the summary says, shows it from the server.
    const shown = client(repo, ["run", "show", id, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: "failure" });
    // The server recorded it, in its own store.
    const listed = sluice(serverHome, serverEnv, ["runs", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      (
        JSON.parse(listed.stdout) as {
          id: string;
          project: string;
          status: string;
        }[]
      ).find((row) => row.id === id),
    ).toMatchObject({ project: "shop", status: "failure" });
    // The client's home never opened a store of its own.
    expect(existsSync(join(clientHome, "server.sock"))).toBe(false);
  });

  it("--working-tree sends the uncommitted changes too", () => {
    const repo = gitRepo({ "sluice.yml": pipeline, "note.txt": "broken\n" });
    writeFileSync(join(repo, "note.txt"), "fixed\n");
    const run = client(repo, ["run", "--working-tree"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/at main@[0-9a-f]{8}-dirty/);
    expect(run.stderr).toMatch(/sluice: run run_\w+ success in /);
  });

  it("the next run sends only the commits the server lacks; a server that lost them takes the whole history (ADR 107)", () => {
    // 192 KiB of random text: a history that does not compress away.
    const repo = gitRepo({
      "sluice.yml": pipeline,
      "note.txt": "fixed\n",
      "noise.txt": randomBytes(96 * 1024).toString("hex"),
    });
    made.push(repo);
    const kib = (stderr: string, what: string) => {
      const match = new RegExp(
        `sluice: sending [0-9a-f]{8} \\((\\d+) KiB, ${what}\\) to `,
      ).exec(stderr);
      expect(match, stderr).not.toBeNull();
      return Number(match![1]);
    };
    const first = client(repo, ["run"]);
    expect(first.code, first.stderr).toBe(0);
    const whole = kib(first.stderr, "with its history");
    expect(whole).toBeGreaterThan(96);
    commitFile(repo, "change.txt", "one more commit\n");
    const second = client(repo, ["run"]);
    expect(second.code, second.stderr).toBe(0);
    expect(kib(second.stderr, "1 commit the server lacks")).toBeLessThan(8);
    // The run ran the new commit, with the server's whole history of it.
    expect(second.stderr).toMatch(/sluice: run run_\w+ success in /);
    // Its kept repository lost (a new disk, a clean-up): the client sends everything again.
    rmSync(join(serverHome, "repositories"), { recursive: true, force: true });
    commitFile(repo, "change.txt", "and another\n");
    const third = client(repo, ["run"]);
    expect(third.code, third.stderr).toBe(0);
    expect(kib(third.stderr, "with its history")).toBeGreaterThanOrEqual(whole);
  });

  it("two runs of one project submitted at once both succeed", async () => {
    const repo = gitRepo({ "sluice.yml": pipeline, "note.txt": "fixed\n" });
    const other = mkdtempSync(join(tmpdir(), "sluice-remote-clone-"));
    made.push(repo, other);
    execFileSync("git", ["clone", "-q", repo, other]);
    commitFile(repo, "a.txt", "a\n");
    commitFile(other, "b.txt", "b\n");
    const runs = [repo, other].map((cwd) =>
      startSluice(cwd, clientEnv, ["run"]),
    );
    const codes = await Promise.all(runs.map((run) => exited(run)));
    expect(codes, runs.map((run) => run.output.stderr).join("\n")).toEqual([
      0, 0,
    ]);
    for (const run of runs)
      expect(run.output.stderr).toMatch(/sluice: run run_\w+ success in /);
  });

  it("refuses a project the account has no developer role on, before anything runs", () => {
    const repo = gitRepo({
      "sluice.yml": pipeline.replace("name: shop", "name: other"),
      "note.txt": "fixed\n",
    });
    const run = client(repo, ["run"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/developer.*other/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("Ctrl-C cancels the run on the server", async () => {
    const repo = gitRepo({
      "sluice.yml":
        "name: shop\njobs:\n  wait:\n    steps:\n      - run: echo started; sleep 61\n",
    });
    const run = startSluice(repo, clientEnv, ["run"]);
    await until(
      () => /sluice: run run_\w+: 1 job/.test(run.output.stderr),
      "the run's id",
      60_000,
    );
    const id = /sluice: run (run_\w+):/.exec(run.output.stderr)![1]!;
    run.kill("SIGINT");
    expect(await exited(run)).toBe(130);
    expect(run.output.stderr).toContain(`sluice: run ${id} cancelled`);
    const shown = sluice(serverHome, serverEnv, ["run", "show", id, "--json"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: "cancelled" });
  });

  it("a second login replaces the first, whose token is revoked", () => {
    const first = JSON.parse(
      readFileSync(join(clientHome, "login.json"), "utf8"),
    ) as { token: string };
    const again = client(clientHome, ["login", url, "--user", "dev"], password);
    expect(again.code, again.stderr).toBe(0);
    const repo = gitRepo({ "sluice.yml": pipeline, "note.txt": "fixed\n" });
    const old = sluice(
      repo,
      { ...clientEnv, SLUICE_SERVER: url, SLUICE_TOKEN: first.token },
      ["run"],
    );
    expect(old.code).toBe(2);
    expect(old.stderr).toContain(
      "the API token is unknown, expired or revoked",
    );
    expect(client(repo, ["run"]).code).toBe(0);
  });

  it("logout revokes the token; SLUICE_SERVER without a token is a one-line error", () => {
    const saved = JSON.parse(
      readFileSync(join(clientHome, "login.json"), "utf8"),
    ) as { token: string };
    const out = client(clientHome, ["logout"]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`logged out of ${url}; its token is revoked`);
    expect(existsSync(join(clientHome, "login.json"))).toBe(false);
    const repo = gitRepo({ "sluice.yml": pipeline, "note.txt": "fixed\n" });
    const revoked = sluice(
      repo,
      { ...clientEnv, SLUICE_SERVER: url, SLUICE_TOKEN: saved.token },
      ["run"],
    );
    expect(revoked.code).toBe(2);
    expect(revoked.stderr).toContain(
      "the API token is unknown, expired or revoked",
    );
    const none = sluice(repo, { ...clientEnv, SLUICE_SERVER: url }, ["run"]);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe(
      `sluice: SLUICE_SERVER is ${url}, and there is no token for it: run \`sluice login ${url}\`, or set SLUICE_TOKEN`,
    );
  });
});
