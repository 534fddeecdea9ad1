import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleService } from "../../src/deploy/index.js";
import { loadGenerator } from "./load-generator.js";
import { assertBuilt, exited, gitRepo, sluice, startSluice } from "./cli.js";
import { deployArgs, stopTarget } from "../support/deploy-cli.js";
import { stopLocalServer } from "../support/local-server.js";

/**
 * Issue 9, defect 10: `sluice deploy` from a git checkout records the commit it ships (HEAD, or
 * `--commit`), so its deployments, a failed canary and the recovery from it reach `sluice
 * metrics` (deployment count, change fail rate, time to restore) instead of being left out with
 * "no commit recorded".
 */
describe("sluice's own deployments reach the DORA figures (built CLI, real git)", () => {
  let repo = "";
  const home = mkdtempSync(join(tmpdir(), "sluice-e2e-deploy-dora-"));
  const env = { SLUICE_HOME: home };
  const project = "shop";
  let endpoint = "";
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();

  const deploy = async (version: string, extra: string[] = []) => {
    const child = startSluice(
      repo,
      env,
      deployArgs(
        version,
        "exec node app/server.mjs",
        ["--cwd", repo, "--json", ...extra],
        project,
      ),
    );
    const code = await exited(child);
    return { code, ...child.output };
  };
  const commit = (message: string) => {
    writeFileSync(join(repo, "CHANGES"), `${message}\n`, { flag: "a" });
    git("commit", "-qam", message);
    return git("rev-parse", "HEAD");
  };

  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({ CHANGES: "start\n" });
    writeSampleService(join(repo, "app"));
    git("add", "app");
    git("commit", "-qm", "the service");
  });

  afterAll(async () => {
    await stopTarget(home, project, "production");
    stopLocalServer(home);
    rmSync(home, { recursive: true, force: true });
  });

  it("counts deployments, the failed canary and the time to restore", async () => {
    const first = await deploy("v1");
    expect(first.code, first.stderr).toBe(0);
    endpoint = JSON.parse(first.stdout).endpoint;
    // Traffic for the analyses (too few requests would be Inconclusive, and pause).
    const load = loadGenerator(`${endpoint}/`);
    const steps = ["--steps", '[{"weight":50},{"analysis":"default"}]'];

    commit("a good change");
    const second = await deploy("v2", steps);
    expect(second.code, second.stderr).toBe(0);

    // A bad change: the canary fails half its requests and is rolled back.
    const bad = commit("a bad change");
    const third = await deploy("v3", ["--env", "FAIL_RATE=0.5", ...steps]);
    expect(third.code, third.stderr).toBe(1);
    expect(JSON.parse(third.stdout)).toMatchObject({
      phase: "Degraded",
      stable: "v2",
    });

    // `--commit` names the commit when the release was built from another one.
    const fixed = commit("the fix");
    git("commit", "-q", "--allow-empty", "-m", "unrelated later work");
    const fourth = await deploy("v4", [
      "--commit",
      fixed.slice(0, 10),
      ...steps,
    ]);
    await load.stop();
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(JSON.parse(fourth.stdout).commit).toBe(fixed);

    const metrics = sluice(repo, env, [
      "metrics",
      "--project",
      project,
      "--json",
    ]);
    expect(metrics.code, metrics.stderr).toBe(0);
    const report = JSON.parse(metrics.stdout);
    const text = JSON.stringify(report);
    expect(text).not.toMatch(/no commit recorded/);
    expect(report.figures.deploymentFrequency.samples).toBe(4);
    // one of four deployments failed
    expect(report.figures.changeFailRate.value).toBeCloseTo(0.25, 5);
    // its incident opened with the canary's first request and closed on the rollback
    expect(report.figures.recoveryTime.samples).toBe(1);
    expect(report.figures.recoveryTime.value).toBeGreaterThan(0);
    // the changes are there for the lead time: HEAD when deployed, and `--commit`'s
    expect(report.figures.leadTime.samples).toBe(3);

    const listing = sluice(repo, env, [
      "releases",
      "--project",
      project,
      "--json",
    ]);
    expect(listing.stdout).toContain(bad);
  }, 240_000);

  it("refuses a --commit that is not a commit, with one line", async () => {
    const r = await deploy("v9", ["--commit", "not-a-sha"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "sluice: --commit not-a-sha: expected a commit SHA (hexadecimal)",
    );
    const missing = await deploy("v9", ["--commit", "abcdef1234"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such commit in this repository/);
  });

  it("says so when it has no commit to record (not a git checkout)", async () => {
    const plain = mkdtempSync(join(tmpdir(), "sluice-e2e-no-git-"));
    const server = writeSampleService(join(plain, "app"));
    const r = sluice(plain, env, [
      "deploy",
      "staging",
      "--project",
      "plain",
      "--proxy-port",
      "0",
      "--command",
      `exec node ${server}`,
      "--steps",
      '[{"weight":100}]',
      "--json",
    ]);
    try {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /no commit \(not a git checkout, or no commit yet\): this deployment is left out of the DORA figures; pass --commit SHA/,
      );
      expect(JSON.parse(r.stdout).commit).toBeUndefined();
    } finally {
      await stopTarget(home, "plain", "staging");
      rmSync(plain, { recursive: true, force: true });
    }
  }, 120_000);
});
