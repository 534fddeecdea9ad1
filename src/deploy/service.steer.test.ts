import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { DeployService, parseDeploySpec } from "./index.js";
import { createDeployStore } from "./store.js";

const spec = parseDeploySpec(
  { steps: [{ weight: 50 }], release: { command: "node server.js" } },
  "test",
);

/**
 * A deploy target (an external system) whose release start waits until the test lets it go,
 * then fails: the rollout is being driven for as long as the test wants.
 */
function gatedTarget() {
  let open!: () => void;
  let called!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (called = resolve));
  const idle = async () => {};
  const target = {
    startRelease: async () => {
      called();
      await gate;
      throw new Error("target gone");
    },
    releaseState: async () => ({
      state: "starting" as const,
      pid: null,
      port: null,
      restarts: 0,
    }),
    setRoutes: idle,
    stopRelease: idle,
    recover: async () => "running" as const,
    endpoint: async () => "http://127.0.0.1:0",
    serving: async () => ({
      running: false,
      endpoint: "",
      routes: { stable: null, canary: null, weight: 0 },
      states: {},
    }),
    shutdown: async () => false,
    close: idle,
    window: async () => ({ requests: 0, errors: 0, latencies: [] }),
  };
  return { target, open, entered };
}

/** The deploy service on a test database, with `target` for every environment. */
function serviceOn(
  database: Parameters<typeof createDeployStore>[0],
  target: ReturnType<typeof gatedTarget>["target"],
) {
  return new DeployService({
    store: createDeployStore(database),
    targetFor: () => target as never,
    clock: new ManualClock(Date.UTC(2026, 0, 5, 9)),
    logger: silentLogger,
    cwd: "/",
    env: {},
  });
}

describe.each(testDatabases)(
  "DeployService.steer: one driver per rollout ($name)",
  (db) => {
    it("refuses a verb while the rollout is being driven, and takes it once the driver let go", async () => {
      const database = await db.open();
      try {
        const { target, open, entered } = gatedTarget();
        const deploy = serviceOn(database, target);
        await deploy.deploy({
          project: "shop",
          environment: "production",
          spec,
          version: "v1",
          release: spec.release!,
        });
        const first = deploy.steer("shop", "production", "resume");
        await entered;
        await expect(
          deploy.steer("shop", "production", "abort"),
        ).rejects.toThrow(/is being driven already/);
        open();
        await expect(first).rejects.toThrow("target gone");
        // The lock is gone with its driver: the next verb reaches the rollout again.
        await expect(
          deploy.steer("shop", "production", "resume"),
        ).rejects.toThrow("target gone");
      } finally {
        await database.close();
      }
    });

    it("waits for a driver told to stop (its client went away) instead of refusing, and drives after it", async () => {
      const database = await db.open();
      try {
        const { target, open, entered } = gatedTarget();
        const deploy = serviceOn(database, target);
        const record = await deploy.deploy({
          project: "shop",
          environment: "production",
          spec,
          version: "v1",
          release: spec.release!,
        });
        const gone = new AbortController();
        const first = deploy.drive(record.id, { signal: gone.signal });
        await entered;
        // Still driving: a second driver is refused.
        await expect(deploy.drive(record.id)).rejects.toThrow(
          /is being driven already/,
        );
        gone.abort();
        // The first driver has not let go yet: the second waits for it rather than fails.
        const second = deploy.steer("shop", "production", "resume");
        second.catch(() => {});
        open();
        await expect(first).rejects.toThrow("target gone");
        await expect(second).rejects.toThrow("target gone");
      } finally {
        await database.close();
      }
    });
  },
);
