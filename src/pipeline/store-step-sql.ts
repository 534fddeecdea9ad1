import { sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { StepUpdate } from "./queue/ports.js";

/** `jsonb_to_recordset(...) as v(...)` of step updates (one parameter, any number of steps). */
export function stepRecordset(updates: StepUpdate[]): SQL {
  const rows = JSON.stringify(
    updates.map((u) => ({
      position: u.position,
      status: u.status,
      exit_code: u.exitCode,
      cache: u.cache,
      attempts: u.attempts,
      log_path: u.logPath,
      warnings: u.warnings,
      started_at: u.startedAt?.toISOString() ?? u.startedAt,
      finished_at: u.finishedAt?.toISOString() ?? u.finishedAt,
      // Which fields were given: an absent one keeps the column's value, a null one clears it.
      given: [
        u.exitCode !== undefined,
        u.cache !== undefined,
        u.attempts !== undefined,
        u.logPath !== undefined,
        u.startedAt !== undefined,
        u.finishedAt !== undefined,
        u.warnings !== undefined,
      ],
    })),
  );
  return sql`jsonb_to_recordset(${rows}::jsonb) as v(position int, status text, exit_code int,
    cache text, attempts int, log_path text, started_at timestamptz, finished_at timestamptz,
    given boolean[], warnings jsonb)`;
}

/** The SET list that copies a step recordset's columns (see `stepRecordset`). */
export function stepColumnsFrom(v: string): SQL {
  const col = (name: string, index: number) =>
    sql.raw(
      `${name} = case when ${v}.given[${index}] then ${v}.${name} else s.${name} end`,
    );
  return sql.join(
    [
      sql.raw(`status = ${v}.status`),
      col("exit_code", 1),
      col("cache", 2),
      col("attempts", 3),
      col("log_path", 4),
      col("started_at", 5),
      col("finished_at", 6),
      col("warnings", 7),
    ],
    sql`, `,
  );
}

/** Rows of `db.execute`: node-postgres and PGlite both return `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
