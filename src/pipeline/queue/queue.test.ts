import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../../kernel/index.js";
import { createRunStore } from "../store.js";
import type { RunStore } from "../store.js";
import type { Database } from "../../store/index.js";
import { testDatabases } from "../../../test/support/databases.js";
import type { JobInput, JobResult, PlannedJob } from "../ports.js";
import { EmbeddedRunner } from "./embedded-runner.js";
import type { LeaseExecutor } from "./embedded-runner.js";
import { QueueDispatcher } from "./dispatcher.js";
import { JobQueue } from "./job-queue.js";
import { RunnerService } from "./runner-service.js";

function plannedJob(key: string, group?: string): PlannedJob {
  return {
    key,
    id: key,
    name: key,
    needs: [],
    needIds: [],
    env: {},
    continueOnError: false,
    failFast: false,
    outputs: {},
    ...(group ? { concurrency: { group, cancelInProgress: false } } : {}),
    steps: [
      {
        position: 0,
        name: "true",
        run: "true",
        with: {},
        env: {},
        retry: { max: 0, delayMs: 0 },
        continueOnError: false,
      },
    ],
  };
}

const input = (runId: string): JobInput => ({
  runId,
  workdir: "/tmp",
  env: {},
  facts: { event: "manual" },
  needs: {},
  artifacts: [],
});

/** An executor that records the step and succeeds; `gate` holds jobs until released. */
function recordingExecutor(gate?: Promise<void>) {
  let active = 0;
  const seen = { maxActive: 0, attempts: [] as number[], keys: [] as string[] };
  const execute: LeaseExecutor = async (lease, { recorder, signal }) => {
    active++;
    seen.maxActive = Math.max(seen.maxActive, active);
    seen.attempts.push(lease.infraAttempt);
    seen.keys.push(lease.job.key);
    try {
      await recorder.jobStarted(lease.job.key);
      await recorder.stepStarted(lease.job.key, 0, "true");
      if (gate) {
        await Promise.race([
          gate,
          new Promise((resolve) => signal.addEventListener("abort", resolve)),
        ]);
      }
      if (signal.aborted) {
        return { status: "cancelled", outputs: {}, steps: [] } as JobResult;
      }
      await recorder.stepFinished(lease.job.key, 0, {
        status: "success",
        exitCode: 0,
        attempts: 1,
        cache: "miss",
      });
      return {
        status: "success",
        outputs: { attempt: String(lease.infraAttempt) },
        steps: [{ status: "success", exitCode: 0, attempts: 1, outputs: {} }],
      };
    } finally {
      active--;
    }
  };
  return { execute, seen };
}

describe.each(testDatabases)("job queue on $name", ({ open }) => {
  let database: Database;
  let store: RunStore;
  let queue: JobQueue;
  let service: RunnerService;
  let runners: EmbeddedRunner[];
  /** The queue's statements (pg-boss's SQL), to check what a dispatch costs. */
  let statements: string[];

  beforeEach(async () => {
    database = await open();
    store = createRunStore(database, { clock: systemClock });
    statements = [];
    queue = await JobQueue.start({
      executeSql: (text, values) => {
        statements.push(text);
        return database.executeSql(text, values);
      },
    });
    service = new RunnerService(queue, store, {
      clock: systemClock,
      logger: silentLogger,
      // Short enough for quick tests, long enough that a loaded machine still heartbeats in time.
      leaseMs: 1500,
      heartbeatMs: 100,
      sweepMs: 100,
    });
    service.start();
    runners = [];
  });
  afterEach(async () => {
    for (const runner of runners) await runner.stop();
    await service.stop();
    await queue.stop();
    await database.close();
  });

  function startRunner(
    execute: LeaseExecutor,
    capacity = 4,
    liveStepAfterMs?: number,
  ): EmbeddedRunner {
    const runner = new EmbeddedRunner(service, execute, {
      identity: { id: `embedded-${runners.length}`, labels: [] },
      capacity,
      idlePollMs: 5_000,
      logger: silentLogger,
      clock: systemClock,
      liveStepAfterMs,
    });
    service.onWork(() => runner.wake());
    service.onCancel((leaseId) => runner.cancel(leaseId));
    runner.start();
    runners.push(runner);
    return runner;
  }

  async function newRunWithJobs(keys: string[]) {
    const run = await store.createRun({
      project: "p",
      trigger: "manual",
      workdir: "/tmp",
      change: {},
    });
    const rows = await store.addJobs(
      run.id,
      keys.map((key) => ({ key, name: key, needs: [], steps: ["true"] })),
    );
    const ids = new Map([...rows].map(([key, row]) => [key, row.id]));
    return { run, dispatcher: new QueueDispatcher(service, run.id, ids) };
  }

  it("dispatches a job to the embedded runner and records its steps", async () => {
    const { execute } = recordingExecutor();
    startRunner(execute);
    const { run, dispatcher } = await newRunWithJobs(["build"]);
    const result = await dispatcher.dispatch(
      plannedJob("build"),
      input(run.id),
      new AbortController().signal,
    );
    expect(result.status).toBe("success");
    const detail = await store.getRun(run.id);
    expect(detail.jobs[0]).toMatchObject({
      status: "success",
      leaseId: null,
      infraRetries: 0,
    });
    expect(detail.jobs[0]!.steps[0]).toMatchObject({
      status: "success",
      exitCode: 0,
      cache: "miss",
    });
  });

  it("queues the jobs of one tick in one statement and claims them in one", async () => {
    const { execute } = recordingExecutor();
    // Room for more than four: a claim that gets fewer than it asked for knows the queue is empty.
    startRunner(execute, 8);
    const keys = ["a", "b", "c", "d"];
    const { run, dispatcher } = await newRunWithJobs(keys);
    // The runner's first claim (at start, on an empty queue) is not part of the dispatch.
    while (!statements.some((text) => /SKIP LOCKED/.test(text))) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    statements.length = 0;
    const results = await Promise.all(
      keys.map((key) =>
        dispatcher.dispatch(
          plannedJob(key),
          input(run.id),
          new AbortController().signal,
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(keys.map(() => "success"));
    const count = (pattern: RegExp) =>
      statements.filter((text) => pattern.test(text)).length;
    expect(count(/INSERT INTO pgboss\.job/i)).toBe(1);
    // One fetch took all four: none came back empty.
    expect(count(/FOR UPDATE SKIP LOCKED/i)).toBe(1);
    expect(count(/state = 'completed'/i)).toBe(4);
  });

  it("shows a step that runs for a while as running before its job ends", async () => {
    let release!: () => void;
    const { execute } = recordingExecutor(
      new Promise<void>((resolve) => (release = resolve)),
    );
    startRunner(execute, 4, 20);
    const { run, dispatcher } = await newRunWithJobs(["slow"]);
    const result = dispatcher.dispatch(
      plannedJob("slow"),
      input(run.id),
      new AbortController().signal,
    );
    const stepStatus = async () =>
      (await store.getRun(run.id)).jobs[0]!.steps[0]!.status;
    while ((await stepStatus()) !== "running") {
      await new Promise((r) => setTimeout(r, 20));
    }
    release();
    expect((await result).status).toBe("success");
    expect(await stepStatus()).toBe("success");
  });

  it("requeues a job whose runner died mid-step; a second runner completes it", async () => {
    const { run, dispatcher } = await newRunWithJobs(["build"]);
    const pending = dispatcher.dispatch(
      plannedJob("build"),
      input(run.id),
      new AbortController().signal,
    );
    // A runner claims the job, starts its step, then is gone: no heartbeat, no completion.
    let crashed = null;
    while (!crashed)
      crashed = await service.claim({ id: "doomed", labels: [] });
    await service.report(crashed.leaseId, {
      kind: "stepStarted",
      position: 0,
      name: "true",
    });
    const { execute, seen } = recordingExecutor();
    startRunner(execute);
    const result = await pending;
    expect(result).toMatchObject({
      status: "success",
      outputs: { attempt: "1" },
    });
    expect(seen.attempts).toEqual([1]);
    // The dead runner's late completion is refused.
    await expect(
      service.complete(crashed.leaseId, result),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const detail = await store.getRun(run.id);
    expect(detail.jobs[0]).toMatchObject({
      status: "success",
      infraRetries: 1,
    });
    expect(await queue.state(...(await bossIdOf(detail.jobs[0]!.id)))).toBe(
      "completed",
    );
  });

  async function bossIdOf(jobId: string): Promise<[string, string]> {
    const { rows } = await database.executeSql(
      "select name, id::text as id from pgboss.job where data->>'jobId' = $1",
      [jobId],
    );
    return [rows[0]!.name as string, rows[0]!.id as string];
  }

  it("fails a job after its runner is lost three times", async () => {
    const { run, dispatcher } = await newRunWithJobs(["build"]);
    const pending = dispatcher.dispatch(
      plannedJob("build"),
      input(run.id),
      new AbortController().signal,
    );
    const claimed: number[] = [];
    const claimer = (async () => {
      while (claimed.length < 3) {
        const lease = await service.claim({ id: "doomed", labels: [] });
        if (lease) claimed.push(lease.infraAttempt);
        else await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const result = await pending;
    await claimer;
    expect(claimed).toEqual([0, 1, 2]);
    expect(result.status).toBe("failure");
    expect(result.error).toContain("gave up after 2 requeues");
    const detail = await store.getRun(run.id);
    expect(detail.jobs[0]).toMatchObject({
      status: "failure",
      infraRetries: 3,
    });
    expect(await queue.state(...(await bossIdOf(detail.jobs[0]!.id)))).toBe(
      "failed",
    );
  });

  it("runs at most one job of a concurrency group at a time, across runs", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { execute, seen } = recordingExecutor(gate);
    startRunner(execute, 4);
    const a = await newRunWithJobs(["deploy"]);
    const b = await newRunWithJobs(["deploy"]);
    const c = await newRunWithJobs(["other"]);
    const signal = new AbortController().signal;
    const results = Promise.all([
      a.dispatcher.dispatch(
        plannedJob("deploy", "prod"),
        input(a.run.id),
        signal,
      ),
      b.dispatcher.dispatch(
        plannedJob("deploy", "PROD"),
        input(b.run.id),
        signal,
      ),
      c.dispatcher.dispatch(
        plannedJob("other", "staging"),
        input(c.run.id),
        signal,
      ),
    ]);
    // Two groups are free: one job of each starts; the second `prod` job waits its turn.
    while (seen.keys.length < 2) await new Promise((r) => setTimeout(r, 20));
    expect(seen.keys.sort()).toEqual(["deploy", "other"]);
    expect(seen.maxActive).toBe(2);
    release();
    expect((await results).map((r) => r.status)).toEqual([
      "success",
      "success",
      "success",
    ]);
    expect(seen.keys.filter((k) => k === "deploy")).toHaveLength(2);
    expect(seen.maxActive).toBe(2);
  });

  it("cancels a queued job and a running one", async () => {
    const { run, dispatcher } = await newRunWithJobs(["queued", "running"]);
    const queuedAbort = new AbortController();
    const queued = dispatcher.dispatch(
      plannedJob("queued"),
      input(run.id),
      queuedAbort.signal,
    );
    queuedAbort.abort();
    expect((await queued).status).toBe("cancelled");

    const { execute, seen } = recordingExecutor(new Promise(() => {}));
    startRunner(execute);
    const runningAbort = new AbortController();
    const running = dispatcher.dispatch(
      plannedJob("running"),
      input(run.id),
      runningAbort.signal,
    );
    while (seen.keys.length < 1) await new Promise((r) => setTimeout(r, 20));
    runningAbort.abort();
    expect((await running).status).toBe("cancelled");
    expect(seen.keys).toEqual(["running"]);
    const detail = await store.getRun(run.id);
    expect(detail.jobs.map((j) => j.status)).toEqual([
      "cancelled",
      "cancelled",
    ]);
  });
});
