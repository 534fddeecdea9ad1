import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

/**
 * The drizzle database every store takes; the same type for PGlite and Postgres. Each capability's
 * store brings its own tables (`<capability>/store-schema.ts`), so the handle carries none.
 */
export type Db = PgDatabase<PgQueryResultHKT>;

/** A raw SQL executor (pg-boss and a few maintenance queries use it). */
interface SqlExecutor {
  executeSql(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
}

/** An open database: drizzle for the stores, raw SQL for the queue, and `close`. */
export interface Database extends SqlExecutor {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  close(): Promise<void>;
}
