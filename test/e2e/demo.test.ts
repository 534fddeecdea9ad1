import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, sluice } from "./cli.js";

describe("sluice demo (built CLI)", () => {
  beforeAll(assertBuilt);

  it("creates a sample repo, runs its golden path twice, and the second run hits the install cache", () => {
    const parent = mkdtempSync(join(tmpdir(), "sluice-e2e-demo-"));
    const dir = join(parent, "svc");
    const env = { SLUICE_HOME: join(parent, "home") };
    // As `npx sluice demo` runs it: the hints say `npx sluice`.
    const demo = sluice(parent, { ...env, npm_command: "exec" }, [
      "demo",
      "--dir",
      dir,
    ]);
    expect(demo.stderr).toMatch(
      /sluice demo \[4\/\d+\] second run \(warm cache\)/,
    );
    expect(demo.code).toBe(0);

    // A real git repository with a few commits and the three-line sluice.yml.
    const log = execFileSync("git", ["log", "--format=%s"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(log.trim().split("\n")).toEqual([
      "Add sluice.yml",
      "Test /healthz",
      "Serve /healthz",
      "Start the hello service",
    ]);
    expect(readFileSync(join(dir, "sluice.yml"), "utf8")).toMatch(
      /^extends: golden\/node@1\n/,
    );

    const runs = JSON.parse(sluice(parent, env, ["runs", "--json"]).stdout);
    expect(runs.map((r: { status: string }) => r.status)).toEqual([
      "success",
      "success",
    ]);
    const [second, first] = runs;
    // Where to look next: the sample, the records, the logs, and the commands to read them.
    expect(demo.stdout).toContain(`sample service: ${dir}`);
    expect(demo.stdout).toContain(`runs recorded in ${env.SLUICE_HOME}:`);
    expect(demo.stdout).toContain(
      `step logs: ${join(env.SLUICE_HOME, "runs", second.id)}/<job>/<step>.log`,
    );
    expect(demo.stdout).toMatch(
      new RegExp(`^  npx sluice run show ${second.id} +jobs, steps`, "m"),
    );
    expect(demo.stdout).toMatch(
      new RegExp(`^  npx sluice logs ${second.id} test +the log`, "m"),
    );
    const installOf = (id: string) => {
      const detail = JSON.parse(
        sluice(parent, env, ["run", "show", id, "--json"]).stdout,
      );
      const jobs = detail.jobs.map((j: { key: string }) => j.key);
      expect(jobs).toEqual(expect.arrayContaining(["build", "test"]));
      return detail.jobs
        .flatMap((j: { steps: unknown[] }) => j.steps)
        .find((s: { name: string }) => s.name === "install");
    };
    expect(installOf(first.id)).toMatchObject({
      status: "success",
      cache: "miss",
    });
    expect(installOf(second.id)).toMatchObject({
      status: "skipped",
      cache: "exact",
    });
    const show = sluice(parent, env, ["run", "show", second.id]);
    expect(show.stdout).toMatch(/○ install\s+skipped\s+\S+\s+cache exact/);
  }, 240_000);
});
