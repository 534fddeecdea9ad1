import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  exited,
  gitRepo,
  sluice,
  startServe,
  startSluice,
  until,
} from "./cli.js";

describe("sluice demo (built CLI)", () => {
  beforeAll(assertBuilt);

  it("creates a sample repo, runs its golden path twice (the second hits the install cache), holds a risky change at the gate until a second identity approves it, all while the home's server runs another pipeline", async () => {
    const parent = mkdtempSync(join(tmpdir(), "sluice-e2e-demo-"));
    const dir = join(parent, "svc");
    const home = join(parent, "home");
    // The demo keeps its records in a home of its own (ADR 104).
    const env = { SLUICE_HOME: join(home, "demo") };
    // Meanwhile the home's own server runs a pipeline of another repository, which waits.
    const go = join(parent, "go");
    const waitingMark = join(parent, "waiting");
    const other = gitRepo({
      "sluice.yml": `name: other\njobs:\n  wait:\n    steps:\n      - run: |\n          touch ${waitingMark}\n          while [ ! -f ${go} ]; do sleep 0.05; done\n`,
    });
    const pipeline = startSluice(other, { SLUICE_HOME: home }, ["run"]);
    await until(
      () => existsSync(waitingMark),
      "the other pipeline to wait",
      120_000,
    );
    // `sluice serve` holds the demo's own home: every phase goes through it, the delivery
    // phase too (before, it opened the store itself and failed: "holds the embedded store").
    const { server: serve } = await startServe(parent, env);
    // As `npx sluice demo` runs it: the hints say `npx sluice`.
    const demo = sluice(parent, { SLUICE_HOME: home, npm_command: "exec" }, [
      "demo",
      "--dir",
      dir,
    ]);
    // The other pipeline still waits, undisturbed, and then finishes.
    expect(pipeline.exitCode).toBeNull();
    writeFileSync(go, "");
    expect(await exited(pipeline), pipeline.output.stderr).toBe(0);
    sluice(parent, { SLUICE_HOME: home }, ["server", "stop"]);
    rmSync(other, { recursive: true, force: true });
    expect(demo.stderr).toMatch(
      /sluice demo \[4\/\d+\] second run \(warm cache\)/,
    );
    expect(demo.stderr).toMatch(
      /sluice demo \[5\/\d+\] policy gate \(a large change to infra\/ held, approved by a second identity, deployed\)/,
    );
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stderr).not.toMatch(/holds the embedded store/);
    // The delivery phase: a good release promoted, a bad one rolled back, no error from stable.
    expect(demo.stderr).toMatch(
      /sluice demo \[6\/6\] progressive delivery \(a good release promoted, a bad one rolled back\)/,
    );
    expect(demo.stderr).toMatch(
      /^ {2}v3-bad \d\d:\d\d:\d\d\.\d{3} aborted 0%$/m,
    );
    expect(demo.stdout).toMatch(/^ {2}v2 \(good\): Healthy$/m);
    expect(demo.stdout).toMatch(/^ {2}v3-bad \(30% errors\): Degraded \(/m);
    expect(demo.stdout).toMatch(
      /^load generator: \d+ requests, 0 failed from stable, \d+ failed from the bad canary$/m,
    );
    expect(demo.stdout).toMatch(
      /^incident opened and resolved automatically: recovery in /m,
    );
    // Nothing waits at a gate any more (asked first, before any command starts the local server).
    const waiting = sluice(parent, env, ["approvals", "--json"]);
    expect(waiting.code, waiting.stderr).toBe(0);
    expect(JSON.parse(waiting.stdout)).toEqual([]);

    // A real git repository with a few commits and the three-line sluice.yml.
    const log = execFileSync("git", ["log", "--format=%s"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(log.trim().split("\n")).toEqual([
      "infra: network rules",
      "Deploy behind the policy gate",
      "Add sluice.yml",
      "Test /healthz",
      "Serve /healthz",
      "Start the hello service",
    ]);
    expect(
      execFileSync("git", ["show", "HEAD~2:sluice.yml"], {
        cwd: dir,
        encoding: "utf8",
      }),
    ).toMatch(/^extends: golden\/node@1\n/);

    const runs = JSON.parse(sluice(parent, env, ["runs", "--json"]).stdout);
    expect(runs.map((r: { status: string }) => r.status)).toEqual([
      "success",
      "success",
      "success",
    ]);
    const [gated, second, first] = runs;
    // Where to look next: the sample, the records, the logs, and the commands to read them.
    expect(demo.stdout).toContain(`sample service: ${dir}`);
    expect(demo.stdout).toMatch(
      new RegExp(
        `^  export SLUICE_HOME=${env.SLUICE_HOME} +the demo's own home`,
        "m",
      ),
    );
    expect(demo.stdout).toContain(`runs recorded in ${env.SLUICE_HOME}:`);
    expect(demo.stdout).toContain(
      `step logs: ${join(env.SLUICE_HOME, "runs", gated.id)}/<job>/<step>.log`,
    );
    expect(demo.stdout).toMatch(
      new RegExp(`^  npx sluice run show ${gated.id} +jobs, steps`, "m"),
    );
    expect(demo.stdout).toMatch(
      new RegExp(`^  npx sluice logs ${gated.id} test +the log`, "m"),
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

    // The gate phase: held by the default policy, the author refused, a second identity approved,
    // and the same run went on from the gate to deploy.
    expect(demo.stderr).toContain(`held: run ${gated.id} waits for a person`);
    expect(demo.stderr).toContain(
      "large-sensitive-change: a large change to sensitive paths needs a person",
    );
    expect(demo.stderr).toContain(
      "demo@sluice.invalid (the author) approves: refused: demo@sluice.invalid is the author of this change and cannot approve it; someone else must",
    );
    expect(demo.stderr).toContain(
      "reviewer@sluice.invalid approves: approved by reviewer@sluice.invalid; the run continues",
    );
    const gatedDetail = JSON.parse(
      sluice(parent, env, ["run", "show", gated.id, "--json"]).stdout,
    );
    expect(
      Object.fromEntries(
        gatedDetail.jobs.map((j: { key: string; status: string }) => [
          j.key,
          j.status,
        ]),
      ),
    ).toMatchObject({ test: "success", gate: "success", deploy: "success" });
    expect(demo.stdout).toMatch(
      new RegExp(`^  npx sluice logs ${gated.id} gate +the gate's facts`, "m"),
    );
    // The demo's deployed services were stopped.
    const stop = sluice(dir, env, ["deploy", "stop", "demo"]);
    expect(stop.stdout).toMatch(/^nothing was running for \S+ in demo/);
    const sample = sluice(dir, env, [
      "deploy",
      "stop",
      "demo",
      "--project",
      "sample-service",
    ]);
    expect(sample.stdout).toMatch(/^nothing was running for sample-service/);
    expect(serve.exitCode).toBeNull();
    serve.kill("SIGTERM");
    await exited(serve);
    rmSync(parent, { recursive: true, force: true });
  }, 240_000);
});
