import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, gitRepo, sluice } from "./cli.js";

const config = `name: e2e-service
jobs:
  build:
    steps:
      - name: compile
        run: echo "building $NODE_ENV"; echo warn >&2
  test:
    needs: [build]
    steps:
      - name: unit
        run: echo testing
  lint:
    needs: [build]
    steps:
      - run: echo linting
`;

describe("sluice run, runs, run show, logs (built CLI)", () => {
  let repo: string;
  let env: Record<string, string>;
  let runId = "";
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": `${config}env:\n  NODE_ENV: test\n`,
      "broken/sluice.yml":
        "name: broken\njobs:\n  a:\n    steps:\n      - run: echo before; exit 7\n  b:\n    needs: [a]\n    steps:\n      - run: echo never\n",
    });
    env = { SLUICE_HOME: mkdtempSync(join(tmpdir(), "sluice-e2e-home-")) };
  });
  afterAll(() => {
    // Its commands started the home's local server on demand.
    stopLocalServer(env.SLUICE_HOME!);
    rmSync(env.SLUICE_HOME!, { recursive: true, force: true });
  });

  it("runs the pipeline, records the change, and reads it back", () => {
    const run = sluice(repo, env, ["run", "--json"]);
    expect(run.stderr).toMatch(
      /sluice: run run_\w+: 3 jobs of e2e-service at main@[0-9a-f]{8}/,
    );
    expect(run.code).toBe(0);
    const detail = JSON.parse(run.stdout);
    expect(detail).toMatchObject({
      status: "success",
      project: "e2e-service",
      branch: "main",
      author: "E2E",
      authorEmail: "e2e@example.com",
      message: "Initial commit",
    });
    expect(detail.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(
      detail.jobs.map((j: { key: string; status: string }) => [
        j.key,
        j.status,
      ]),
    ).toEqual([
      ["build", "success"],
      ["test", "success"],
      ["lint", "success"],
    ]);
    expect(detail.jobs[0].steps[0]).toMatchObject({
      name: "compile",
      status: "success",
      exitCode: 0,
      attempts: 1,
    });
    // Progress went to stderr, compact (not a TTY): one line per finished step.
    expect(run.stderr).toContain("build › ✓ compile");
    runId = detail.id;
  });

  it("lists, shows and prints the logs of the recorded run", () => {
    const detail = { id: runId };

    const list = sluice(repo, env, ["runs", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)[0].id).toBe(detail.id);
    const table = sluice(repo, env, ["runs"]);
    expect(table.stdout).toMatch(
      new RegExp(`${detail.id}\\s+success\\s+e2e-service\\s+main`),
    );

    const show = sluice(repo, env, ["run", "show", detail.id.slice(0, 14)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`run ${detail.id}  success`);
    expect(show.stdout).toMatch(/✓ compile\s+success\s+\d+\.\ds\s+exit 0/);

    const logs = sluice(repo, env, ["logs", detail.id, "build", "--json"]);
    expect(logs.code).toBe(0);
    const [log] = JSON.parse(logs.stdout);
    expect(log).toMatchObject({ job: "build", step: "compile" });
    expect(log.log).toContain("building test\n");
    expect(log.log).toContain("warn\n");
    expect(readFileSync(log.logPath, "utf8")).toBe(log.log);
    const text = sluice(repo, env, ["logs", "last"]);
    expect(text.stdout).toContain("── test › unit (success)\ntesting\n");
  });

  it("exits 1 on a failed run and records why; --job runs a job with its needs", () => {
    const failed = sluice(repo, env, ["run", "-f", "broken", "--json"]);
    expect(failed.code).toBe(1);
    const detail = JSON.parse(failed.stdout);
    expect(detail.status).toBe("failure");
    expect(detail.reason).toContain("a");
    expect(detail.jobs.map((j: { status: string }) => j.status)).toEqual([
      "failure",
      "skipped",
    ]);
    expect(detail.jobs[0].steps[0].exitCode).toBe(7);
    // The compact view shows the failed step's output.
    expect(failed.stderr).toContain("    before");

    const only = sluice(repo, env, ["run", "--job", "test", "--json"]);
    expect(only.code).toBe(0);
    expect(
      JSON.parse(only.stdout).jobs.map((j: { key: string }) => j.key),
    ).toEqual(["build", "test"]);
  });

  it.each([
    [
      ["run", "--job", "nope"],
      "sluice: no job nope in this pipeline (jobs: build, test, lint)\n",
    ],
    [
      ["run", "--max-parallel", "0"],
      "sluice: --max-parallel must be an integer from 1 to 256, got 0\n",
    ],
    [
      ["run", "show", "run_doesnotexist"],
      "sluice: run run_doesnotexist not found\n",
    ],
    [
      ["logs", "last", "nojob"],
      /^sluice: run run_\w+ has no job nojob \(jobs: .*\)\n$/,
    ],
  ])("sluice %j fails with one clear line", (args, message) => {
    const result = sluice(repo, env, args);
    expect(result.code).toBe(2);
    if (typeof message === "string") expect(result.stderr).toBe(message);
    else expect(result.stderr).toMatch(message);
  });

  it("with SLUICE_SERVER and no token, says how to sign in rather than running here; --help says so", () => {
    const result = sluice(repo, { ...env, SLUICE_SERVER: "http://x" }, ["run"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "sluice: SLUICE_SERVER is http://x, and there is no token for it: run `sluice login http://x`, or set SLUICE_TOKEN\n",
    );
    const help = sluice(repo, env, ["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("SLUICE_SERVER");
    expect(help.stdout).toContain("--max-parallel <n>");
  });
});

describe("sluice run show lists the run's scan findings (built CLI)", () => {
  // A GitHub token shape the secret rules know; it must never appear in what sluice prints.
  const token = "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";
  let repo: string;
  let env: Record<string, string>;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": `name: scanned
jobs:
  scan:
    steps:
      - uses: sluice/scan
        with: { deps: false }
`,
      "src/app.ts": `export const token = "${token}";\n`,
    });
    env = { SLUICE_HOME: mkdtempSync(join(tmpdir(), "sluice-e2e-home-")) };
  });
  afterAll(() => {
    // Its commands started the home's local server on demand.
    stopLocalServer(env.SLUICE_HOME!);
    rmSync(env.SLUICE_HOME!, { recursive: true, force: true });
  });

  it("in --json and in the human view, with the secret redacted", () => {
    // A secret at or above `fail-on` (high) fails the scan step, and so the run.
    const run = sluice(repo, env, ["run", "--json"]);
    expect(run.code).toBe(1);
    const ran = JSON.parse(run.stdout);
    expect(ran.status).toBe("failure");
    expect(ran.findings).toHaveLength(1);

    const shown = sluice(repo, env, ["run", "show", "last", "--json"]);
    expect(shown.code).toBe(0);
    const detail = JSON.parse(shown.stdout);
    expect(detail.id).toBe(ran.id);
    expect(detail.findings).toEqual([
      expect.objectContaining({
        tool: "secrets",
        location: expect.objectContaining({ path: "src/app.ts", startLine: 1 }),
      }),
    ]);
    const human = sluice(repo, env, ["run", "show", ran.id]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^findings: 1 \(1 critical\)$/m);
    expect(human.stdout).toContain(
      `${detail.findings[0].ruleId}  src/app.ts:1`,
    );
    for (const out of [run.stdout, shown.stdout, human.stdout]) {
      expect(out).not.toContain(token);
    }
  });

  it("says nothing of findings for a run without scan steps", () => {
    const plain = gitRepo({
      "sluice.yml":
        "name: plain\njobs:\n  a:\n    steps:\n      - run: echo hi\n",
    });
    expect(sluice(plain, env, ["run"]).code).toBe(0);
    const human = sluice(plain, env, ["run", "show", "last"]);
    expect(human.stdout).not.toContain("findings");
    expect(
      JSON.parse(sluice(plain, env, ["run", "show", "last", "--json"]).stdout)
        .findings,
    ).toEqual([]);
  });
});
