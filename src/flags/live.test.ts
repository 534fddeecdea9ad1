import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { createFlagStore } from "./store.js";
import { FlagService, LiveFlagSets } from "./index.js";

const scope = { project: "shop", environment: "production" };
const start = Date.parse("2026-08-01T00:00:00Z");
const set = {
  flags: {
    banner: {
      state: "ENABLED",
      variants: { blue: "blue", red: "red" },
      defaultVariant: "blue",
    },
  },
};

describe.each(testDatabases)("flag live batches on $name", ({ open }) => {
  // Issue 11: a failed flush cleared its batch first, so "last used" and evaluation counts were lost.
  it("keeps a batch whose write failed and writes it, merged with newer marks, on the next flush", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database);
      const clock = new ManualClock(start);
      const flags = new FlagService({ store, clock, logger: silentLogger });
      await flags.importSet(scope, set, { actor: "ana" });
      const { id } = await flags.createApiKey(scope, "web");
      const live = new LiveFlagSets({
        store,
        clock,
        logger: silentLogger,
        fractionalVersion: 3,
      });
      const banner = await live.get(scope);
      live.evaluate(banner, "banner", {});
      live.markKeyUse(id, start);

      // The database refuses both writes: the tables are gone for a moment.
      await database.executeSql(
        "alter table flag_evaluations rename to flag_evaluations_away; alter table flag_api_keys rename to flag_api_keys_away",
      );
      await expect(live.flush()).rejects.toThrow();
      await database.executeSql(
        "alter table flag_evaluations_away rename to flag_evaluations; alter table flag_api_keys_away rename to flag_api_keys",
      );

      clock.advance(60_000);
      live.evaluate(banner, "banner", {});
      await live.flush();

      const { rows } = await database.executeSql(
        "select flag_key, count, last_evaluated_at from flag_evaluations",
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ flag_key: "banner", count: 2 });
      expect(new Date(rows[0]!.last_evaluated_at as string).getTime()).toBe(
        start + 60_000,
      );
      const [key] = await store.listApiKeys(scope);
      expect(key?.lastUsedAt?.getTime()).toBe(start);
      // Written once: nothing is left to write again.
      await live.flush();
      const again = await database.executeSql(
        "select count from flag_evaluations",
      );
      expect(again.rows[0]).toMatchObject({ count: 2 });
    } finally {
      await database.close();
    }
  });
});
