import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { settleAdvancing } from "../../test/support/manual-clock.js";
import { memoryTarget } from "../../test/support/memory-target.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { DeployService, parseDeploySpec } from "./index.js";
import type { DeliveryEvent, RolloutRecord } from "./index.js";
import { createDeployStore } from "./store.js";

/** Half the traffic to the canary, then a pause without an end: it waits for a person. */
const paused = parseDeploySpec(
  { steps: [{ weight: 50 }, { pause: {} }], release: { command: "true" } },
  "test",
);

describe.each(testDatabases)(
  "DeployService.deploy supersedes a paused rollout ($name)",
  (db) => {
    const setup = async () => {
      const database = await db.open();
      const clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
      const store = createDeployStore(database);
      const events: DeliveryEvent[] = [];
      const target = memoryTarget();
      const deploy = new DeployService({
        store,
        targetFor: () => target.target as never,
        clock,
        logger: silentLogger,
        events: { emit: async (e) => void events.push(e) },
        cwd: "/",
        env: {},
      });
      const ship = async (version: string, spec = paused) => {
        // One rollout per minute: the latest is the newest by its time.
        clock.advance(60_000);
        const superseded: RolloutRecord[] = [];
        const record = await deploy.deploy({
          project: "shop",
          environment: "staging",
          spec,
          version,
          release: spec.release!,
          onSuperseded: (r) => void superseded.push(r),
        });
        return { record, superseded };
      };
      /** Settles a drive or a verb: its ticks follow one another at once on the clock. */
      const settle = <T>(work: Promise<T>) => settleAdvancing(clock, work, 0);
      const drive = (id: string) =>
        settle(deploy.drive(id, { stopWhenPaused: true, tickMs: 0 }));
      const version = async (id: string | null) =>
        id ? (await store.getRelease(id))?.version : null;
      return {
        database,
        store,
        events,
        target,
        deploy,
        ship,
        settle,
        drive,
        version,
      };
    };

    it("aborts the paused rollout as a user's abort, and starts the new one from the same stable", async () => {
      const t = await setup();
      try {
        // v1 is stable (a first deploy goes straight to 100 %); v2 pauses at 50 %.
        await t.drive((await t.ship("v1")).record.id);
        const v2 = (await t.ship("v2")).record;
        expect((await t.drive(v2.id)).status.phase).toBe("Paused");
        const v1 = (await t.store.getRollout(v2.id))!.status.stable;
        expect(t.target.routes()).toMatchObject({ stable: v1, weight: 50 });

        const { record: v3, superseded } = await t.ship("v3");

        const old = (await t.store.getRollout(v2.id))!;
        const reason = `superseded by rollout ${v3.id} / release v3`;
        expect(old.status).toMatchObject({
          phase: "Degraded",
          aborted: true,
          message: `aborted: ${reason}`,
          canary: { state: "stopped" },
        });
        expect(superseded.map((r) => r.id)).toEqual([v2.id]);
        // Its deployment ends superseded, with the reason; for DORA it never went live (`failed`):
        // neither a deployment nor a change failure.
        const deployment = (
          await t.store.listDeployments("shop", "staging")
        ).find((d) => d.id === v2.deploymentId);
        expect(deployment).toMatchObject({ status: "superseded", reason });
        expect(
          t.events
            .filter((e) => e.deploymentId === v2.deploymentId)
            .map((e) => [e.kind, "reason" in e ? e.reason : undefined]),
        ).toEqual([
          ["deployment.started", undefined],
          ["deployment.failed", reason],
        ]);
        // The canary v2 is stopped, all traffic on stable v1.
        const v2Release = old.status.canary.release;
        expect(t.target.running.has(v2Release)).toBe(false);
        expect(t.target.routes()).toEqual({
          stable: v1,
          canary: null,
          weight: 0,
        });

        // The new rollout starts from the same stable; v1 keeps it until v3 is promoted.
        expect(v3.status.stable).toBe(v1);
        expect((await t.deploy.latest("shop", "staging")).id).toBe(v3.id);
        const waiting = await t.drive(v3.id);
        expect(waiting.status.phase).toBe("Paused");
        expect(t.target.routes()).toMatchObject({ stable: v1, weight: 50 });
        expect(await t.version(t.target.routes().canary)).toBe("v3");
        const promoted = await t.settle(
          t.deploy.steer("shop", "staging", "promote", { tickMs: 0 }),
        );
        expect(promoted.status.phase).toBe("Healthy");
        expect(await t.version(t.target.routes().stable)).toBe("v3");
        expect(t.target.running.has(v1!)).toBe(false);
      } finally {
        await t.database.close();
      }
    });

    it("refuses to supersede a rollout being driven, or in a timed pause, with a CONFLICT", async () => {
      const t = await setup();
      try {
        await t.drive((await t.ship("v1")).record.id);
        const v2 = (await t.ship("v2")).record;
        await t.drive(v2.id);
        // A driver carries the paused rollout on (it waits for a command): no second driver.
        const stop = new AbortController();
        const held = t.target.recovered();
        const driver = t.deploy.steer("shop", "staging", "resume", {
          signal: stop.signal,
        });
        await held;
        const busy = t.ship("v3");
        await expect(busy).rejects.toMatchObject({ code: "CONFLICT" });
        await expect(busy).rejects.toThrow(
          `rollout ${v2.id} in staging is being driven right now (Paused)`,
        );
        stop.abort();
        expect((await driver).status.phase).toBe("Paused");
        expect((await t.store.getRollout(v2.id))!.status.aborted).toBe(false);

        // A pause with an end is carried on by whoever drives it, not superseded.
        const timed = parseDeploySpec(
          {
            steps: [{ weight: 50 }, { pause: { duration: "1h" } }],
            release: { command: "true" },
          },
          "test",
        );
        await t.settle(
          t.deploy.steer("shop", "staging", "abort", { tickMs: 0 }),
        );
        const v4 = (await t.ship("v4", timed)).record;
        // Driven until it pauses, then let go (as a driver that stopped).
        const letGo = new AbortController();
        await t.settle(
          t.deploy.drive(v4.id, {
            tickMs: 0,
            signal: letGo.signal,
            onProgress: (_, status) => {
              if (status.phase === "Paused") letGo.abort();
            },
          }),
        );
        await expect(t.ship("v5")).rejects.toThrow(
          `rollout ${v4.id} in staging is Paused until`,
        );
      } finally {
        await t.database.close();
      }
    });
  },
);
