import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PipelineConfig } from "../config/index.js";
import { silentLogger, systemClock } from "../kernel/index.js";
import { createRunStore } from "./store.js";
import type { RunStore } from "./store.js";
import type { Database } from "../store/index.js";
import { testDatabases } from "../../test/support/databases.js";
import { Masker } from "./logs/masker.js";
import { plan } from "./plan.js";
import { createStepRegistry } from "./registry.js";
import { startPipelineRuntime } from "./queue/runtime.js";
import type { PipelineRuntime } from "./queue/runtime.js";
import { selectJob } from "./plan.js";

const config = (jobs: PipelineConfig["jobs"]): PipelineConfig => ({
  name: "svc",
  jobs,
});

describe("selectJob", () => {
  const planned = plan(
    config({
      a: { steps: [{ run: "true" }] },
      b: { needs: ["a"], steps: [{ run: "true" }] },
      c: { needs: ["b"], steps: [{ run: "true" }] },
      d: { steps: [{ run: "true" }] },
    }),
    { event: "push" },
  );
  it.each([
    [undefined, ["a", "d", "b", "c"]],
    ["a", ["a"]],
    ["c", ["a", "b", "c"]],
    ["d", ["d"]],
  ])("--job %s keeps %j", (only, keys) => {
    expect(selectJob(planned, only).jobs.map((j) => j.key)).toEqual(keys);
  });
  it("names the jobs when the one asked for does not exist", () => {
    expect(() => selectJob(planned, "e")).toThrow(
      "no job e in this pipeline (jobs: a, d, b, c)",
    );
  });
});

describe.each(testDatabases)("RunService on $name", ({ open }) => {
  let database: Database;
  let store: RunStore;
  let runtime: PipelineRuntime;
  let home: string;
  // A built-in step that holds its run until `approved` (as the gate does until approvals).
  let approved: boolean;

  beforeEach(async () => {
    approved = false;
    const steps = createStepRegistry();
    steps.register("test/hold", async () =>
      approved
        ? { status: "success" }
        : { status: "held", message: "waits for a person" },
    );
    database = await open();
    store = createRunStore(database, { clock: systemClock });
    home = mkdtempSync(join(tmpdir(), "sluice-runs-"));
    runtime = await startPipelineRuntime({
      home,
      database,
      store,
      clock: systemClock,
      logger: silentLogger,
      steps,
      masker: new Masker(),
      baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      runnerId: "embedded-test",
      capacity: 2,
      grace: { interruptMs: 200, terminateMs: 200 },
    });
  });
  afterEach(async () => {
    await runtime.close();
    await database.close();
  });

  const request = (
    jobs: PipelineConfig["jobs"],
    signal = new AbortController().signal,
  ) => ({
    project: "svc",
    trigger: "local",
    workdir: home,
    config: config(jobs),
    facts: { event: "push" as const, branch: "main" },
    change: { branch: "main", commit: "c".repeat(40) },
    maxParallel: 2,
    signal,
    owner: { pid: process.pid, host: "test" },
  });

  it("records a run through the queue, with logs, exit codes and a failure", async () => {
    const outcome = await runtime.runs.run(
      request({
        build: { steps: [{ run: "echo built" }] },
        test: { needs: ["build"], steps: [{ run: "echo oops; exit 3" }] },
        deploy: { needs: ["test"], steps: [{ run: "true" }] },
      }),
    );
    expect(outcome.result.status).toBe("failure");
    const detail = await store.getRun(outcome.runId);
    expect(detail).toMatchObject({
      status: "failure",
      branch: "main",
      ownerPid: process.pid,
      reason: expect.stringContaining("test"),
    });
    expect(
      detail.jobs.map((j) => [
        j.key,
        j.status,
        j.steps[0]!.status,
        j.steps[0]!.exitCode,
      ]),
    ).toEqual([
      ["build", "success", "success", 0],
      ["test", "failure", "failure", 3],
      ["deploy", "skipped", "skipped", null],
    ]);
    expect(detail.jobs[0]!.steps[0]!.logPath).toContain(home);
  });

  it("records a cancelled run when its signal fires mid-step", async () => {
    const controller = new AbortController();
    const running = runtime.runs.run(
      request(
        { slow: { steps: [{ run: "echo started; sleep 30" }] } },
        controller.signal,
      ),
    );
    // Wait until the step is running, then cancel.
    for (;;) {
      const [run] = await store.listRuns({ limit: 1 });
      if (run) {
        const detail = await store.getRun(run.id);
        if (detail.jobs[0]?.steps[0]?.status === "running") break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    const outcome = await running;
    expect(outcome.result.status).toBe("cancelled");
    const detail = await store.getRun(outcome.runId);
    expect(detail.status).toBe("cancelled");
    expect(detail.jobs[0]!.status).toBe("cancelled");
  });

  it("a held step holds the run with its plan and no process; a resume runs from the held job on, once", async () => {
    const outcome = await runtime.runs.run(
      request({
        build: { steps: [{ run: "echo built >> built.txt" }] },
        gate: { needs: ["build"], steps: [{ uses: "test/hold" }] },
        deploy: { needs: ["gate"], steps: [{ run: "echo deployed" }] },
      }),
    );
    expect(outcome.result.status).toBe("held");
    const held = await store.getRun(outcome.runId);
    expect(held).toMatchObject({
      status: "held",
      finishedAt: null,
      ownerPid: null,
      reason: "held: gate (waits for a person)",
    });
    expect(held.jobs.map((j) => [j.key, j.status, j.steps[0]!.status])).toEqual(
      [
        ["build", "success", "success"],
        ["gate", "held", "held"],
        ["deploy", "pending", "pending"],
      ],
    );
    approved = true;
    const resume = () =>
      runtime.runs.resume({
        runId: outcome.runId,
        checkout: home,
        maxParallel: 2,
        signal: new AbortController().signal,
        owner: { pid: process.pid, host: "test" },
      });
    const resumed = await resume();
    expect(resumed.result.status).toBe("success");
    const done = await store.getRun(outcome.runId);
    expect(done.status).toBe("success");
    expect(done.jobs.map((j) => [j.key, j.status])).toEqual([
      ["build", "success"],
      ["gate", "success"],
      ["deploy", "success"],
    ]);
    // The build ran once: a resume keeps what ended before the hold.
    expect(readFileSync(join(home, "built.txt"), "utf8")).toBe("built\n");
    await expect(resume()).rejects.toThrow(
      `run ${outcome.runId} is not held (it is success); only a held run can be resumed`,
    );
  });

  it("a hand-back stops the running job and records the run queued with its plan and no process; the run continues from there, its ended jobs kept", async () => {
    const go = join(home, "go");
    const wait = `echo waiting >> waits.txt; while [ ! -f ${go} ]; do sleep 0.05; done`;
    const handBack = new AbortController();
    const running = runtime.runs.run({
      ...request({
        build: { steps: [{ run: "echo built >> built.txt" }] },
        long: { needs: ["build"], steps: [{ run: wait }] },
        after: { needs: ["long"], steps: [{ run: "echo after" }] },
      }),
      handBack: handBack.signal,
    });
    await vi.waitFor(
      () => expect(existsSync(join(home, "waits.txt"))).toBe(true),
      { timeout: 60_000, interval: 50 },
    );
    handBack.abort();
    await expect(running).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.stringContaining("handed it back"),
    });
    const [runId] = await store.handedBackRuns("test");
    expect(await store.handedBackRuns("elsewhere")).toEqual([]);
    const back = await store.getRun(runId!);
    expect(back).toMatchObject({
      status: "queued",
      ownerPid: null,
      finishedAt: null,
      reason: expect.stringContaining("handed back"),
    });
    expect(back.jobs.map((j) => [j.key, j.status, j.steps[0]!.status])).toEqual(
      [
        ["build", "success", "success"],
        ["long", "pending", "pending"],
        ["after", "pending", "pending"],
      ],
    );
    // Only a continuation from `queued` takes it, and only once.
    const resume = (from?: "queued") =>
      runtime.runs.resume({
        runId: runId!,
        from,
        checkout: home,
        maxParallel: 2,
        signal: new AbortController().signal,
        owner: { pid: process.pid, host: "test" },
      });
    await expect(resume()).rejects.toMatchObject({ code: "CONFLICT" });
    writeFileSync(go, "");
    expect((await resume("queued")).result.status).toBe("success");
    expect((await store.getRun(runId!)).status).toBe("success");
    expect(readFileSync(join(home, "built.txt"), "utf8")).toBe("built\n");
    expect(readFileSync(join(home, "waits.txt"), "utf8")).toBe(
      "waiting\nwaiting\n",
    );
    expect(await store.handedBackRuns("test")).toEqual([]);
    await expect(resume("queued")).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("records nothing for a plan that cannot be made", async () => {
    await expect(
      runtime.runs.run(
        request({ a: { needs: ["missing"], steps: [{ run: "true" }] } }),
      ),
    ).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    expect(await store.listRuns()).toEqual([]);
  });
});
