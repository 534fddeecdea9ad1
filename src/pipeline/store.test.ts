import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { testDatabases } from "../../test/support/databases.js";
import type { Database } from "../store/index.js";
import { createRunStore } from "./store.js";
import type { RunStore } from "./store.js";
import { newRun, t0 } from "./store.testkit.js";

describe.each(testDatabases)("RunStore on $name", ({ open }) => {
  let database: Database;
  let clock: ManualClock;
  let store: RunStore;

  beforeEach(async () => {
    database = await open();
    clock = new ManualClock(t0);
    store = createRunStore(database, { clock });
  });
  afterEach(async () => {
    await database.close();
  });

  it("records a run for a change with its jobs and steps in plan order", async () => {
    const run = await store.createRun(newRun());
    expect(run.status).toBe("queued");
    const jobs = await store.addJobs(run.id, [
      { key: "build", name: "build", needs: [], steps: ["npm ci", "build"] },
      {
        key: "test",
        name: "test",
        needs: ["build"],
        steps: ["npm test"],
        concurrencyGroup: "ci-main",
      },
    ]);
    const detail = await store.getRun(run.id);
    expect(detail).toMatchObject({
      id: run.id,
      status: "queued",
      commit: "a".repeat(40),
      branch: "main",
      author: "Ada",
      authorEmail: "ada@example.com",
      trailers: { "Co-authored-by": ["Bot <bot@example.com>"] },
      createdAt: new Date(t0),
    });
    expect(detail.jobs.map((j) => [j.key, j.needs, j.status])).toEqual([
      ["build", [], "pending"],
      ["test", ["build"], "pending"],
    ]);
    expect(detail.jobs[0]!.steps.map((s) => [s.position, s.name])).toEqual([
      [0, "npm ci"],
      [1, "build"],
    ]);
    expect(jobs.get("test")!.concurrencyGroup).toBe("ci-main");
  });

  it("updates statuses, times, exit codes, cache hits and log paths", async () => {
    const run = await store.createRun(newRun());
    const jobs = await store.addJobs(run.id, [
      { key: "build", name: "build", needs: [], steps: ["npm ci"] },
    ]);
    const job = jobs.get("build")!;
    await store.startRun(run.id);
    clock.advance(1000);
    await store.updateJob(job.id, {
      status: "running",
      startedAt: new Date(clock.now()),
    });
    await store.updateStep(job.id, 0, {
      status: "success",
      exitCode: 0,
      cache: "exact",
      attempts: 1,
      logPath: "/logs/run/build/0.log",
      logBytes: 12,
      startedAt: new Date(clock.now()),
      finishedAt: new Date(clock.now() + 250),
    });
    await store.updateJob(job.id, {
      status: "success",
      outputs: { version: "1.2.3" },
      finishedAt: new Date(clock.now() + 300),
    });
    clock.advance(500);
    await store.finishRun(run.id, "success");
    const detail = await store.getRun(run.id);
    expect(detail.status).toBe("success");
    expect(detail.startedAt).toEqual(new Date(t0));
    expect(detail.finishedAt).toEqual(new Date(t0 + 1500));
    expect(detail.jobs[0]).toMatchObject({
      status: "success",
      outputs: { version: "1.2.3" },
    });
    expect(detail.jobs[0]!.steps[0]).toMatchObject({
      status: "success",
      exitCode: 0,
      cache: "exact",
      attempts: 1,
      logPath: "/logs/run/build/0.log",
      logBytes: 12,
    });
  });

  it("closes open jobs and steps when a run is cancelled", async () => {
    const run = await store.createRun(newRun());
    const jobs = await store.addJobs(run.id, [
      { key: "a", name: "a", needs: [], steps: ["one", "two"] },
      { key: "b", name: "b", needs: ["a"], steps: ["three"] },
    ]);
    await store.startRun(run.id);
    await store.updateJob(jobs.get("a")!.id, { status: "running" });
    await store.updateStep(jobs.get("a")!.id, 0, { status: "success" });
    await store.updateStep(jobs.get("a")!.id, 1, { status: "running" });
    await store.finishRun(run.id, "cancelled", "Ctrl-C");
    const detail = await store.getRun(run.id);
    expect(detail.reason).toBe("Ctrl-C");
    expect(detail.jobs.map((j) => j.status)).toEqual([
      "cancelled",
      "cancelled",
    ]);
    expect(detail.jobs[0]!.steps.map((s) => s.status)).toEqual([
      "success",
      "cancelled",
    ]);
  });

  it("lists runs newest first with filters", async () => {
    const first = await store.createRun(newRun());
    clock.advance(10);
    const second = await store.createRun(
      newRun({ change: { branch: "feature" } }),
    );
    clock.advance(10);
    const third = await store.createRun(newRun({ project: "other" }));
    await store.finishRun(first.id, "failure");
    expect((await store.listRuns()).map((r) => r.id)).toEqual([
      third.id,
      second.id,
      first.id,
    ]);
    expect(
      (await store.listRuns({ project: "checkout" })).map((r) => r.id),
    ).toEqual([second.id, first.id]);
    expect(
      (await store.listRuns({ branch: "feature" })).map((r) => r.id),
    ).toEqual([second.id]);
    expect(
      (await store.listRuns({ status: "failure" })).map((r) => r.id),
    ).toEqual([first.id]);
    expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual([
      third.id,
    ]);
  });

  it("counts runs by status and the jobs queued for a runner", async () => {
    expect(await store.counts()).toEqual({ runs: {}, queuedJobs: 0 });
    const done = await store.createRun(newRun());
    await store.finishRun(done.id, "success");
    const waiting = await store.createRun(newRun());
    const jobs = await store.addJobs(waiting.id, [
      { key: "a", name: "a", needs: [], steps: ["one"] },
      { key: "b", name: "b", needs: [], steps: ["two"] },
    ]);
    await store.startRun(waiting.id);
    await store.markQueued([jobs.get("a")!.id]);
    expect(await store.counts()).toEqual({
      runs: { success: 1, running: 1 },
      queuedJobs: 1,
    });
  });

  it("finds a run by a unique prefix or `last`, and says when it cannot", async () => {
    const run = await store.createRun(newRun());
    clock.advance(5);
    const later = await store.createRun(newRun());
    expect((await store.getRun(run.id.slice(0, -3))).id).toBe(run.id);
    expect((await store.getRun("last")).id).toBe(later.id);
    await expect(store.getRun("run_")).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(store.getRun("run_nope")).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "run run_nope not found",
    });
  });

  it("marks runs of dead owners interrupted and leaves live ones alone", async () => {
    const dead = await store.createRun(newRun({ ownerPid: 111 }));
    const alive = await store.createRun(newRun({ ownerPid: 222 }));
    const elsewhere = await store.createRun(
      newRun({ ownerPid: 111, ownerHost: "other-machine" }),
    );
    const done = await store.createRun(newRun({ ownerPid: 111 }));
    await store.addJobs(dead.id, [
      { key: "a", name: "a", needs: [], steps: ["s"] },
    ]);
    await store.startRun(dead.id);
    await store.finishRun(done.id, "success");
    const changed = await store.markInterrupted("laptop", (pid) => pid === 222);
    expect(changed).toEqual([dead.id]);
    const detail = await store.getRun(dead.id);
    expect(detail.status).toBe("interrupted");
    expect(detail.reason).toContain("111");
    expect(detail.jobs[0]!.status).toBe("interrupted");
    expect(detail.jobs[0]!.steps[0]!.status).toBe("interrupted");
    expect((await store.getRun(alive.id)).status).toBe("queued");
    expect((await store.getRun(elsewhere.id)).status).toBe("queued");
    expect((await store.getRun(done.id)).status).toBe("success");
  });

  it("appends a step the plan did not know of", async () => {
    const run = await store.createRun(newRun());
    const jobs = await store.addJobs(run.id, [
      { key: "a", name: "a", needs: [], steps: ["s"] },
    ]);
    expect(await store.appendStep(jobs.get("a")!.id, "extra")).toBe(1);
    const detail = await store.getRun(run.id);
    expect(detail.jobs[0]!.steps.map((s) => s.name)).toEqual(["s", "extra"]);
  });
});

describe.each(testDatabases)("RunStore.recorder on $name", ({ open }) => {
  it("records what the pipeline reports, by job key", async () => {
    const database = await open();
    try {
      const clock = new ManualClock(t0);
      const store = createRunStore(database, { clock });
      const run = await store.createRun(newRun());
      const rows = await store.addJobs(run.id, [
        {
          key: "test (node: 20)",
          name: "test",
          needs: [],
          steps: ["npm test"],
        },
      ]);
      const recorder = store.recorder(
        new Map([...rows].map(([key, row]) => [key, row.id])),
      );
      await recorder.jobStarted("test (node: 20)");
      await recorder.stepStarted("test (node: 20)", 0, "npm test");
      clock.advance(2000);
      await recorder.stepFinished("test (node: 20)", 0, {
        status: "failure",
        exitCode: 3,
        attempts: 2,
        logPath: "/l/0.log",
      });
      await recorder.jobFinished("test (node: 20)", {
        status: "failure",
        outputs: {},
      });
      const detail = await store.getRun(run.id);
      expect(detail.jobs[0]).toMatchObject({
        status: "failure",
        startedAt: new Date(t0),
        finishedAt: new Date(t0 + 2000),
      });
      expect(detail.jobs[0]!.steps[0]).toMatchObject({
        status: "failure",
        exitCode: 3,
        attempts: 2,
        cache: null,
        startedAt: new Date(t0),
        finishedAt: new Date(t0 + 2000),
      });
      await expect(recorder.jobStarted("nope")).rejects.toMatchObject({
        code: "INTERNAL",
      });
    } finally {
      await database.close();
    }
  });
});
