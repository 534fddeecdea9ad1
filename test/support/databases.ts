import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database } from "../../src/store/database.js";
import { openDatabase } from "../../src/store/open.js";

/** A database a contract test runs against: always PGlite, and Postgres when SLUICE_TEST_DATABASE_URL is set. */
export interface TestDatabase {
  name: "pglite" | "postgres";
  /** A fresh, migrated, empty database. Close it when done. */
  open(): Promise<Database>;
}

const postgresUrl = process.env.SLUICE_TEST_DATABASE_URL;

export const testDatabases: TestDatabase[] = [
  { name: "pglite", open: openPgliteFromTemplate },
  ...(postgresUrl
    ? [
        {
          name: "postgres" as const,
          open: () => openFreshPostgres(postgresUrl),
        },
      ]
    : []),
];

/** Says so once when the Postgres half of the contract tests is skipped. */
export const postgresSkipped = !postgresUrl;

async function openPgliteFromTemplate(): Promise<Database> {
  const template = process.env.SLUICE_TEST_PGLITE_TEMPLATE;
  if (!template) return openDatabase({ kind: "pglite" });
  return openDatabase({
    kind: "pglite",
    loadDataDir: new Blob([readFileSync(template)]),
  });
}

/** Creates a new database on the test cluster, so tests never see each other's rows. */
export async function openFreshPostgres(url: string): Promise<Database> {
  return openDatabase({ kind: "postgres", url: await freshPostgresUrl(url) });
}

/** The URL of a new, empty database on the test cluster (for a sluice process to migrate). */
export async function freshPostgresUrl(url: string): Promise<string> {
  const name = `sluice_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

/**
 * For a sluice process a test starts: sets `env.SLUICE_DATABASE_URL` to a new database on the
 * test cluster when SLUICE_TEST_DATABASE_URL names one; otherwise the process keeps its
 * embedded store.
 */
export async function useFreshPostgres(
  env: Record<string, string>,
): Promise<void> {
  if (postgresUrl)
    env.SLUICE_DATABASE_URL = await freshPostgresUrl(postgresUrl);
}
