import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Job } from "../config/index.js";
import { pipeline, survivors, testDeps } from "./engine.testkit.js";
import { runJob } from "./job-runner.js";
import { plan } from "./plan.js";
import type { JobDeps, JobInput } from "./ports.js";

async function runOne(
  job: Job,
  options: {
    deps?: JobDeps & ReturnType<typeof testDeps>;
    env?: Record<string, string>;
    signal?: AbortSignal;
    input?: Partial<JobInput>;
  } = {},
) {
  const deps = options.deps ?? testDeps();
  const p = plan(pipeline({ job }, { env: options.env }), {
    event: "push",
    branch: "main",
  });
  const planned = p.jobs[0]!;
  const result = await runJob(
    planned,
    {
      runId: "run_1",
      workdir: deps.home,
      env: planned.env,
      facts: p.facts,
      needs: {},
      artifacts: [],
      ...options.input,
    },
    deps,
    options.signal ?? new AbortController().signal,
  );
  return {
    result,
    deps,
    log: (i: number) => readFileSync(result.steps[i]!.logPath!, "utf8"),
  };
}

describe("runJob", () => {
  it("merges env at three levels (step wins) and adds sluice's variables", async () => {
    const { result, log } = await runOne(
      {
        env: { B: "job", C: "job" },
        steps: [
          {
            run: 'echo "$A $B $C $SLUICE_JOB $SLUICE_BRANCH $CI"',
            env: { C: "step" },
          },
        ],
      },
      { env: { A: "pipeline", B: "pipeline" } },
    );
    expect(result.status).toBe("success");
    expect(log(0)).toBe("pipeline job step job main true\n");
  });

  it("parses outputs from $SLUICE_OUTPUT and passes $SLUICE_ENV to later steps", async () => {
    const { result, log } = await runOne({
      outputs: {
        version: "${{ steps.meta.outputs.version }}",
        notes: "${{ steps.meta.outputs.notes }}",
      },
      steps: [
        {
          id: "meta",
          run: 'echo "version=1.2.3" >> "$SLUICE_OUTPUT"\nprintf "notes<<EOF\\nline 1\\nline 2\\nEOF\\n" >> "$SLUICE_OUTPUT"\necho "FROM_STEP=yes" >> "$SLUICE_ENV"',
        },
        { run: 'echo "$FROM_STEP ${{ steps.meta.outputs.version }}"' },
      ],
    });
    expect(result.status).toBe("success");
    expect(result.outputs).toEqual({
      version: "1.2.3",
      notes: "line 1\nline 2",
    });
    expect(result.steps[0]?.outputs).toEqual({
      version: "1.2.3",
      notes: "line 1\nline 2",
    });
    expect(log(1)).toBe("yes 1.2.3\n");
  });

  it("records exit codes, skips later steps after a failure and runs always() steps", async () => {
    const { result, deps } = await runOne({
      steps: [
        { run: "exit 3" },
        { run: "echo not reached" },
        { run: "echo cleanup", if: "always()" },
        { run: "echo on failure", if: "failure()" },
      ],
    });
    expect(result.status).toBe("failure");
    expect(result.error).toBe("exit code 3");
    expect(result.steps.map((s) => s.status)).toEqual([
      "failure",
      "skipped",
      "success",
      "success",
    ]);
    expect(deps.recorder.events).toEqual([
      "job job started",
      "step job#0 exit 3 started",
      "step job#0 failure attempts 1 exit 3",
      "step job#1 echo not reached started",
      "step job#1 skipped attempts 0",
      "step job#2 echo cleanup started",
      "step job#2 success attempts 1 exit 0",
      "step job#3 echo on failure started",
      "step job#3 success attempts 1 exit 0",
      "job job failure",
    ]);
  });

  it("a cancel stops the running step; always() steps still run, others are skipped", async () => {
    const m = `600.${Math.floor(Math.random() * 1e6)}`;
    const controller = new AbortController();
    const deps = testDeps();
    const running = runOne(
      {
        steps: [
          { run: `touch started; sleep ${m}` },
          { run: "echo not reached" },
          { run: 'echo "cleanup after ${{ job.status }}"', if: "always()" },
          { run: 'echo "cancelled() is true"', if: "cancelled()" },
        ],
      },
      { deps, signal: controller.signal },
    );
    while (!existsSync(join(deps.home, "started")))
      await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const { result, log } = await running;
    expect(result.status).toBe("cancelled");
    expect(result.steps.map((s) => s.status)).toEqual([
      "cancelled",
      "skipped",
      "success",
      "success",
    ]);
    expect(log(2)).toBe("cleanup after cancelled\n");
    expect(survivors(m)).toEqual([]);
  });

  it("retries a failing step until it passes", async () => {
    const { result, log } = await runOne({
      steps: [
        {
          run: 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "try $n"; [ "$n" -ge 3 ]',
          retry: { max: 3, delay: "10ms" },
        },
      ],
    });
    expect(result.status).toBe("success");
    expect(result.steps[0]?.attempts).toBe(3);
    expect(log(0)).toContain(
      "try 1\n[sluice] attempt 1 failed (exit code 1); retrying in 10ms\ntry 2\n",
    );
  });

  it("gives up after the last retry", async () => {
    const { result } = await runOne({ steps: [{ run: "exit 1", retry: 2 }] });
    expect(result.steps[0]).toMatchObject({
      status: "failure",
      attempts: 3,
      exitCode: 1,
    });
  });

  it("continue-on-error lets the job go on and succeed", async () => {
    const { result } = await runOne({
      steps: [
        { id: "flaky", run: "exit 1", "continue-on-error": true },
        {
          run: "echo ${{ steps.flaky.outcome }}/${{ steps.flaky.conclusion }}",
        },
      ],
    });
    expect(result.status).toBe("success");
    expect(result.steps.map((s) => s.status)).toEqual(["failure", "success"]);
    expect(result.steps[0]?.continuedOnError).toBe(true);
    expect(readFileSync(result.steps[1]!.logPath!, "utf8")).toBe(
      "failure/success\n",
    );
  });

  it("a step timeout fails the step and kills its grandchildren", async () => {
    const m = `600.${Math.floor(Math.random() * 1e6)}`;
    const { result } = await runOne({
      steps: [{ run: `sh -c 'sleep ${m} & sleep ${m}'`, timeout: "300ms" }],
    });
    expect(result.steps[0]).toMatchObject({
      status: "failure",
      error: "timed out after 300ms",
    });
    expect(survivors(m)).toEqual([]);
  });

  it("a job timeout fails the job and stops its running step", async () => {
    const m = `600.${Math.floor(Math.random() * 1e6)}`;
    const { result } = await runOne({
      timeout: "300ms",
      steps: [{ run: `sleep ${m}` }, { run: "echo after" }],
    });
    expect(result.status).toBe("failure");
    expect(result.error).toBe("the job timed out after 300ms");
    expect(result.steps.map((s) => s.status)).toEqual(["failure", "skipped"]);
    expect(survivors(m)).toEqual([]);
  });

  it("a missing shell and a missing working directory are step failures", async () => {
    const { result } = await runOne({
      steps: [
        {
          run: "echo hi",
          shell: "no-such-shell-xyz",
          "continue-on-error": true,
        },
        { run: "echo hi", "working-directory": "does/not/exist" },
      ],
    });
    expect(result.steps[0]).toMatchObject({
      status: "failure",
      error: "shell no-such-shell-xyz not found",
      attempts: 1,
    });
    expect(result.steps[1]?.error).toMatch(
      /^working directory .*does\/not\/exist does not exist$/,
    );
    expect(result.status).toBe("failure");
  });

  it("ends background processes a step left behind when the job ends", async () => {
    const m = `600.${Math.floor(Math.random() * 1e6)}`;
    const { result } = await runOne({
      steps: [
        { run: `sleep ${m} > /dev/null 2>&1 &` },
        { run: `pgrep -f "sleep ${m}" > /dev/null` },
      ],
    });
    // The background process is still there for the next step, and gone after the job.
    expect(result.steps.map((s) => s.status)).toEqual(["success", "success"]);
    expect(survivors(m)).toEqual([]);
  });

  it("masks registered secrets in step logs", async () => {
    const deps = testDeps();
    deps.masker.add("hunter2-secret");
    const { result } = await runOne(
      {
        steps: [
          {
            run: 'echo "pw=hunter2-secret"; printf "%s" "u:hunter2-secret" | base64',
          },
        ],
      },
      { deps },
    );
    const text = readFileSync(result.steps[0]!.logPath!, "utf8");
    expect(text).not.toContain("hunter2-secret");
    expect(text).toContain("pw=***");
    expect(text).not.toContain(
      Buffer.from("u:hunter2-secret").toString("base64").slice(4, 16),
    );
  });

  it("a step can register a value to mask with ::add-mask::", async () => {
    const { result, log } = await runOne({
      steps: [
        {
          run: 'T="tok-$((6*7))-abcdef"; echo "::add-mask::$T"; echo "token is $T"',
        },
        { run: 'echo "later tok-42-abcdef"' },
      ],
    });
    expect(result.status).toBe("success");
    expect(log(0)).toBe("::add-mask::***\ntoken is ***\n");
    expect(log(1)).toBe("later ***\n");
  });

  it("streams a large output to the file without holding it in memory", async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const { result } = await runOne({
      steps: [
        { run: "head -c 200000000 /dev/zero | tr '\\0' 'a'; echo; echo done" },
      ],
    });
    clearInterval(sampler);
    expect(result.status).toBe("success");
    // Buffering 200 MB of output (as UTF-16 strings) would add far more than this.
    expect(peak - before).toBeLessThan(120_000_000);
    const { size } = statSync(result.steps[0]!.logPath!);
    expect(size).toBe(200_000_000 + "\ndone\n".length);
  });

  it("runs built-in steps from the registry with interpolated inputs", async () => {
    const deps = testDeps();
    deps.steps = {
      get: (name) =>
        name === "sluice/echo"
          ? async (ctx) => {
              ctx.log(`saying ${String(ctx.with.text)}`);
              return {
                status: "success",
                outputs: { said: String(ctx.with.text) },
              };
            }
          : undefined,
    };
    const { result, log } = await runOne(
      {
        outputs: { said: "${{ steps.e.outputs.said }}" },
        steps: [
          { id: "e", uses: "sluice/echo", with: { text: "hi ${{ branch }}" } },
          { uses: "sluice/missing" },
        ],
      },
      { deps },
    );
    expect(log(0)).toBe("saying hi main\n");
    expect(result.outputs).toEqual({ said: "hi main" });
    expect(result.steps[1]).toMatchObject({
      status: "failure",
      error: "unknown built-in step sluice/missing",
    });
  });
});
