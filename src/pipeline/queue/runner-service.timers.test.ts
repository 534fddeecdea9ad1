import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, silentLogger } from "../../kernel/index.js";
import { createRunStore } from "../store.js";
import type { RunStore } from "../store.js";
import type { Database } from "../../store/index.js";
import { testDatabases } from "../../../test/support/databases.js";
import type { JobInput, PlannedJob } from "../ports.js";
import { QueueDispatcher } from "./dispatcher.js";
import { JobQueue } from "./job-queue.js";
import { RunnerService } from "./runner-service.js";

const minute = 60_000;

const job: PlannedJob = {
  key: "build",
  id: "build",
  name: "build",
  needs: [],
  needIds: [],
  env: {},
  continueOnError: false,
  failFast: false,
  outputs: {},
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

/**
 * The RunnerService's timers (the lease janitor, the queued marker) run on its Clock: with a
 * ManualClock, a 5-minute lease expires when the test advances the clock (real timers of these
 * lengths would outlast the test's timeout).
 */
describe.each(testDatabases)(
  "runner service timers on a manual clock, $name",
  ({ open }) => {
    let database: Database;
    let clock: ManualClock;
    let store: RunStore;
    let queue: JobQueue;
    let service: RunnerService;
    let failNextCompletion: boolean;

    beforeEach(async () => {
      database = await open();
      clock = new ManualClock(Date.parse("2026-03-01T10:00:00Z"));
      const real = createRunStore(database, { clock });
      failNextCompletion = false;
      // The real store, with one fault a test can ask for: the completion's write fails.
      store = {
        ...real,
        completeLease: (...args: Parameters<RunStore["completeLease"]>) => {
          if (!failNextCompletion) return real.completeLease(...args);
          failNextCompletion = false;
          return Promise.reject(new Error("the disk is full"));
        },
      };
      queue = await JobQueue.start({
        executeSql: (text, values) => database.executeSql(text, values),
      });
      service = new RunnerService(queue, store, {
        clock,
        logger: silentLogger,
        leaseMs: 5 * minute,
        heartbeatMs: minute,
        sweepMs: 2 * minute,
        queuedAfterMs: 10 * minute,
      });
      service.start();
    });
    afterEach(async () => {
      await service.stop();
      await queue.stop();
      await database.close();
    });

    async function dispatchOne() {
      const run = await store.createRun({
        project: "p",
        trigger: "manual",
        workdir: "/tmp",
        change: {},
      });
      const rows = await store.addJobs(run.id, [
        { key: "build", name: "build", needs: [], steps: ["true"] },
      ]);
      const input: JobInput = {
        runId: run.id,
        workdir: "/tmp",
        env: {},
        facts: { event: "manual" },
        needs: {},
        artifacts: [],
      };
      const dispatcher = new QueueDispatcher(
        service,
        run.id,
        new Map([["build", rows.get("build")!.id]]),
      );
      const controller = new AbortController();
      const result = dispatcher.dispatch(job, input, controller.signal);
      const row = async () => (await store.getRun(run.id)).jobs[0]!;
      return { result, row, cancel: () => controller.abort() };
    }

    it("the janitor requeues a lease once the clock passes its expiry, not before", async () => {
      const { result, row, cancel } = await dispatchOne();
      let lost = null;
      while (!lost) lost = await service.claim({ id: "gone", labels: [] });
      expect(lost.expiresAt).toBe(clock.now() + 5 * minute);
      // The janitor runs at 2 and 4 minutes: the lease (to 5 minutes) still holds.
      for (let i = 0; i < 2; i++) {
        clock.advance(2 * minute);
        await service.sweep(); // the timer's sweep, when it is still going
        expect(await row()).toMatchObject({
          leaseId: lost.leaseId,
          infraRetries: 0,
        });
      }
      // At 6 minutes the janitor (its timer, no call from here) finds the lease expired.
      const requeued = new Promise<void>((resolve) => service.onWork(resolve));
      clock.advance(2 * minute);
      await requeued;
      expect(await row()).toMatchObject({ leaseId: null, infraRetries: 1 });
      let again = null;
      while (!again) again = await service.claim({ id: "next", labels: [] });
      expect(again.infraAttempt).toBe(1);
      cancel();
      await service.complete(again.leaseId, {
        status: "cancelled",
        outputs: {},
        steps: [],
      });
      expect((await result).status).toBe("cancelled");
    });

    it("a cancel that arrives while the runner completes the job leaves the runner's result", async () => {
      const { result, row, cancel } = await dispatchOne();
      let lease = null;
      while (!lease) lease = await service.claim({ id: "r", labels: [] });
      const completing = service.complete(lease.leaseId, {
        status: "success",
        outputs: {},
        steps: [],
      });
      cancel();
      await completing;
      expect((await result).status).toBe("success");
      // stop() waits for the cancel under way, which must not write "cancelled" over the result.
      await service.stop();
      expect((await row()).status).toBe("success");
    });

    it("a completion whose write fails leaves the job to the runner's retry and to a cancel", async () => {
      const { result, row, cancel } = await dispatchOne();
      let lease = null;
      while (!lease) lease = await service.claim({ id: "r", labels: [] });
      failNextCompletion = true;
      const done = { status: "success" as const, outputs: {}, steps: [] };
      await expect(service.complete(lease.leaseId, done)).rejects.toThrow(
        "the disk is full",
      );
      // The job is not settled: a cancel reaches the runner that still holds the lease.
      const cancelled = new Promise<string>((resolve) =>
        service.onCancel(resolve),
      );
      cancel();
      expect(await cancelled).toBe(lease.leaseId);
      // The runner completes it again, as cancelled now; that write goes through.
      await service.complete(lease.leaseId, { ...done, status: "cancelled" });
      expect((await result).status).toBe("cancelled");
      expect((await row()).status).toBe("cancelled");
    });

    it("a job nobody claims shows as queued once the clock passes queuedAfterMs", async () => {
      const { result, row, cancel } = await dispatchOne();
      // The janitor's interval is one timer; the queued marker is the second.
      await clock.untilPending(2);
      expect((await row()).status).toBe("pending");
      clock.advance(10 * minute);
      while ((await row()).status !== "queued") {
        await new Promise((resolve) => setImmediate(resolve));
      }
      cancel();
      expect((await result).status).toBe("cancelled");
    });
  },
);
