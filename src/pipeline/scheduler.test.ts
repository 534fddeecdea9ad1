import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Job } from "../config/index.js";
import { ConcurrencyGroups } from "./concurrency.js";
import { pipeline, survivors, testDeps } from "./engine.testkit.js";
import { createLocalDispatcher } from "./local-dispatcher.js";
import { plan } from "./plan.js";
import type { TriggerFacts } from "./ports.js";
import { executeRun } from "./scheduler.js";

const push: TriggerFacts = { event: "push", branch: "main", commit: "abc123" };

async function execute(
  jobs: Record<string, Job>,
  options: {
    maxParallel?: number;
    signal?: AbortSignal;
    groups?: ConcurrencyGroups;
    deps?: ReturnType<typeof testDeps>;
    facts?: TriggerFacts;
  } = {},
) {
  const deps = options.deps ?? testDeps();
  const p = plan(pipeline(jobs), options.facts ?? push);
  const result = await executeRun(p, {
    runId: "run_1",
    workdir: deps.home,
    dispatcher: createLocalDispatcher(deps),
    recorder: deps.recorder,
    maxParallel: options.maxParallel ?? 4,
    signal: options.signal ?? new AbortController().signal,
    groups: options.groups,
  });
  const statuses = Object.fromEntries(
    Object.entries(result.jobs).map(([k, r]) => [k, r.status]),
  );
  return { result, statuses, deps };
}

/**
 * A step that appends `start <name>` and `end <name>` to a shared trace file. In between it waits
 * until `together` jobs are running at once (or every one of `total` has started, or ~5 s passed),
 * so overlap does not depend on how fast the machine is; or, with `gate`, until that file exists.
 */
const traced = (
  name: string,
  wait: { together?: number; total?: number; gate?: string } = {},
): Job["steps"] => {
  const t = '"$SLUICE_WORKSPACE/trace"';
  const until = wait.gate
    ? `[ -e "$SLUICE_WORKSPACE/${wait.gate}" ]`
    : `s=$(grep -c start ${t}); e=$(grep -c end ${t}); [ $((s-e)) -ge ${wait.together ?? 1} ] || [ "$s" -ge ${wait.total ?? 1} ]`;
  return [
    {
      run: `echo "start ${name}" >> ${t}\nfor i in $(seq 250); do if ${until}; then break; fi; sleep 0.02; done\nsleep 0.05\necho "end ${name}" >> ${t}`,
    },
  ];
};

function trace(home: string): string[] {
  return readFileSync(join(home, "trace"), "utf8").trim().split("\n");
}

function maxOverlap(lines: string[]): number {
  let now = 0;
  let max = 0;
  for (const line of lines) {
    now += line.startsWith("start") ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

describe("executeRun", () => {
  it("gives a job's steps its project and its environment ($SLUICE_PROJECT, $SLUICE_ENVIRONMENT)", async () => {
    const say =
      'echo "$SLUICE_PROJECT/${SLUICE_ENVIRONMENT:-none}" >> "$SLUICE_WORKSPACE/trace"';
    const { statuses, deps } = await execute({
      deploy: { environment: "staging", steps: [{ run: say }] },
      build: { needs: "deploy", steps: [{ run: say }] },
    });
    expect(statuses).toEqual({ deploy: "success", build: "success" });
    const project = pipeline({}).name;
    expect(trace(deps.home)).toEqual([`${project}/staging`, `${project}/none`]);
  });

  it("starts a job only after everything it needs has ended", async () => {
    const { result, deps } = await execute({
      build: { steps: traced("build") },
      test: { needs: "build", steps: traced("test") },
      lint: { needs: "build", steps: traced("lint") },
      deploy: { needs: ["test", "lint"], steps: traced("deploy") },
    });
    expect(result.status).toBe("success");
    const lines = trace(deps.home);
    const at = (l: string) => lines.indexOf(l);
    expect(at("start test")).toBeGreaterThan(at("end build"));
    expect(at("start lint")).toBeGreaterThan(at("end build"));
    expect(at("start deploy")).toBeGreaterThan(at("end test"));
    expect(at("start deploy")).toBeGreaterThan(at("end lint"));
  });

  it("never runs more jobs at once than the parallelism limit", async () => {
    const jobs = (limit: number) =>
      Object.fromEntries(
        ["a", "b", "c", "d", "e", "f"].map((n) => [
          n,
          { steps: traced(n, { together: limit, total: 6 }) },
        ]),
      );
    const two = await execute(jobs(2), { maxParallel: 2 });
    expect(maxOverlap(trace(two.deps.home))).toBe(2);
    const three = await execute(jobs(3), { maxParallel: 3 });
    expect(maxOverlap(trace(three.deps.home))).toBe(3);
    const one = await execute(jobs(1), { maxParallel: 1 });
    expect(maxOverlap(trace(one.deps.home))).toBe(1);
    // A matrix's max-parallel limits its cells below the run's limit.
    const matrix = await execute(
      {
        m: {
          matrix: { n: [1, 2, 3, 4] },
          "max-parallel": 1,
          steps: traced("${{ matrix.n }}"),
        },
      },
      { maxParallel: 4 },
    );
    expect(maxOverlap(trace(matrix.deps.home))).toBe(1);
  });

  it("skips jobs after a failure unless their if says otherwise", async () => {
    const { result, statuses } = await execute({
      build: { steps: [{ run: "exit 1" }] },
      test: { needs: "build", steps: [{ run: "true" }] },
      after_test: { needs: "test", steps: [{ run: "true" }] },
      report: { needs: "test", if: "always()", steps: [{ run: "true" }] },
      on_failure: { needs: "build", if: "failure()", steps: [{ run: "true" }] },
      deep_failure: {
        needs: "test",
        if: "failure()",
        steps: [{ run: "true" }],
      },
      on_main: {
        needs: "build",
        if: "branch == 'main'",
        steps: [{ run: "true" }],
      },
      independent: { steps: [{ run: "true" }] },
    });
    expect(result.status).toBe("failure");
    expect(statuses).toEqual({
      build: "failure",
      independent: "success",
      test: "skipped",
      on_failure: "success",
      on_main: "skipped", // implicit success() && ...
      after_test: "skipped",
      report: "success",
      deep_failure: "success", // failure() sees any failed ancestor
    });
  });

  it("evaluates a job if over branch, needs results and outputs", async () => {
    const { statuses } = await execute(
      {
        build: {
          outputs: { kind: "${{ steps.k.outputs.kind }}" },
          steps: [{ id: "k", run: 'echo "kind=lib" >> "$SLUICE_OUTPUT"' }],
        },
        publish: {
          needs: "build",
          if: "needs.build.outputs.kind == 'lib' && needs.build.result == 'success'",
          steps: [{ run: "true" }],
        },
        deploy: {
          needs: "build",
          if: "branch == 'main'",
          steps: [{ run: "true" }],
        },
      },
      { facts: { event: "push", branch: "feature" } },
    );
    expect(statuses).toEqual({
      build: "success",
      publish: "success",
      deploy: "skipped",
    });
  });

  it("passes outputs between jobs; for a matrix the last cell in matrix order wins", async () => {
    const { result } = await execute({
      build: {
        matrix: { os: ["linux", "mac"] },
        outputs: { file: "${{ steps.b.outputs.file }}" },
        steps: [
          {
            id: "b",
            run: 'echo "file=app-${{ matrix.os }}.tgz" >> "$SLUICE_OUTPUT"',
          },
        ],
      },
      deploy: {
        needs: "build",
        steps: [
          {
            run: 'echo "${{ needs.build.outputs.file }} ${{ needs.build.result }}" > deployed',
          },
        ],
      },
    });
    expect(result.status).toBe("success");
    expect(result.jobs["build (os: linux)"]?.outputs).toEqual({
      file: "app-linux.tgz",
    });
    expect(result.jobs["build (os: mac)"]?.outputs).toEqual({
      file: "app-mac.tgz",
    });
    expect(readFileSync(join(testHome(result), "deployed"), "utf8")).toBe(
      "app-mac.tgz success\n",
    );
  });

  it("fail-fast cancels the other cells of a failed matrix", async () => {
    const m = `600.${Math.floor(Math.random() * 1e6)}`;
    const { statuses, result } = await execute(
      {
        test: {
          matrix: { n: [1, 2, 3] },
          steps: [
            {
              run: `if [ "\${{ matrix.n }}" = 1 ]; then sleep 0.2; exit 1; fi; sleep ${m}`,
            },
          ],
        },
      },
      { maxParallel: 2 },
    );
    expect(result.status).toBe("failure");
    expect(statuses).toEqual({
      "test (n: 1)": "failure",
      "test (n: 2)": "cancelled",
      "test (n: 3)": "cancelled",
    });
    expect(survivors(m)).toEqual([]);
  });

  it("cancels a run: running steps stop with no orphan, pending jobs do not start, always() jobs run", async () => {
    const m = `600.${Math.floor(Math.random() * 1e6)}`;
    const controller = new AbortController();
    const deps = testDeps();
    writeFileSync(join(deps.home, "trace"), "");
    const running = execute(
      {
        long: {
          steps: [
            {
              run: `echo started >> "$SLUICE_WORKSPACE/trace"; sh -c 'sleep ${m} & sleep ${m}'`,
            },
          ],
        },
        next: { needs: "long", steps: [{ run: "true" }] },
        cleanup: {
          needs: "long",
          if: "always()",
          steps: [{ run: 'echo "cleanup ran" >> "$SLUICE_WORKSPACE/trace"' }],
        },
      },
      { signal: controller.signal, deps },
    );
    while (!readFileSync(join(deps.home, "trace"), "utf8").includes("started"))
      await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const { result, statuses } = await running;
    expect(result.status).toBe("cancelled");
    expect(statuses).toEqual({
      long: "cancelled",
      next: "cancelled",
      cleanup: "success",
    });
    expect(trace(deps.home)).toEqual(["started", "cleanup ran"]);
    expect(survivors(m)).toEqual([]);
  });

  it("a failing dispatch fails its job; a failing recorder rejects the run instead of crashing", async () => {
    const deps = testDeps();
    const p = plan(
      pipeline({
        a: { steps: [{ run: "true" }] },
        b: { steps: [{ run: "true" }] },
        c: { needs: ["a", "b"], steps: [{ run: "true" }] },
      }),
      push,
    );
    const run = (recorder: typeof deps.recorder) =>
      executeRun(p, {
        runId: "run_f",
        workdir: deps.home,
        dispatcher: createLocalDispatcher({ ...deps, recorder }),
        recorder,
        maxParallel: 2,
        signal: new AbortController().signal,
      });
    const startFails = await run({
      ...deps.recorder,
      jobStarted: async (key) => {
        if (key === "b") throw new Error("connection refused");
      },
    });
    expect(startFails.status).toBe("failure");
    expect(startFails.jobs.b).toMatchObject({
      status: "failure",
      error: "connection refused",
    });
    expect(startFails.jobs.c?.status).toBe("skipped");
    await expect(
      run({
        ...deps.recorder,
        jobStarted: async () => {
          throw new Error("connection refused");
        },
        jobFinished: async () => {
          throw new Error("connection refused");
        },
      }),
    ).rejects.toThrow("connection refused");
  });

  it("a continue-on-error job does not fail the run or skip its dependents", async () => {
    const { result, statuses } = await execute({
      optional: { "continue-on-error": true, steps: [{ run: "exit 1" }] },
      next: { needs: "optional", steps: [{ run: "true" }] },
    });
    expect(statuses).toEqual({ optional: "failure", next: "success" });
    expect(result.status).toBe("success");
  });

  it("concurrency groups: one running, the newest pending wins, across runs of one process", async () => {
    const groups = new ConcurrencyGroups();
    const deps = testDeps();
    writeFileSync(join(deps.home, "trace"), "");
    const job = (name: string): Record<string, Job> => ({
      deploy: {
        concurrency: "deploy-main",
        steps: traced(name, { gate: "release" }),
      },
    });
    const first = execute(job("first"), { groups, deps });
    while (
      !readFileSync(join(deps.home, "trace"), "utf8").includes("start first")
    )
      await new Promise((r) => setTimeout(r, 20));
    const second = execute(job("second"), { groups, deps });
    const third = execute(job("third"), { groups, deps });
    // Both newer runs are queued behind the first before it is let go.
    writeFileSync(join(deps.home, "release"), "");
    const results = await Promise.all([first, second, third]);
    expect(results.map((r) => r.statuses.deploy)).toEqual([
      "success",
      "cancelled",
      "success",
    ]);
    expect(results[1]?.result.jobs.deploy?.error).toBe(
      "superseded by a newer job in its concurrency group",
    );
    expect(trace(deps.home)).toEqual([
      "start first",
      "end first",
      "start third",
      "end third",
    ]);
  });

  it("cancel-in-progress cancels the running job of the group", async () => {
    const groups = new ConcurrencyGroups();
    const deps = testDeps();
    writeFileSync(join(deps.home, "trace"), "");
    const m = `600.${Math.floor(Math.random() * 1e6)}`;
    const first = execute(
      {
        deploy: {
          concurrency: "g",
          steps: [
            { run: `echo started >> "$SLUICE_WORKSPACE/trace"; sleep ${m}` },
          ],
        },
      },
      { groups, deps },
    );
    while (!readFileSync(join(deps.home, "trace"), "utf8").includes("started"))
      await new Promise((r) => setTimeout(r, 20));
    const second = execute(
      {
        deploy: {
          concurrency: { group: "g", "cancel-in-progress": true },
          steps: [{ run: "true" }],
        },
      },
      { groups, deps },
    );
    const [a, b] = await Promise.all([first, second]);
    expect(a.statuses.deploy).toBe("cancelled");
    expect(b.statuses.deploy).toBe("success");
    expect(survivors(m)).toEqual([]);
  });
});

function testHome(result: {
  jobs: Record<string, { steps: { logPath?: string | undefined }[] }>;
}): string {
  // The log path is <home>/runs/<run>/<job>/<n>.log, and the workdir is <home> in these tests.
  const path = Object.values(result.jobs)[0]?.steps[0]?.logPath ?? "";
  return path.slice(0, path.indexOf("/runs/"));
}
