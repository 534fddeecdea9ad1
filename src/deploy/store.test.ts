import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { initialStatus, parseDeploySpec } from "./index.js";
import { createDeployStore } from "./store.js";

describe.each(testDatabases)("deploy store on $name", ({ open }) => {
  it("keeps releases, deployments, rollouts and incidents", async () => {
    const database = await open();
    try {
      const store = createDeployStore(database);
      const v1 = await store.saveRelease({
        id: "rel_1",
        project: "shop",
        version: "v1",
        command: "node a.js",
        env: { A: "1" },
        health: "/healthz",
        createdAt: 1_000,
      });
      const again = await store.saveRelease({
        id: "rel_other",
        project: "shop",
        version: "v1",
        command: "x",
        env: {},
        health: "/",
        createdAt: 2_000,
      });
      expect(again).toEqual(v1);
      await store.saveRelease({
        id: "rel_2",
        project: "shop",
        version: "v2",
        command: "node a.js",
        port: 4000,
        env: {},
        health: "/healthz",
        commit: "0123456789abcdef0123456789abcdef01234567",
        createdAt: 3_000,
      });
      expect(
        (await store.listReleases("shop")).map((r) => [
          r.version,
          r.port,
          r.commit,
        ]),
      ).toEqual([
        ["v2", 4000, "0123456789abcdef0123456789abcdef01234567"],
        ["v1", undefined, undefined],
      ]);

      await store.createDeployment({
        id: "dep_1",
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
      const spec = parseDeploySpec({ "kill-flags": ["f"] });
      const status = initialStatus({
        release: "rel_2",
        stable: "rel_1",
        now: 4_000,
      });
      await store.createRollout({
        id: "ro_1",
        deploymentId: "dep_1",
        project: "shop",
        environment: "production",
        spec,
        status,
        processes: {},
        createdAt: 4_000,
        updatedAt: 4_000,
      });
      expect((await store.unfinishedRollouts()).map((r) => r.id)).toEqual([
        "ro_1",
      ]);

      await store.saveRollout(
        "ro_1",
        { ...status, phase: "Degraded", aborted: true },
        { rel_1: { pid: 12, port: 4000 } },
        9_000,
      );
      const saved = await store.getRollout("ro_1");
      expect(saved?.status.phase).toBe("Degraded");
      expect(saved?.spec).toEqual(spec);
      expect(saved?.processes).toEqual({ rel_1: { pid: 12, port: 4000 } });
      expect(await store.unfinishedRollouts()).toEqual([]);
      expect((await store.latestRollout("shop", "production"))?.id).toBe(
        "ro_1",
      );

      const incident = await store.openIncident({
        id: "inc_1",
        deploymentId: "dep_1",
        project: "shop",
        environment: "production",
        reason: "analysis failed",
        startedAt: 5_000,
      });
      expect(
        await store.openIncident({
          id: "inc_2",
          deploymentId: "dep_1",
          project: "shop",
          environment: "production",
          reason: "again",
          startedAt: 6_000,
        }),
      ).toBe(incident);
      await store.resolveIncident(incident, 7_500);
      await store.resolveIncident(incident, 9_999);
      expect(await store.getIncident(incident)).toMatchObject({
        startedAt: 5_000,
        resolvedAt: 7_500,
      });

      await store.finishDeployment("dep_1", "failed", "analysis failed", 8_000);
      expect(await store.listDeployments("shop", "production")).toEqual([
        expect.objectContaining({
          id: "dep_1",
          status: "failed",
          incidentId: "inc_1",
          finishedAt: 8_000,
        }),
      ]);
    } finally {
      await database.close();
    }
  });
});
