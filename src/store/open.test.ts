import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  postgresSkipped,
  testDatabases,
} from "../../test/support/databases.js";
import { openDatabase, prepareDataDir, redactUrl } from "./open.js";

describe.each(testDatabases)("database on $name", ({ open }) => {
  it("applies the migrations and answers SQL", async () => {
    const database = await open();
    try {
      const { rows } = await database.executeSql(
        "select count(*)::int as n from runs",
      );
      expect(rows[0]?.n).toBe(0);
    } finally {
      await database.close();
    }
  });
});

describe("openDatabase", () => {
  it.skipIf(!postgresSkipped)(
    "reports the Postgres half skipped without SLUICE_TEST_DATABASE_URL",
    () => {
      console.warn(
        "SLUICE_TEST_DATABASE_URL is not set: Postgres contract tests skipped",
      );
      expect(postgresSkipped).toBe(true);
    },
  );

  it("refuses a second opener of a PGlite folder and names the holder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-lock-"));
    const first = await openDatabase({
      kind: "pglite",
      dataDir: join(dir, "db"),
    });
    try {
      await expect(
        openDatabase({ kind: "pglite", dataDir: join(dir, "db") }),
      ).rejects.toMatchObject({
        code: "STORE_LOCKED",
        message: expect.stringContaining(`process ${process.pid}`),
      });
    } finally {
      await first.close();
    }
  });

  it("locks a folder prepared ahead; the open takes the lock over and lets it go at close", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-prepared-"));
    const dataDir = join(dir, "db");
    prepareDataDir(dataDir);
    expect(readFileSync(join(dataDir, "sluice.lock"), "utf8")).toBe(
      String(process.pid),
    );
    const database = await openDatabase({ kind: "pglite", dataDir });
    try {
      const { rows } = await database.executeSql(
        "select count(*)::int as n from runs",
      );
      expect(rows[0]?.n).toBe(0);
      expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    } finally {
      await database.close();
    }
    expect(existsSync(join(dataDir, "sluice.lock"))).toBe(false);
  });

  it("gives a clear error when Postgres refuses connections", async () => {
    await expect(
      openDatabase({
        kind: "postgres",
        url: "postgres://u:hunter2@127.0.0.1:1/x",
      }),
    ).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.not.stringContaining("hunter2"),
    });
  });

  it("redacts passwords in URLs", () => {
    expect(redactUrl("postgres://u:secret@h:5432/d")).toBe(
      "postgres://u:***@h:5432/d",
    );
  });
});
