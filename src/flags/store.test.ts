import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { createFlagStore } from "./store.js";
import type { FlagSetDocument } from "./index.js";

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

const key = (id: string, keyScope: typeof scope, createdAt: Date) => ({
  id,
  ...keyScope,
  name: `name-${id}`,
  keyHash: `hash-${id}`,
  createdAt,
  revokedAt: null,
});
const created = (id: string, keyScope = scope) => ({
  id: `audit-${id}`,
  ...keyScope,
  flagKey: id,
  action: "create-key" as const,
  actor: "ana",
  reason: null,
  before: null,
  after: { id },
  changes: [],
  createdAt: new Date(0),
});

describe.each(testDatabases)("flag store on $name", ({ open }) => {
  it("stores versions with their audit rows, and refuses a stale expected version", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database);
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
      const store = createFlagStore(database);
      await store.createApiKey(key("k1", scope, new Date(0)), created("k1"));
      expect(await store.findApiKeyByHash("hash-k1")).toMatchObject({
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

  it("lists API keys without their hash, filtered by scope, oldest first", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database);
      const staging = { ...scope, environment: "staging" };
      const other = { project: "blog", environment: "production" };
      await store.createApiKey(
        key("k2", staging, new Date(2000)),
        created("k2", staging),
      );
      await store.createApiKey(key("k1", scope, new Date(1000)), created("k1"));
      await store.createApiKey(
        key("k3", other, new Date(3000)),
        created("k3", other),
      );
      expect((await store.listApiKeys()).map((k) => k.id)).toEqual([
        "k1",
        "k2",
        "k3",
      ]);
      expect(
        (await store.listApiKeys({ project: "shop" })).map((k) => k.id),
      ).toEqual(["k1", "k2"]);
      expect(
        (await store.listApiKeys({ environment: "production" })).map(
          (k) => k.id,
        ),
      ).toEqual(["k1", "k3"]);
      expect(
        await store.listApiKeys({ project: "shop", environment: "qa" }),
      ).toEqual([]);
      const [k1] = await store.listApiKeys(scope);
      expect(k1).toEqual({
        id: "k1",
        ...scope,
        name: "name-k1",
        createdAt: new Date(1000),
        lastUsedAt: null,
        revokedAt: null,
        revokedBy: null,
        revokedReason: null,
      });
      expect(JSON.stringify(await store.listApiKeys())).not.toContain("hash-");
      expect(await store.getApiKey("k2")).toMatchObject({
        id: "k2",
        environment: "staging",
      });
      expect(await store.getApiKey("nope")).toBeUndefined();
      // The creation is in the scope's audit log, under the key's id.
      expect(await store.listAudit(scope)).toMatchObject([
        { flagKey: "k1", action: "create-key", version: 0 },
      ]);
    } finally {
      await database.close();
    }
  });

  it("revokes a key once, with its audit row and the set's version, and keeps the row", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database);
      await store.saveFlagSet({
        scope,
        expectedVersion: 0,
        document: doc("a"),
        etag: "e1",
        actor: "ana",
        at: new Date(0),
        audit: [],
      });
      await store.createApiKey(key("k1", scope, new Date(0)), created("k1"));
      const at = new Date("2026-08-03T12:00:00Z");
      const revoke = (when: Date, reason: string) =>
        store.revokeApiKey({
          id: "k1",
          at: when,
          actor: "bo",
          reason,
          audit: {
            id: `revoke-${reason}`,
            flagKey: "k1",
            action: "revoke-key",
            actor: "bo",
            reason,
            before: { revokedAt: null },
            after: { revokedAt: when.toISOString() },
            changes: ["revokedAt"],
            createdAt: when,
          },
        });
      expect(await revoke(at, "leaked")).toMatchObject({
        id: "k1",
        ...scope,
        revokedAt: at,
        revokedBy: "bo",
        revokedReason: "leaked",
      });
      // A second revocation changes nothing: neither the first one's time and reason nor the log.
      expect(
        await revoke(new Date(at.getTime() + 1000), "again"),
      ).toBeUndefined();
      expect(await store.getApiKey("k1")).toMatchObject({
        revokedAt: at,
        revokedReason: "leaked",
      });
      expect((await store.findApiKeyByHash("hash-k1"))?.revokedAt).toEqual(at);
      const audit = await store.listAudit(scope);
      expect(audit.map((a) => [a.id, a.action, a.version])).toEqual([
        ["revoke-leaked", "revoke-key", 1],
        ["audit-k1", "create-key", 1],
      ]);
      expect(
        await store.revokeApiKey({
          id: "nope",
          at,
          actor: "bo",
          reason: null,
          audit: { ...audit[0]!, id: "x" },
        }),
      ).toBeUndefined();
      expect(await store.listAudit(scope)).toHaveLength(2);
    } finally {
      await database.close();
    }
  });

  it("moves a key's last use forward only, many keys in one write", async () => {
    const database = await open();
    try {
      const store = createFlagStore(database);
      await store.createApiKey(key("k1", scope, new Date(0)), created("k1"));
      await store.createApiKey(key("k2", scope, new Date(0)), created("k2"));
      const t1 = new Date("2026-08-01T00:00:00Z");
      const t2 = new Date("2026-08-02T00:00:00Z");
      await store.recordApiKeyUses([]);
      await store.recordApiKeyUses([
        { id: "k1", at: t2 },
        { id: "k2", at: t1 },
        { id: "gone", at: t1 },
      ]);
      await store.recordApiKeyUses([{ id: "k1", at: t1 }]);
      expect(
        (await store.listApiKeys()).map((k) => [k.id, k.lastUsedAt]),
      ).toEqual([
        ["k1", t2],
        ["k2", t1],
      ]);
    } finally {
      await database.close();
    }
  });
});
