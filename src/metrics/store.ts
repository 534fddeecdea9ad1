import type {
  ChangeRecord,
  DeploymentEvent,
  IncidentEvent,
  RecordedEvents,
} from "./events.js";
import type { MetricsStore } from "./ports.js";
import { isAppError } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import { copyBinary } from "../store/index.js";
import type { Column, Database } from "../store/index.js";

/** Rows per statement: one JSON parameter (Postgres) or one COPY blob (PGlite) each. */
const batchSize = 50_000;

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (v: unknown): number | undefined =>
  v === null || v === undefined
    ? undefined
    : new Date(v as string | Date).getTime();
const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/** The part of PGlite's client the COPY path needs (drizzle exposes the client as `$client`). */
interface BlobClient {
  query(
    sql: string,
    params?: unknown[],
    options?: { blob: Blob },
  ): Promise<{ affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function blobClient(database: Database): BlobClient | undefined {
  if (database.kind !== "pglite") return undefined;
  const client = (database.db as unknown as { $client?: Partial<BlobClient> })
    .$client;
  return typeof client?.query === "function" &&
    typeof client.exec === "function"
    ? (client as BlobClient)
    : undefined;
}

/**
 * Appends rows idempotently (the natural key makes a replayed event a no-op) and returns how many
 * were new.
 *
 * - PGlite: the rows go as one binary `COPY … FROM '/dev/blob'` straight into the table,
 *   the fast path of a first import (a third of the CPU of a JSON parameter, ADR 084). COPY is
 *   all-or-nothing, so if a row already exists (unique violation) nothing was written, and the
 *   batch goes again through a temporary table and `INSERT … SELECT … ON CONFLICT DO NOTHING`.
 * - Postgres: one `INSERT … SELECT FROM jsonb_to_recordset($1) ON CONFLICT DO NOTHING` per batch
 *   (node-postgres has no COPY FROM STDIN without another package; native Postgres is fast anyway).
 */
async function append<R>(
  database: Database,
  table: string,
  columns: readonly Column<R>[],
  rows: readonly R[],
  recordedAt: number,
): Promise<number> {
  const client = blobClient(database);
  let inserted = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    inserted += client
      ? await copyRows(client, table, columns, chunk, recordedAt)
      : await insertJson(database, table, columns, chunk, iso(recordedAt));
  }
  return inserted;
}

const columnList = (columns: readonly Column<never>[]) =>
  [...columns.map(([n]) => `"${n}"`), recorded].join(", ");

async function insertJson<R>(
  database: Database,
  table: string,
  columns: readonly Column<R>[],
  rows: readonly R[],
  recordedAt: string,
): Promise<number> {
  const names = columnList(columns);
  const typed = [
    ...columns.map(([n, t]) => `"${n}" ${t}`),
    `${recorded} timestamptz`,
  ].join(", ");
  const sql =
    `with ins as (insert into ${table} (${names}) select ${names} from ` +
    `jsonb_to_recordset($1::jsonb) as x(${typed}) on conflict do nothing returning 1) ` +
    `select count(*)::int as n from ins`;
  const objects = rows.map((r) => {
    const o: Record<string, unknown> = { [recorded]: recordedAt };
    for (const [name, type, get] of columns) {
      const v = get(r);
      o[name] =
        v === undefined ? null : type === "timestamptz" ? iso(v as number) : v;
    }
    return o;
  });
  const { rows: out } = await database.executeSql(sql, [
    JSON.stringify(objects),
  ]);
  return Number(out[0]?.n ?? 0);
}

async function copyRows<R>(
  client: BlobClient,
  table: string,
  columns: readonly Column<R>[],
  rows: readonly R[],
  recordedAt: number,
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = columnList(columns);
  const blob = new Blob([copyBinary(columns, rows, recordedAt)]);
  try {
    const result = await client.query(
      `copy ${table} (${names}) from '/dev/blob' with (format binary)`,
      [],
      { blob },
    );
    return result.affectedRows ?? rows.length;
  } catch (error) {
    if (!isAppError(error) || error.driverCode !== uniqueViolation) throw error;
  }
  // Some rows exist already: stage the batch, then insert only the new ones.
  const staging = `${table}_staging`;
  await client.exec(
    `create temp table if not exists ${staging} (like ${table}); truncate ${staging}`,
  );
  await client.query(
    `copy ${staging} (${names}) from '/dev/blob' with (format binary)`,
    [],
    { blob },
  );
  const result = await client.query(
    `insert into ${table} (${names}) select ${names} from ${staging} on conflict do nothing`,
  );
  await client.exec(`truncate ${staging}`);
  return result.affectedRows ?? 0;
}

const uniqueViolation = "23505";

/** Every table has `recorded_at` last; its value is the batch's time, passed apart. */
const recorded = "recorded_at";

const changeColumns: readonly Column<ChangeRecord>[] = [
  ["project", "text", (r) => r.project],
  ["id", "text", (r) => r.id],
  ["kind", "text", (r) => r.kind],
  ["commits", "jsonb", (r) => r.commits],
  ["merge_commit", "text", (r) => r.mergeCommit],
  ["branch", "text", (r) => r.branch],
  ["first_commit_at", "timestamptz", (r) => r.firstCommitAt],
  ["opened_at", "timestamptz", (r) => r.openedAt],
  ["first_review_at", "timestamptz", (r) => r.firstReviewAt],
  ["merged_at", "timestamptz", (r) => r.mergedAt],
  ["author", "text", (r) => r.author],
  ["author_email", "text", (r) => r.authorEmail],
  ["title", "text", (r) => r.title],
  ["trailers", "jsonb", (r) => r.trailers],
  ["cohort", "text", (r) => r.cohort],
  ["markers", "jsonb", (r) => r.markers],
  ["source", "text", (r) => r.source],
];

const deploymentColumns: readonly Column<DeploymentEvent>[] = [
  ["project", "text", (e) => e.project],
  ["deployment_id", "text", (e) => e.deploymentId],
  ["type", "text", (e) => e.type],
  ["at", "timestamptz", (e) => e.at],
  ["environment", "text", (e) => e.environment],
  ["release", "text", (e) => e.release],
  ["commit", "text", (e) => e.commit],
  ["shipped", "jsonb", (e) => e.shipped],
  ["rollback_of", "text", (e) => e.rollbackOf],
  ["hotfix", "boolean", (e) => e.hotfix],
  ["fixes", "jsonb", (e) => e.fixes],
  ["source", "text", (e) => e.source],
];

const incidentColumns: readonly Column<IncidentEvent>[] = [
  ["project", "text", (e) => e.project],
  ["incident_id", "text", (e) => e.incidentId],
  ["type", "text", (e) => e.type],
  ["at", "timestamptz", (e) => e.at],
  ["opened_at", "timestamptz", (e) => e.openedAt],
  ["environment", "text", (e) => e.environment],
  ["severity", "text", (e) => e.severity],
  ["deployment_id", "text", (e) => e.deploymentId],
  ["commit", "text", (e) => e.commit],
  ["title", "text", (e) => e.title],
  ["source", "text", (e) => e.source],
];

/** The metrics store on drizzle's database (PGlite or Postgres). */
export function createMetricsStore(
  database: Database,
  deps: { clock: Clock },
): MetricsStore {
  const now = () => deps.clock.now();
  return {
    appendChanges: (rows: readonly ChangeRecord[]) =>
      append(database, "metrics_changes", changeColumns, rows, now()),
    appendDeploymentEvents: (events: readonly DeploymentEvent[]) =>
      append(
        database,
        "metrics_deployment_events",
        deploymentColumns,
        events,
        now(),
      ),
    appendIncidentEvents: (events: readonly IncidentEvent[]) =>
      append(
        database,
        "metrics_incident_events",
        incidentColumns,
        events,
        now(),
      ),
    async listDeploymentIds(filter) {
      const { rows } = await database.executeSql(
        "select distinct deployment_id, environment from metrics_deployment_events where project = $1 and source = $2",
        [filter.project, filter.source],
      );
      return rows.map((r) => ({
        id: r.deployment_id as string,
        environment: opt(r.environment as string | null),
      }));
    },
    async removeDeployments(project, ids) {
      if (ids.length === 0) return 0;
      const { rows } = await database.executeSql(
        "with gone as (delete from metrics_deployment_events where project = $1 and deployment_id in " +
          "(select jsonb_array_elements_text($2::jsonb)) returning deployment_id) " +
          "select count(distinct deployment_id)::int as n from gone",
        [project, JSON.stringify(ids)],
      );
      return Number(rows[0]?.n ?? 0);
    },
    async load(filter = {}): Promise<RecordedEvents> {
      const where = filter.project === undefined ? "" : " where project = $1";
      const params = filter.project === undefined ? [] : [filter.project];
      // Raw SQL: one round trip per table; the parameterless form must still be a single statement.
      const query = (table: string) =>
        database.executeSql(
          `select * from ${table}${where}`,
          params.length ? params : undefined,
        );
      const [c, d, i] = [
        await query("metrics_changes"),
        await query("metrics_deployment_events"),
        await query("metrics_incident_events"),
      ];
      return {
        changes: c.rows.map((r) => ({
          project: r.project as string,
          id: r.id as string,
          kind: r.kind as ChangeRecord["kind"],
          commits: json(r.commits) as string[],
          mergeCommit: opt(r.merge_commit as string | null),
          branch: opt(r.branch as string | null),
          firstCommitAt: ms(r.first_commit_at)!,
          openedAt: ms(r.opened_at),
          firstReviewAt: ms(r.first_review_at),
          mergedAt: ms(r.merged_at),
          author: opt(r.author as string | null),
          authorEmail: opt(r.author_email as string | null),
          title: opt(r.title as string | null),
          trailers: json(r.trailers) as [string, string][],
          cohort: r.cohort as ChangeRecord["cohort"],
          markers: json(r.markers) as ChangeRecord["markers"],
          source: r.source as string,
        })),
        deployments: d.rows.map((r) => ({
          project: r.project as string,
          deploymentId: r.deployment_id as string,
          type: r.type as DeploymentEvent["type"],
          at: ms(r.at)!,
          environment: opt(r.environment as string | null),
          release: opt(r.release as string | null),
          commit: opt(r.commit as string | null),
          shipped: opt(json(r.shipped) as string[] | null),
          rollbackOf: opt(r.rollback_of as string | null),
          hotfix: opt(r.hotfix as boolean | null),
          fixes: opt(json(r.fixes) as string[] | null),
          source: r.source as string,
        })),
        incidents: i.rows.map((r) => ({
          project: r.project as string,
          incidentId: r.incident_id as string,
          type: r.type as IncidentEvent["type"],
          at: ms(r.at)!,
          openedAt: ms(r.opened_at),
          environment: opt(r.environment as string | null),
          severity: opt(r.severity as string | null),
          deploymentId: opt(r.deployment_id as string | null),
          commit: opt(r.commit as string | null),
          title: opt(r.title as string | null),
          source: r.source as string,
        })),
      };
    },
  };
}

/** jsonb comes back parsed from pg and PGlite alike; tolerate a string just in case. */
function json(v: unknown): unknown {
  return typeof v === "string" ? JSON.parse(v) : v;
}
