import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { initialStatus, parseDeploySpec } from "./index.js";
import type { RolloutStatus } from "./index.js";
import { createDeployStore } from "./store.js";

// Issue 11: the status's `run` and `runs` became `analysisRun` and `analysisRuns`; a rollout
// stored before (finished, or unfinished and resumed after an upgrade) still reads whole.
describe.each(testDatabases)(
  "deploy store on $name: rollouts stored before the analysis runs got their name",
  ({ open }) => {
    it("reads `run` and `runs` as `analysisRun` and `analysisRuns`", async () => {
      const database = await open();
      try {
        const store = createDeployStore(database);
        for (const id of ["rel_1", "rel_2"])
          await store.saveRelease({
            id,
            project: "shop",
            version: id,
            command: "node a.js",
            env: {},
            health: "/healthz",
            createdAt: 1_000,
          });
        await store.createDeployment({
          id: "dep_old",
          project: "shop",
          environment: "production",
          releaseId: "rel_2",
          previousReleaseId: "rel_1",
          status: "in_progress",
          reason: null,
          incidentId: null,
          startedAt: 4_000,
          finishedAt: null,
        });
        const analysisRun = {
          id: "1.1",
          template: "default",
          stepIndex: 1,
          phase: "Successful" as const,
          metrics: [],
          startedAt: 4_000,
          finishedAt: 5_000,
        };
        const { analysisRuns: _, ...current } = initialStatus({
          release: "rel_2",
          stable: "rel_1",
          now: 4_000,
        });
        const stored = {
          ...current,
          runs: [analysisRun],
          run: { ...analysisRun, id: "1.3", stepIndex: 3, phase: "Running" },
        } as unknown as RolloutStatus;
        await store.createRollout({
          id: "ro_old",
          deploymentId: "dep_old",
          project: "shop",
          environment: "production",
          spec: parseDeploySpec({}),
          status: stored,
          processes: {},
          createdAt: 4_000,
          updatedAt: 4_000,
        });
        for (const record of [
          await store.getRollout("ro_old"),
          ...(await store.unfinishedRollouts()),
        ]) {
          expect(record?.status.analysisRuns).toEqual([analysisRun]);
          expect(record?.status.analysisRun).toMatchObject({
            id: "1.3",
            phase: "Running",
          });
          expect(record?.status).not.toHaveProperty("runs");
        }
      } finally {
        await database.close();
      }
    });
  },
);
