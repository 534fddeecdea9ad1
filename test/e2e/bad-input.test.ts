import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalServer } from "../support/local-server.js";
import {
  assertBuilt,
  gitRepo,
  markedSleep,
  processesMatching,
  sluice,
} from "./cli.js";

const forever = markedSleep(987711);

/** One line on stderr, `sluice: ...`, and no stack frame. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe("bad input gets a clear error, a non-zero exit and no half-recorded run (built CLI)", () => {
  let repo: string;
  let env: Record<string, string>;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "malformed/sluice.yml": "name: x\njobs:\n  a: [\n    steps\n",
      "huge/sluice.yml": `name: huge\n# ${"x".repeat(10 * 1024 * 1024)}\n`,
      "utf8/sluice.yml":
        "name: utf8\njobs:\n  a:\n    steps:\n      - run: printf 'ok \\377\\376 end\\n'\n",
      "forever/sluice.yml": `name: forever\njobs:\n  a:\n    steps:\n      - run: ${forever}\n        timeout: 2s\n`,
      "noshell/sluice.yml":
        "name: noshell\njobs:\n  a:\n    steps:\n      - run: echo hi\n        shell: /nonexistent/shell\n",
    });
    env = { SLUICE_HOME: mkdtempSync(join(tmpdir(), "sluice-e2e-home-")) };
  });
  afterAll(() => {
    // Its commands started the home's local server on demand.
    stopLocalServer(env.SLUICE_HOME!);
    rmSync(env.SLUICE_HOME!, { recursive: true, force: true });
  });

  it("malformed YAML: file:line:col, exit 2, a stack only with --debug", () => {
    const result = sluice(repo, env, ["run", "-f", "malformed"]);
    expect(result.code).toBe(2);
    expectOneLineError(
      result.stderr,
      /^sluice: malformed\/sluice\.yml:\d+:\d+: /,
    );
    const debug = sluice(repo, env, ["run", "-f", "malformed", "--debug"]);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it("a 10 MB config is refused before it is read", () => {
    const result = sluice(repo, env, ["run", "-f", "huge"]);
    expect(result.code).toBe(2);
    expectOneLineError(
      result.stderr,
      /^sluice: huge\/sluice\.yml:1:1: sluice\.yml is 10\.0 MB, over the 1\.0 MB limit/,
    );
  });

  it("invalid UTF-8 output is logged with replacement characters and the run passes", () => {
    const result = sluice(repo, env, ["run", "-f", "utf8", "--json"]);
    expect(result.code).toBe(0);
    const detail = JSON.parse(result.stdout);
    const log = readFileSync(detail.jobs[0].steps[0].logPath, "utf8");
    expect(log).toBe("ok \uFFFD\uFFFD end\n");
  });

  it("a step that never ends is stopped by its timeout, with nothing left running", () => {
    const result = sluice(repo, env, ["run", "-f", "forever", "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("timed out after 2s");
    expect(JSON.parse(result.stdout).status).toBe("failure");
    expect(processesMatching(forever)).toEqual([]);
  });

  it("a missing shell fails the step with a clear reason", () => {
    const result = sluice(repo, env, ["run", "-f", "noshell", "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("shell /nonexistent/shell not found");
    expect(JSON.parse(result.stdout).jobs[0].steps[0].status).toBe("failure");
  });

  it("every run is recorded finished; the refused configs recorded nothing", () => {
    const list = JSON.parse(sluice(repo, env, ["runs", "--json"]).stdout);
    expect(
      list.map((r: { project: string; status: string }) => [
        r.project,
        r.status,
      ]),
    ).toEqual([
      ["noshell", "failure"],
      ["forever", "failure"],
      ["utf8", "success"],
    ]);
  });

  it("a read-only SLUICE_HOME is a one-line error", () => {
    const parent = mkdtempSync(join(tmpdir(), "sluice-e2e-ro-"));
    const home = join(parent, "home");
    mkdirSync(home);
    chmodSync(parent, 0o755);
    chmodSync(home, 0o555);
    // root writes anywhere: run the CLI as `nobody` to make the folder really read-only.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = sluice(parent, { SLUICE_HOME: home }, ["runs"], asUser);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `sluice: SLUICE_HOME ${home} is not writable: EACCES: permission denied, access '${home}'\n`,
    );
  });

  it("a database URL that refuses connections is a one-line error without the password", () => {
    const url = "postgres://u:hunter2@127.0.0.1:1/x";
    // A fresh home: the local server this starts opens the database, and cannot.
    const home = mkdtempSync(join(tmpdir(), "sluice-e2e-home-"));
    try {
      const result = sluice(
        repo,
        { SLUICE_HOME: home, SLUICE_DATABASE_URL: url },
        ["run"],
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        "sluice: the local server did not start: cannot connect to Postgres at postgres://u:***@127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1\n",
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    // A home whose server serves the embedded database: refused, never run in the wrong store.
    expect(sluice(repo, env, ["runs"]).code).toBe(0);
    const other = sluice(repo, { ...env, SLUICE_DATABASE_URL: url }, ["run"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toBe(
      `sluice: the local server of ${env.SLUICE_HOME} serves the embedded database, not the one SLUICE_DATABASE_URL names: stop it (\`sluice server stop\`) or use another SLUICE_HOME\n`,
    );
  });
});
