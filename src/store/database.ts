import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema/index.js";

/** The drizzle database every store takes; the same type for PGlite and Postgres. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

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
