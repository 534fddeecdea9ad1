import { describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { AppError, ManualClock } from "../kernel/index.js";
import { createFlagStore } from "../flags/index.js";
import { createRunStore } from "../pipeline/index.js";

const secret = "hunter2-s3cr3t-value";
const start = Date.parse("2026-08-01T00:00:00Z");

/** What a user or an HTTP client may see of an error: its message and detail. */
function shown(error: unknown): string {
  expect(error).toBeInstanceOf(AppError);
  const e = error as AppError;
  return `${e.message}\n${e.detail ?? ""}`;
}

function expectClean(text: string): void {
  expect(text).not.toMatch(/Failed query/i);
  expect(text).not.toMatch(/\b(insert|select|update|values|from|where)\b/i);
  expect(text).not.toContain(secret);
  expect(text).not.toMatch(/UTF8|0x00|runs|flag_sets/);
}

// Issue 11: drizzle's "Failed query: <sql> params: <values>" reached the terminal and HTTP clients.
describe.each(testDatabases)("database errors on $name", ({ open }) => {
  it("a failing query through a store method is an AppError without SQL, values or driver text", async () => {
    const database = await open();
    try {
      const runs = createRunStore(database, { clock: new ManualClock(start) });
      const error = await runs
        .createRun({
          project: "shop",
          trigger: "local",
          workdir: "/tmp/shop",
          change: { message: `fix\0 ${secret}` },
        })
        .catch((e: unknown) => e);
      expectClean(shown(error));
      expect(error).toMatchObject({
        code: "INTERNAL",
        message: "a database query failed: data exception (SQLSTATE 22021)",
        driverCode: "22021",
      });
    } finally {
      await database.close();
    }
  });

  it("inside a transaction, and on raw SQL, the same; a unique violation keeps its SQLSTATE", async () => {
    const database = await open();
    try {
      const flags = createFlagStore(database);
      const error = await flags
        .saveFlagSet({
          scope: { project: "shop", environment: `prod\0${secret}` },
          expectedVersion: 0,
          document: { flags: {} },
          etag: "e",
          actor: "ana",
          at: new Date(start),
          audit: [],
        } as unknown as Parameters<typeof flags.saveFlagSet>[0])
        .catch((e: unknown) => e);
      expectClean(shown(error));
      expect(error).toMatchObject({ driverCode: "22021" });

      await database.executeSql(
        "create table guard_t (id text primary key); insert into guard_t values ('a')",
      );
      const duplicate = await database
        .executeSql("insert into guard_t values ($1)", ["a"])
        .catch((e: unknown) => e);
      expectClean(shown(duplicate));
      expect(duplicate).toMatchObject({
        code: "INTERNAL",
        driverCode: "23505",
      });
    } finally {
      await database.close();
    }
  });

  it("a closed database is STORE_UNAVAILABLE, without SQL", async () => {
    const database = await open();
    const runs = createRunStore(database, { clock: new ManualClock(start) });
    await database.close();
    const error = await runs
      .listRuns({ project: secret })
      .catch((e: unknown) => e);
    expectClean(shown(error));
    expect(error).toMatchObject({ code: "STORE_UNAVAILABLE" });
  });
});
