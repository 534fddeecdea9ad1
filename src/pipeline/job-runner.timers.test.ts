import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Job } from "../config/index.js";
import { ManualClock } from "../kernel/index.js";
import { pipeline, survivors, testDeps } from "./engine.testkit.js";
import { runJob } from "./job-runner.js";
import { plan } from "./plan.js";
import { createStepRegistry } from "./registry.js";

/**
 * The job's timers (retry delay, job timeout, step timeout) run on the deps' Clock: with a
 * ManualClock, minutes pass when the test advances it, and nothing waits in real time (a real
 * wait here would outlast the test's timeout by far).
 */
function start(job: Job, signal = new AbortController().signal) {
  const clock = new ManualClock(0);
  const deps = testDeps({ clock });
  const p = plan(pipeline({ job }), { event: "push", branch: "main" });
  const planned = p.jobs[0]!;
  const result = runJob(
    planned,
    {
      runId: "run_1",
      workdir: deps.home,
      env: planned.env,
      facts: p.facts,
      needs: {},
      artifacts: [],
    },
    deps,
    signal,
  );
  return { clock, deps, result };
}

const sleeper = () => `600.${Math.floor(Math.random() * 1e6)}`;

describe("runJob on a manual clock", () => {
  it("a step retried with a 10-minute delay completes when the clock advances, without waiting", async () => {
    const { clock, result } = start({
      steps: [
        {
          run: 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "try $n"; [ "$n" -ge 3 ]',
          retry: { max: 3, delay: "10m" },
        },
      ],
    });
    for (let delay = 1; delay <= 2; delay++) {
      // The attempt failed and the step now sleeps on the clock.
      await clock.untilPending(1);
      clock.advance(10 * 60_000);
    }
    const done = await result;
    expect(done.status).toBe("success");
    expect(done.steps[0]?.attempts).toBe(3);
    expect(clock.now()).toBe(20 * 60_000);
    expect(readFileSync(done.steps[0]!.logPath!, "utf8")).toContain(
      "try 1\n[sluice] attempt 1 failed (exit code 1); retrying in 10m\ntry 2\n",
    );
  });

  it("a cancel during a retry delay ends the step at once and leaves no timer", async () => {
    const controller = new AbortController();
    const { clock, result } = start(
      { steps: [{ run: "exit 1", retry: { max: 5, delay: "1h" } }] },
      controller.signal,
    );
    await clock.untilPending(1);
    controller.abort();
    const done = await result;
    expect(done.status).toBe("cancelled");
    expect(done.steps[0]).toMatchObject({ status: "failure", attempts: 1 });
    expect(clock.pending()).toBe(0);
  });

  it("a job timeout fires when the clock reaches it and stops the running step", async () => {
    const m = sleeper();
    const { clock, result } = start({
      timeout: "1h",
      // The step's own (longer) timeout is a second timer: two pending means the step's process runs.
      steps: [{ run: `sleep ${m}`, timeout: "2h" }, { run: "echo after" }],
    });
    await clock.untilPending(2);
    clock.advance(59 * 60_000);
    expect(clock.pending()).toBe(2);
    clock.advance(60_000);
    const done = await result;
    expect(done.status).toBe("failure");
    expect(done.error).toBe("the job timed out after 1h");
    expect(done.steps.map((s) => s.status)).toEqual(["failure", "skipped"]);
    expect(survivors(m)).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it("a built-in step's timeout fires on the clock", async () => {
    const clock = new ManualClock(0);
    const steps = createStepRegistry();
    steps.register(
      "test/wait",
      ({ signal }) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () =>
            resolve({ status: "success" }),
          ),
        ),
    );
    const deps = testDeps({ clock, steps });
    const p = plan(
      pipeline({ job: { steps: [{ uses: "test/wait", timeout: "10m" }] } }),
      { event: "push", branch: "main" },
    );
    const planned = p.jobs[0]!;
    const result = runJob(
      planned,
      {
        runId: "run_1",
        workdir: deps.home,
        env: planned.env,
        facts: p.facts,
        needs: {},
        artifacts: [],
      },
      deps,
      new AbortController().signal,
    );
    await clock.untilPending(1);
    clock.advance(10 * 60_000);
    const done = await result;
    expect(done.steps[0]).toMatchObject({
      status: "failure",
      error: "timed out after 10m",
    });
  });
});
