import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { createFlagStore } from "./flag-store.js";
import type { FlagSetDocument } from "../flags/index.js";

const scope = { project: "shop", environment: "production" };
const doc = (value: string): FlagSetDocument => ({
  flags: {
    banner: {
      state: "ENABLED",
      variants: { on: value, off: "none" },
      defaultVariant: "on",
    },
  },
});

describe.each(testDatabases)("flag store on $name", ({ open }) => {
  it("stores versions with their audit rows, and refuses a stale expected version", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database.db);
      expect(await store.getFlagSet(scope)).toBeUndefined();
      const at = new Date("2026-08-01T10:00:00Z");
      const audit = (id: string) => ({
        id,
        ...scope,
        flagKey: "banner",
        action: "update" as const,
        actor: "ana",
        reason: "launch",
        before: null,
        after: { state: "ENABLED" },
        changes: ["state"],
        createdAt: at,
      });
      const v1 = await store.saveFlagSet({
        scope,
        expectedVersion: 0,
        document: doc("a"),
        etag: "e1",
        actor: "ana",
        at,
        audit: [audit("a1")],
      });
      expect(v1.version).toBe(1);
      const v2 = await store.saveFlagSet({
        scope,
        expectedVersion: 1,
        document: doc("b"),
        etag: "e2",
        actor: "bo",
        at,
        audit: [audit("a2")],
      });
      expect(v2.version).toBe(2);
      await expect(
        store.saveFlagSet({
          scope,
          expectedVersion: 1,
          document: doc("c"),
          etag: "e3",
          actor: "cy",
          at,
          audit: [audit("a3")],
        }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      // The refused write left nothing behind: no version, no audit row.
      expect((await store.getFlagSet(scope))?.etag).toBe("e2");
      expect((await store.listAudit(scope)).map((a) => a.id).sort()).toEqual([
        "a1",
        "a2",
      ]);
      expect((await store.getVersion(scope, 1))?.document).toEqual(doc("a"));
      expect(await store.getVersion(scope, 3)).toBeUndefined();
      expect((await store.listFlagSets()).length).toBe(1);
      expect(
        await store.getFlagSet({ ...scope, environment: "staging" }),
      ).toBeUndefined();
    } finally {
      await database.close();
    }
  });

  it("finds API keys by hash and keeps the latest evaluation time", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database.db);
      await store.createApiKey({
        id: "k1",
        ...scope,
        name: "web",
        keyHash: "h1",
        createdAt: new Date(0),
        revokedAt: null,
      });
      expect(await store.findApiKeyByHash("h1")).toMatchObject({
        project: "shop",
        environment: "production",
      });
      expect(await store.findApiKeyByHash("nope")).toBeUndefined();
      const t1 = new Date("2026-08-01T00:00:00Z");
      const t2 = new Date("2026-08-02T00:00:00Z");
      await store.recordEvaluations([
        { ...scope, flagKey: "banner", at: t2, count: 3 },
      ]);
      await store.recordEvaluations([
        { ...scope, flagKey: "banner", at: t1, count: 2 },
      ]);
      expect((await store.lastEvaluations(scope)).get("banner")).toEqual(t2);
    } finally {
      await database.close();
    }
  });
});
