import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { testDatabases } from "../../test/support/databases.js";
import type { Database } from "../store/index.js";
import { createRunStore } from "./store.js";
import type { RunStore } from "./store.js";

/** Step warnings (what a passing step wants the run's summary to show) through every write path. */
describe.each(testDatabases)(
  "step warnings in RunStore on $name",
  ({ open }) => {
    let database: Database;
    let store: RunStore;

    beforeEach(async () => {
      database = await open();
      store = createRunStore(database, {
        clock: new ManualClock(Date.UTC(2026, 0, 1)),
      });
    });
    afterEach(async () => {
      await database.close();
    });

    it("stores warnings from the recorder, a batched report and a completed lease; a requeue clears them", async () => {
      const run = await store.createRun({
        project: "p",
        trigger: "manual",
        workdir: "/w",
        change: {},
      });
      const jobs = await store.addJobs(run.id, [
        { key: "scan", name: "scan", needs: [], steps: ["a", "b", "c"] },
      ]);
      const jobId = jobs.get("scan")!.id;
      const recorder = store.recorder(new Map([["scan", jobId]]));
      await recorder.stepFinished("scan", 0, {
        status: "success",
        attempts: 1,
        warnings: ["dependency scan skipped: no advisories imported"],
      });
      await store.updateSteps(jobId, [
        {
          position: 1,
          status: "success",
          warnings: ["package.json: no lockfile"],
        },
        // Absent warnings keep what is stored.
        { position: 0, status: "success" },
      ]);
      await store.leaseJob(jobId, {
        leaseId: "lease-1",
        runner: "r",
        expiresAt: new Date(Date.UTC(2026, 0, 2)),
      });
      expect(
        await store.completeLease(
          "lease-1",
          {
            status: "success",
            outputs: {},
            reason: null,
            finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 1)),
          },
          [{ position: 2, status: "success", warnings: ["one", "two"] }],
        ),
      ).toBe(true);
      const steps = (await store.getRun(run.id)).jobs[0]!.steps;
      expect(steps.map((s) => s.warnings)).toEqual([
        ["dependency scan skipped: no advisories imported"],
        ["package.json: no lockfile"],
        ["one", "two"],
      ]);

      await store.leaseJob(jobId, {
        leaseId: "lease-2",
        runner: "r",
        expiresAt: new Date(Date.UTC(2026, 0, 2)),
      });
      expect(await store.requeueJob(jobId, "lease-2", "runner lost")).toBe(
        true,
      );
      const requeued = (await store.getRun(run.id)).jobs[0]!.steps;
      expect(requeued.map((s) => s.warnings)).toEqual([[], [], []]);
    });
  },
);
