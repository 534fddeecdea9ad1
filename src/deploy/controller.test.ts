import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { settleAdvancing } from "../../test/support/manual-clock.js";
import { memoryTarget } from "../../test/support/memory-target.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { DeployService, parseDeploySpec } from "./index.js";
import type { TimelineEntry } from "./index.js";
import { createDeployStore } from "./store.js";

const hour = 3_600_000;
const minute = 60_000;

/** Half the traffic to the canary for an hour, then all of it. */
const timed = parseDeploySpec(
  {
    steps: [{ weight: 50 }, { pause: { duration: "1h" } }],
    release: { command: "true" },
  },
  "test",
);

describe.each(testDatabases)(
  "RolloutController.drive ticks on its Clock ($name)",
  (db) => {
    it("waits out a timed pause in clock time, not real time, then promotes", async () => {
      const database = await db.open();
      try {
        const start = Date.UTC(2026, 0, 5, 9);
        const clock = new ManualClock(start);
        const target = memoryTarget();
        const deploy = new DeployService({
          store: createDeployStore(database),
          targetFor: () => target.target as never,
          clock,
          logger: silentLogger,
          cwd: "/",
          env: {},
        });
        const ship = (version: string) =>
          deploy.deploy({
            project: "shop",
            environment: "production",
            spec: timed,
            version,
            release: timed.release!,
          });
        // A first deploy has nothing to compare with: straight to stable.
        const v1 = await ship("v1");
        await settleAdvancing(clock, deploy.drive(v1.id, { tickMs: 0 }), 0);
        const v2 = await ship("v2");

        // One reconcile a minute: real timers would take an hour of real time.
        const seen: TimelineEntry[] = [];
        const driving = deploy.drive(v2.id, {
          tickMs: minute,
          onProgress: (entry) => void seen.push(entry),
        });
        const done = await settleAdvancing(clock, driving, minute);

        expect(done.status.phase).toBe("Healthy");
        const at = (event: string) => seen.find((e) => e.event === event)?.at;
        const paused = at("paused")!;
        expect(paused).toBeGreaterThanOrEqual(start);
        // The pause ends at the tick an hour after it began, on the clock.
        expect(at("pause ended")).toBe(paused + hour);
        expect(at("promoted")).toBeGreaterThanOrEqual(at("pause ended")!);
        expect(clock.now() - paused).toBeLessThan(hour + 3 * minute);
        const routes = target.routes();
        expect(routes).toMatchObject({ canary: null, weight: 0 });
        expect(routes.stable).toBe(done.status.canary.release);
        expect(clock.pending()).toBe(0);
      } finally {
        await database.close();
      }
    });
  },
);
