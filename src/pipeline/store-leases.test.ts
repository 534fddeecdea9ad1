import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { testDatabases } from "../../test/support/databases.js";
import type { Database } from "../store/index.js";
import { createRunStore } from "./store.js";
import type { RunStore } from "./store.js";
import { newRun, t0 } from "./store.testkit.js";

describe.each(testDatabases)("RunStore leases on $name", ({ open }) => {
  let database: Database;
  let store: RunStore;

  beforeEach(async () => {
    database = await open();
    store = createRunStore(database, { clock: new ManualClock(t0) });
  });
  afterEach(async () => {
    await database.close();
  });

  it("holds, renews, expires and requeues job leases", async () => {
    const run = await store.createRun(newRun());
    const jobs = await store.addJobs(run.id, [
      { key: "a", name: "a", needs: [], steps: ["s"] },
    ]);
    const job = jobs.get("a")!;
    await store.leaseJob(job.id, {
      leaseId: "lease-1",
      runner: "embedded",
      expiresAt: new Date(t0 + 1000),
    });
    await store.updateStep(job.id, 0, { status: "running" });
    expect(await store.expiredLeases(new Date(t0 + 500))).toEqual([]);
    expect(await store.renewLease("lease-1", new Date(t0 + 2000))).toBe(true);
    expect(await store.expiredLeases(new Date(t0 + 1500))).toEqual([]);
    expect(await store.expiredLeases(new Date(t0 + 2500))).toEqual([
      { jobId: job.id, runId: run.id, leaseId: "lease-1", infraRetries: 0 },
    ]);
    expect(await store.requeueJob(job.id, "lease-1", "runner lost")).toBe(true);
    // A second janitor (or the late runner) loses the race.
    expect(await store.requeueJob(job.id, "lease-1", "runner lost")).toBe(
      false,
    );
    expect(await store.renewLease("lease-1", new Date(t0 + 9000))).toBe(false);
    const detail = await store.getRun(run.id);
    expect(detail.jobs[0]).toMatchObject({
      status: "queued",
      infraRetries: 1,
      leaseId: null,
      reason: "runner lost",
    });
    expect(detail.jobs[0]!.steps[0]!.status).toBe("pending");
  });

  it("completes a leased job in one step, only while the lease is held", async () => {
    const run = await store.createRun(newRun());
    const job = (
      await store.addJobs(run.id, [
        { key: "a", name: "a", needs: [], steps: ["s"] },
      ])
    ).get("a")!;
    await store.leaseJob(job.id, {
      leaseId: "lease-2",
      runner: "embedded",
      expiresAt: new Date(t0 + 1000),
    });
    const outcome = {
      status: "success" as const,
      outputs: { v: "1" },
      reason: null,
      finishedAt: new Date(t0 + 50),
    };
    expect(await store.completeLease("lease-2", outcome)).toBe(true);
    expect(await store.completeLease("lease-2", outcome)).toBe(false);
    const detail = await store.getRun(run.id);
    expect(detail.jobs[0]).toMatchObject({
      status: "success",
      outputs: { v: "1" },
      leaseId: null,
      leasedBy: null,
      finishedAt: new Date(t0 + 50),
    });
  });

  it("claims jobs in a batch and writes a job's steps with its outcome in one statement", async () => {
    const run = await store.createRun(newRun());
    const rows = await store.addJobs(run.id, [
      { key: "a", name: "a", needs: [], steps: ["s0", "s1"] },
      { key: "b", name: "b", needs: [], steps: ["s0"] },
      { key: "c", name: "c", needs: [], steps: ["s0"] },
    ]);
    const [a, b, c] = ["a", "b", "c"].map((key) => rows.get(key)!.id);
    await store.leaseJobs([
      {
        jobId: a!,
        leaseId: "la",
        runner: "r",
        expiresAt: new Date(t0 + 1000),
      },
      {
        jobId: b!,
        leaseId: "lb",
        runner: "r",
        expiresAt: new Date(t0 + 1000),
      },
    ]);
    // Only a job still pending shows as queued; a claimed one stays running.
    await store.markQueued([a!, c!]);
    await store.updateSteps(a!, [
      { position: 0, status: "running", startedAt: new Date(t0 + 10) },
    ]);
    const done = {
      status: "success" as const,
      outputs: { v: "1" },
      reason: null,
      finishedAt: new Date(t0 + 90),
    };
    expect(
      await store.completeLease("la", done, [
        {
          position: 0,
          status: "success",
          exitCode: 0,
          cache: "miss",
          attempts: 1,
          logPath: "/l/0.log",
          finishedAt: new Date(t0 + 50),
        },
        {
          position: 1,
          status: "skipped",
          attempts: 0,
          startedAt: new Date(t0 + 60),
          finishedAt: new Date(t0 + 60),
        },
      ]),
    ).toBe(true);
    // A lost lease writes neither the job nor its steps.
    expect(
      await store.completeLease("la", { ...done, status: "failure" }, [
        { position: 0, status: "failure", exitCode: 9 },
      ]),
    ).toBe(false);
    const detail = await store.getRun(run.id);
    expect(detail.jobs.map((j) => [j.key, j.status, j.leaseId])).toEqual([
      ["a", "success", null],
      ["b", "running", "lb"],
      ["c", "queued", null],
    ]);
    expect(detail.jobs[0]).toMatchObject({
      outputs: { v: "1" },
      startedAt: new Date(t0),
      finishedAt: new Date(t0 + 90),
    });
    expect(detail.jobs[0]!.steps).toMatchObject([
      {
        status: "success",
        exitCode: 0,
        cache: "miss",
        attempts: 1,
        logPath: "/l/0.log",
        // Not in the last report: kept from the one before.
        startedAt: new Date(t0 + 10),
        finishedAt: new Date(t0 + 50),
      },
      {
        status: "skipped",
        exitCode: null,
        attempts: 0,
        startedAt: new Date(t0 + 60),
      },
    ]);
    expect(detail.jobs[1]!.steps[0]!.status).toBe("pending");
  });
});
