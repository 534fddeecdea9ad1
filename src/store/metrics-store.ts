import type {
  ChangeRecord,
  DeploymentEvent,
  IncidentEvent,
  MetricsStore,
  RecordedEvents,
} from "../metrics/index.js";
import type { Database } from "./database.js";

/** Rows per INSERT: one JSON parameter each, so the batch size only bounds memory. */
const batchSize = 5_000;

const iso = (ms: number | undefined) =>
  ms === undefined ? null : new Date(ms).toISOString();
const ms = (v: unknown): number | undefined =>
  v === null || v === undefined
    ? undefined
    : new Date(v as string | Date).getTime();
const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/**
 * Appends with one `INSERT … SELECT FROM jsonb_to_recordset($1) ON CONFLICT DO NOTHING` per
 * batch: a single parameter keeps PGlite fast (no per-value binding) and the natural keys make
 * a replayed event a no-op. Returns how many rows were new.
 */
async function appendJson(
  database: Database,
  table: string,
  columns: [string, string][],
  rows: readonly Record<string, unknown>[],
): Promise<number> {
  let inserted = 0;
  const names = columns.map(([n]) => `"${n}"`).join(", ");
  const typed = columns.map(([n, t]) => `"${n}" ${t}`).join(", ");
  const sql =
    `with ins as (insert into ${table} (${names}) select ${names} from ` +
    `jsonb_to_recordset($1::jsonb) as x(${typed}) on conflict do nothing returning 1) ` +
    `select count(*)::int as n from ins`;
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    const { rows: out } = await database.executeSql(sql, [
      JSON.stringify(chunk),
    ]);
    inserted += Number(out[0]?.n ?? 0);
  }
  return inserted;
}

const changeColumns: [string, string][] = [
  ["project", "text"],
  ["id", "text"],
  ["kind", "text"],
  ["commits", "jsonb"],
  ["merge_commit", "text"],
  ["branch", "text"],
  ["first_commit_at", "timestamptz"],
  ["opened_at", "timestamptz"],
  ["first_review_at", "timestamptz"],
  ["merged_at", "timestamptz"],
  ["author", "text"],
  ["author_email", "text"],
  ["title", "text"],
  ["trailers", "jsonb"],
  ["cohort", "text"],
  ["markers", "jsonb"],
  ["source", "text"],
  ["recorded_at", "timestamptz"],
];

const deploymentColumns: [string, string][] = [
  ["project", "text"],
  ["deployment_id", "text"],
  ["type", "text"],
  ["at", "timestamptz"],
  ["environment", "text"],
  ["release", "text"],
  ["commit", "text"],
  ["shipped", "jsonb"],
  ["rollback_of", "text"],
  ["hotfix", "boolean"],
  ["fixes", "jsonb"],
  ["source", "text"],
  ["recorded_at", "timestamptz"],
];

const incidentColumns: [string, string][] = [
  ["project", "text"],
  ["incident_id", "text"],
  ["type", "text"],
  ["at", "timestamptz"],
  ["opened_at", "timestamptz"],
  ["environment", "text"],
  ["severity", "text"],
  ["deployment_id", "text"],
  ["commit", "text"],
  ["title", "text"],
  ["source", "text"],
  ["recorded_at", "timestamptz"],
];

/** The metrics store on drizzle's database (PGlite or Postgres). */
export function createMetricsStore(
  database: Database,
  now: () => number,
): MetricsStore {
  return {
    appendChanges(rows: readonly ChangeRecord[]) {
      const recordedAt = iso(now());
      return appendJson(
        database,
        "metrics_changes",
        changeColumns,
        rows.map((r) => ({
          project: r.project,
          id: r.id,
          kind: r.kind,
          commits: r.commits,
          merge_commit: r.mergeCommit ?? null,
          branch: r.branch ?? null,
          first_commit_at: iso(r.firstCommitAt),
          opened_at: iso(r.openedAt),
          first_review_at: iso(r.firstReviewAt),
          merged_at: iso(r.mergedAt),
          author: r.author ?? null,
          author_email: r.authorEmail ?? null,
          title: r.title ?? null,
          trailers: r.trailers,
          cohort: r.cohort,
          markers: r.markers,
          source: r.source,
          recorded_at: recordedAt,
        })),
      );
    },
    appendDeploymentEvents(events: readonly DeploymentEvent[]) {
      const recordedAt = iso(now());
      return appendJson(
        database,
        "metrics_deployment_events",
        deploymentColumns,
        events.map((e) => ({
          project: e.project,
          deployment_id: e.deploymentId,
          type: e.type,
          at: iso(e.at),
          environment: e.environment ?? null,
          release: e.release ?? null,
          commit: e.commit ?? null,
          shipped: e.shipped ?? null,
          rollback_of: e.rollbackOf ?? null,
          hotfix: e.hotfix ?? null,
          fixes: e.fixes ?? null,
          source: e.source,
          recorded_at: recordedAt,
        })),
      );
    },
    appendIncidentEvents(events: readonly IncidentEvent[]) {
      const recordedAt = iso(now());
      return appendJson(
        database,
        "metrics_incident_events",
        incidentColumns,
        events.map((e) => ({
          project: e.project,
          incident_id: e.incidentId,
          type: e.type,
          at: iso(e.at),
          opened_at: iso(e.openedAt),
          environment: e.environment ?? null,
          severity: e.severity ?? null,
          deployment_id: e.deploymentId ?? null,
          commit: e.commit ?? null,
          title: e.title ?? null,
          source: e.source,
          recorded_at: recordedAt,
        })),
      );
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
