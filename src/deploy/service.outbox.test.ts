import { describe, expect, it } from "vitest";
import { capturingLogger } from "../../test/support/capturing-logger.js";
import { testDatabases } from "../../test/support/databases.js";
import { ManualClock } from "../kernel/index.js";
import {
  createDeployService,
  deliveryEventsTo,
  parseDeploySpec,
} from "./index.js";
import { createMetricsService } from "../metrics/index.js";
import { createDeployStore } from "./store.js";
import { createMetricsStore } from "../metrics/index.js";

const spec = parseDeploySpec(
  { steps: [{ weight: 100 }], release: { command: "node server.js" } },
  "test",
);

describe.each(testDatabases)(
  "deployment.started survives a failed hand-over to metrics ($name)",
  (db) => {
    it("keeps the event in the outbox, logs the failure, and delivers it on the next pass", async () => {
      const database = await db.open();
      try {
        const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
        const metrics = createMetricsService({
          store: createMetricsStore(database, { clock }),
          clock,
        });
        const real = deliveryEventsTo(metrics.events);
        let calls = 0;
        const logger = capturingLogger();
        const store = createDeployStore(database);
        const deploy = createDeployService({
          home: "/nonexistent",
          store,
          clock,
          logger,
          daemonCommand: ["true"],
          env: {},
          cwd: "/",
          events: {
            // The real metrics port, failing on its first call (a lost connection, say).
            emit: async (event) => {
              if (calls++ === 0) throw new Error("metrics store unavailable");
              await real.emit(event);
            },
          },
        });
        const started = async (deploymentId: string) =>
          (
            await database.executeSql(
              "select type from metrics_deployment_events where deployment_id = $1",
              [deploymentId],
            )
          ).rows.map((r) => r.type);

        const record = await deploy.deploy({
          project: "shop",
          environment: "production",
          spec,
          version: "v1",
          commit: "0123456789abcdef0123456789abcdef01234567",
          release: spec.release!,
        });
        expect(await started(record.deploymentId)).toEqual([]);
        expect(logger.messages("error")).toEqual([
          "delivery event not delivered, kept for retry",
        ]);
        const pending = await store.pendingEvents(10);
        expect(pending.map((p) => [p.event.kind, p.attempts])).toEqual([
          ["deployment.started", 1],
        ]);

        expect(await deploy.deliverEvents()).toBe(1);
        expect(await started(record.deploymentId)).toEqual(["started"]);
        expect(await store.pendingEvents(10)).toEqual([]);
      } finally {
        await database.close();
      }
    });
  },
);
