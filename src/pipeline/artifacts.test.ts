import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalArtifacts } from "./artifacts.js";
import { pipeline, testDeps } from "./engine.testkit.js";
import { createLocalDispatcher } from "./local-dispatcher.js";
import { plan } from "./plan.js";
import { executeRun } from "./scheduler.js";

describe("artifacts between jobs", () => {
  it("a job's artifacts are archived after success and extracted into the workdir of the jobs that need it", async () => {
    const deps = testDeps();
    deps.artifacts = createLocalArtifacts({ home: deps.home });
    const workdirs = mkdtempSync(join(tmpdir(), "sluice-workdirs-"));
    const config = pipeline({
      build: {
        artifacts: { name: "dist", paths: ["dist", "reports/*.xml"] },
        steps: [
          {
            run: "mkdir -p dist/js reports && echo bundle > dist/js/app.js && echo '<r/>' > reports/junit.xml && echo no > reports/skip.txt",
          },
        ],
      },
      test: {
        needs: "build",
        steps: [
          {
            run: "cat dist/js/app.js reports/junit.xml; test ! -e reports/skip.txt",
          },
        ],
      },
      unrelated: { steps: [{ run: "test ! -e dist" }] },
    });
    const result = await executeRun(plan(config, { event: "push" }), {
      runId: "run_art",
      workdir: workdirs,
      workdirFor: (job) => join(workdirs, job.key),
      dispatcher: createLocalDispatcher(deps),
      recorder: deps.recorder,
      maxParallel: 2,
      signal: new AbortController().signal,
    });
    expect(
      Object.fromEntries(
        Object.entries(result.jobs).map(([k, r]) => [k, r.status]),
      ),
    ).toEqual({
      build: "success",
      test: "success",
      unrelated: "success",
    });
    expect(result.jobs.build?.artifacts).toEqual([
      {
        name: "dist",
        location: join(
          deps.home,
          "runs",
          "run_art",
          "artifacts",
          "dist.tar.gz",
        ),
      },
    ]);
    expect(
      readFileSync(join(workdirs, "test", "dist", "js", "app.js"), "utf8"),
    ).toBe("bundle\n");
    expect(readFileSync(result.jobs.test!.steps[0]!.logPath!, "utf8")).toBe(
      "bundle\n<r/>\n",
    );
    expect(existsSync(join(workdirs, "unrelated", "dist"))).toBe(false);
  });

  it("a missing artifact path fails the job that publishes it", async () => {
    const deps = testDeps();
    deps.artifacts = createLocalArtifacts({ home: deps.home });
    const result = await executeRun(
      plan(
        pipeline({
          build: {
            artifacts: { paths: ["nothing-here"] },
            steps: [{ run: "true" }],
          },
          after: { needs: "build", steps: [{ run: "true" }] },
        }),
        { event: "push" },
      ),
      {
        runId: "run_x",
        workdir: deps.home,
        dispatcher: createLocalDispatcher(deps),
        recorder: deps.recorder,
        maxParallel: 1,
        signal: new AbortController().signal,
      },
    );
    expect(result.jobs.build).toMatchObject({
      status: "failure",
      error:
        "cannot publish artifact build: artifact path nothing-here does not exist",
    });
    expect(result.jobs.after?.status).toBe("skipped");
  });
});
