import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { createFlagStore } from "./store.js";
import { FlagService, keyCacheMs, parseSchedule } from "./index.js";
import { FlagdCore, MemoryStorage } from "@openfeature/flagd-core";

const scope = { project: "shop", environment: "production" };
const day = 86_400_000;
const start = Date.parse("2026-08-01T00:00:00Z");
const baseSet = {
  flags: {
    "new-checkout": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
    },
    banner: {
      state: "ENABLED",
      variants: { blue: "blue", red: "red" },
      defaultVariant: "blue",
      targeting: { if: [{ "==": [{ var: "tier" }, "gold"] }, "red"] },
    },
  },
};

describe.each(testDatabases)("flag service on $name", ({ open }) => {
  const withService = async (
    run: (service: FlagService, clock: ManualClock) => Promise<void>,
  ) => {
    const database = await open();
    try {
      const clock = new ManualClock(start);
      await run(
        new FlagService({
          store: createFlagStore(database),
          clock,
          logger: silentLogger,
        }),
        clock,
      );
    } finally {
      await database.close();
    }
  };

  it("imports, evaluates, and rejects bad writes whole with a JSON path, leaving the set unchanged", () =>
    withService(async (flags) => {
      const v1 = await flags.importSet(scope, JSON.stringify(baseSet), {
        actor: "ana",
        reason: "initial",
      });
      expect(v1.version).toBe(1);
      expect(
        await flags.evaluate(scope, "banner", { tier: "gold" }),
      ).toMatchObject({ value: "red", reason: "TARGETING_MATCH" });

      const bad: [string, unknown, RegExp][] = [
        ["not JSON", "{nope", /not valid JSON/],
        [
          "a variant of the wrong type",
          { flags: { f: { state: "ENABLED", variants: { a: true, b: "x" } } } },
          /\$\.flags\.f\.variants\.b/,
        ],
        [
          "a $ref to nothing",
          {
            flags: {
              f: {
                state: "ENABLED",
                variants: { a: "a" },
                targeting: { if: [{ $ref: "ghost" }, "a"] },
              },
            },
          },
          /\$ref to an unknown evaluator "ghost"/,
        ],
        [
          "an unknown variant",
          {
            flags: {
              f: {
                state: "ENABLED",
                variants: { a: "a" },
                targeting: { if: [true, "zzz"] },
              },
            },
          },
          /\$\.flags\.f\.targeting\.if\[1\]: targeting returns "zzz"/,
        ],
        [
          "an unknown operator",
          {
            flags: {
              f: {
                state: "ENABLED",
                variants: { a: "a" },
                targeting: { nope: [1] },
              },
            },
          },
          /unknown operator "nope"/,
        ],
        [
          "a key with path characters",
          { flags: { "../etc": { state: "ENABLED", variants: { a: "a" } } } },
          /flag key "\.\.\/etc"/,
        ],
      ];
      for (const [, input, message] of bad) {
        await expect(
          flags.importSet(scope, input, { actor: "eve" }),
        ).rejects.toMatchObject({
          code: "CONFIG_INVALID",
          message: expect.stringMatching(message),
        });
      }
      await expect(
        flags.setFlag(
          scope,
          "a/b",
          { state: "ENABLED", variants: { a: 1 } },
          { actor: "eve" },
        ),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      const after = await flags.current(scope);
      expect(after.version).toBe(1);
      expect(after.etag).toBe(v1.etag);
      expect(await flags.export(scope)).toEqual(baseSet);
    }));

  it("records who, when, why and what changed; enable/disable and the kill switch", () =>
    withService(async (flags, clock) => {
      await flags.importSet(scope, baseSet, { actor: "ana" });
      clock.advance(1000);
      await flags.setState(scope, "banner", "DISABLED", {
        actor: "bo",
        reason: "bug 12",
      });
      expect(await flags.evaluate(scope, "banner", {})).toMatchObject({
        reason: "DISABLED",
      });
      await flags.killFlags(
        scope,
        ["new-checkout"],
        "rollout of r42 failed analysis",
      );
      expect((await flags.evaluate(scope, "new-checkout", {})).reason).toBe(
        "DISABLED",
      );
      await expect(
        flags.killFlags(scope, ["ghost"], "x"),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      const history = await flags.history(scope, "banner");
      expect(history.map((h) => [h.action, h.actor])).toEqual([
        ["disable", "bo"],
        ["import", "ana"],
      ]);
      expect(history[0]).toMatchObject({
        reason: "bug 12",
        changes: ["state"],
        before: { state: "ENABLED" },
        after: { state: "DISABLED" },
      });
      expect(history[0]?.createdAt.getTime()).toBe(start + 1000);
      const kill = await flags.history(scope, "new-checkout");
      expect(kill[0]).toMatchObject({
        action: "kill",
        actor: "sluice",
        reason: "rollout of r42 failed analysis",
      });
      // Writing the same thing again is no new version.
      const same = await flags.setState(scope, "banner", "DISABLED", {
        actor: "bo",
      });
      expect(same.version).toBe(3);
    }));

  it("a replica picks up another process's write on sync: a kill reaches its clients", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database);
      const clock = new ManualClock(start);
      const cli = new FlagService({ store, clock, logger: silentLogger });
      // Another process on the same database: its own compiled sets.
      const replica = new FlagService({ store, clock, logger: silentLogger });
      await cli.importSet(scope, baseSet, { actor: "ana" });
      expect((await replica.evaluate(scope, "new-checkout", {})).reason).toBe(
        "STATIC",
      );
      const heard: { version: number; flagKeys: string[] }[] = [];
      replica.onChange((c) =>
        heard.push({ version: c.version, flagKeys: c.flagKeys }),
      );
      expect(await replica.syncVersions()).toBe(0);

      await cli.killFlags(scope, ["new-checkout"], "rollout r7 failed");
      // Until it syncs, the replica serves the version it compiled.
      expect((await replica.evaluate(scope, "new-checkout", {})).reason).toBe(
        "STATIC",
      );
      expect(await replica.syncVersions()).toBe(1);
      expect((await replica.evaluate(scope, "new-checkout", {})).reason).toBe(
        "DISABLED",
      );
      expect(heard).toEqual([{ version: 2, flagKeys: ["new-checkout"] }]);
      expect(await replica.syncVersions()).toBe(0);
    } finally {
      await database.close();
    }
  });

  it("runs a scheduled percentage split from $flagd.timestamp alone, without a scheduler", () =>
    withService(async (flags, clock) => {
      await flags.importSet(scope, baseSet, { actor: "ana" });
      const steps = parseSchedule(
        `10%@${new Date(start + day).toISOString()},50%@${new Date(start + 2 * day).toISOString()},100%@${new Date(start + 3 * day).toISOString()}`,
      );
      await flags.split(
        scope,
        "new-checkout",
        { steps },
        { actor: "ana", reason: "ramp" },
      );
      const share = async () => {
        let on = 0;
        for (let i = 0; i < 2000; i++)
          if (
            (
              await flags.evaluate(scope, "new-checkout", {
                targetingKey: `user-${i}`,
              })
            ).value === true
          )
            on++;
        return on / 2000;
      };
      expect(await share()).toBe(0);
      clock.set(start + day + 1000);
      expect(await share()).toBeCloseTo(0.1, 1);
      clock.set(start + 2 * day + 1000);
      expect(await share()).toBeCloseTo(0.5, 1);
      clock.set(start + 3 * day + 1000);
      expect(await share()).toBe(1);
      // Someone inside at 10% stays inside at 50%.
      clock.set(start + day + 1000);
      const early = [];
      for (let i = 0; i < 200; i++)
        if (
          (
            await flags.evaluate(scope, "new-checkout", {
              targetingKey: `u${i}`,
            })
          ).value
        )
          early.push(i);
      clock.set(start + 2 * day + 1000);
      for (const i of early)
        expect(
          (
            await flags.evaluate(scope, "new-checkout", {
              targetingKey: `u${i}`,
            })
          ).value,
        ).toBe(true);
    }));

  it("exports flag sets (percentage splits included) that flagd's own strict loader accepts and evaluates alike", () =>
    withService(async (flags, clock) => {
      await flags.importSet(scope, baseSet, { actor: "ana" });
      const steps = parseSchedule(
        `25%@${new Date(start - day).toISOString()},75%@${new Date(start + day).toISOString()}`,
      );
      await flags.split(scope, "new-checkout", { steps }, { actor: "ana" });
      const exported = JSON.stringify(await flags.export(scope));
      const quiet = { error() {}, warn() {}, info() {}, debug() {} };
      // strictValidation = true: flagd's precompiled JSON Schema check throws on any violation.
      expect(() =>
        new MemoryStorage(quiet).setConfigurations(exported, true),
      ).not.toThrow();
      const core = new FlagdCore(undefined, quiet);
      core.setConfigurations(exported);
      clock.set(Date.now());
      for (let i = 0; i < 200; i++) {
        const context = { targetingKey: `user-${i}` };
        const ours = await flags.evaluate(scope, "new-checkout", context);
        expect(ours.value).toBe(
          core.resolveBooleanEvaluation("new-checkout", false, context).value,
        );
      }
    }));

  it("reports stale flags: not evaluated for N days, or fully rolled out for N days", () =>
    withService(async (flags, clock) => {
      await flags.importSet(scope, baseSet, { actor: "ana" });
      await flags.split(
        scope,
        "new-checkout",
        { steps: [{ at: start, percent: 100 }] },
        { actor: "ana" },
      );
      clock.advance(10 * day);
      await flags.evaluate(scope, "banner", {});
      await flags.flushEvaluations();
      clock.advance(day);
      const stale = await flags.stale(scope, 7);
      expect(stale.map((s) => [s.key, s.reason])).toEqual([
        ["new-checkout", "fully-rolled-out"],
      ]);
      clock.advance(10 * day);
      expect((await flags.stale(scope, 7)).map((s) => s.key).sort()).toEqual([
        "banner",
        "new-checkout",
      ]);
    }));

  it("issues API keys shown once and stored as a hash, scoped to a project and environment", async () => {
    const database = await open();
    try {
      const flags = new FlagService({
        store: createFlagStore(database),
        clock: new ManualClock(start),
        logger: silentLogger,
      });
      const { key } = await flags.createApiKey(scope, "web");
      expect(await flags.authenticate(key)).toEqual(scope);
      expect(await flags.authenticate(`${key}x`)).toBeUndefined();
      const { rows } = await database.executeSql(
        "select key_hash from flag_api_keys",
      );
      expect(JSON.stringify(rows)).not.toContain(key);
    } finally {
      await database.close();
    }
  });

  it("lists keys with their last use, revokes one at once here and within keyCacheMs in another process", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database);
      const clock = new ManualClock(start);
      const flags = new FlagService({ store, clock, logger: silentLogger });
      // Another process sharing the database: its own service, its own key cache.
      const replica = new FlagService({ store, clock, logger: silentLogger });
      const web = await flags.createApiKey(scope, "web", "ana");
      clock.advance(1000);
      const ios = await flags.createApiKey(scope, "ios", "ana");
      clock.advance(1000);
      const blog = await flags.createApiKey(
        { project: "blog", environment: "production" },
        "web",
        "ana",
      );
      expect(await flags.authenticate(web.key)).toEqual(scope);
      clock.advance(60_000);
      expect(await flags.authenticate(ios.key)).toEqual(scope);

      const listed = await flags.listApiKeys({ project: "shop" });
      expect(listed.map((k) => [k.id, k.name, k.lastUsedAt])).toEqual([
        [web.id, "web", new Date(start + 2000)],
        [ios.id, "ios", new Date(start + 62_000)],
      ]);
      expect((await flags.listApiKeys()).map((k) => k.id)).toContain(blog.id);
      expect(JSON.stringify(await flags.listApiKeys())).not.toMatch(
        /sluice_flags_|keyHash/,
      );

      clock.advance(1000);
      // Both processes have the key in their cache now.
      expect(await flags.authenticate(web.key)).toEqual(scope);
      expect(await replica.authenticate(web.key)).toEqual(scope);
      const revoked = await flags.revokeApiKey(web.id, {
        actor: "bo",
        reason: "leaked in a log",
      });
      expect(revoked).toMatchObject({
        changed: true,
        key: {
          id: web.id,
          revokedAt: new Date(clock.now()),
          revokedBy: "bo",
          revokedReason: "leaked in a log",
        },
      });
      // This process refuses it from the next request on, although it was cached.
      expect(await flags.authenticate(web.key)).toBeUndefined();
      expect(await flags.authenticate(ios.key)).toEqual(scope);
      expect(await flags.authenticate(blog.key)).toEqual({
        project: "blog",
        environment: "production",
      });
      // The other process refuses it once its cached answer expires: the documented bound.
      expect(await replica.authenticate(web.key)).toEqual(scope);
      clock.advance(keyCacheMs);
      expect(await replica.authenticate(web.key)).toBeUndefined();

      const again = await flags.revokeApiKey(web.id, { actor: "cy" });
      expect(again).toMatchObject({
        changed: false,
        key: { revokedBy: "bo", revokedReason: "leaked in a log" },
      });
      await expect(
        flags.revokeApiKey("fkey_nope", { actor: "cy" }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });

      const history = await flags.history(scope);
      expect(
        history.map((e) => [e.flagKey, e.action, e.actor, e.reason]),
      ).toEqual([
        [web.id, "revoke-key", "bo", "leaked in a log"],
        [ios.id, "create-key", "ana", null],
        [web.id, "create-key", "ana", null],
      ]);
      expect(JSON.stringify(history)).not.toContain("sluice_flags_");
      // The row stays, for audit.
      expect(
        (await flags.listApiKeys(scope)).find((k) => k.id === web.id)
          ?.revokedAt,
      ).toEqual(revoked.key.revokedAt);
    } finally {
      await database.close();
    }
  });
});
