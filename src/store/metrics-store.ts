import type {
  ChangeRecord,
  DeploymentEvent,
  IncidentEvent,
  MetricsStore,
  RecordedEvents,
} from "../metrics/index.js";
import type { Database } from "./database.js";

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
 * - PGlite: the rows go as one tab-separated `COPY … FROM '/dev/blob'` straight into the table,
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
  const at = new Date(recordedAt).toISOString();
  let inserted = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    const chunk = rows.slice(i, i + batchSize);
    inserted += client
      ? await copyRows(client, table, columns, chunk, at)
      : await insertJson(database, table, columns, chunk, at);
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
  recordedAt: string,
): Promise<number> {
  if (rows.length === 0) return 0;
  const names = columnList(columns);
  const blob = new Blob([copyText(columns, rows, recordedAt)]);
  try {
    const result = await client.query(
      `copy ${table} (${names}) from '/dev/blob'`,
      [],
      { blob },
    );
    return result.affectedRows ?? rows.length;
  } catch (error) {
    if ((error as { code?: unknown }).code !== uniqueViolation) throw error;
  }
  // Some rows exist already: stage the batch, then insert only the new ones.
  const staging = `${table}_staging`;
  await client.exec(
    `create temp table if not exists ${staging} (like ${table}); truncate ${staging}`,
  );
  await client.query(`copy ${staging} (${names}) from '/dev/blob'`, [], {
    blob,
  });
  const result = await client.query(
    `insert into ${table} (${names}) select ${names} from ${staging} on conflict do nothing`,
  );
  await client.exec(`truncate ${staging}`);
  return result.affectedRows ?? 0;
}

const uniqueViolation = "23505";

/** COPY's text format: tab-separated columns, `\\N` for null, backslash escapes. */
function copyText<R>(
  columns: readonly Column<R>[],
  rows: readonly R[],
  recordedAt: string,
): string {
  const n = columns.length;
  const getters = columns.map((c) => c[2]);
  const kinds = columns.map(([, type]) => kindOf[type]);
  // One row's fields, joined once: cheaper than growing the line by concatenation.
  const fields = new Array<string>(n + 1);
  fields[n] = recordedAt;
  const lines = new Array<string>(rows.length + 1);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < n; c++) {
      const v = getters[c]!(row);
      let text: string;
      if (v === null || v === undefined) text = "\\N";
      else {
        const kind = kinds[c];
        if (kind === 0) text = escapeCopy(v as string);
        else if (kind === 1) text = isoString(v as number);
        else if (kind === 2) text = jsonText(v);
        else text = v ? "t" : "f";
      }
      fields[c] = text;
    }
    lines[r] = fields.join("\t");
  }
  lines[rows.length] = "";
  return lines.join("\n");
}

const twoDigits = Array.from(
  { length: 100 },
  (_, i) => (i < 10 ? "0" : "") + String(i),
);
/** 10000-01-01T00:00:00Z: from there on `toISOString` writes a six-digit year. */
const isoYear10000 = 253_402_300_800_000;

/**
 * `new Date(ms).toISOString()`, computed without a Date for whole milliseconds in 1970–9999 (a
 * quarter of the time; an import formats one per change). Days to civil date: H. Hinnant's
 * `civil_from_days`.
 */
export function isoString(ms: number): string {
  if (!(ms >= 0 && ms < isoYear10000) || ms % 1 !== 0)
    return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe -
      Math.floor(doe / 1460) +
      Math.floor(doe / 36_524) -
      Math.floor(doe / 146_096)) /
      365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  rest -= second * 1000;
  return (
    String(year) +
    "-" +
    twoDigits[month]! +
    "-" +
    twoDigits[day]! +
    "T" +
    twoDigits[hour]! +
    ":" +
    twoDigits[minute]! +
    ":" +
    twoDigits[second]! +
    "." +
    (rest < 10 ? "00" : rest < 100 ? "0" : "") +
    String(rest) +
    "Z"
  );
}

/** Whether JSON writes the string as itself in quotes: no quote, backslash, control or surrogate character. */
function isPlainJsonString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff))
      return false;
  }
  return true;
}

/**
 * A jsonb value in COPY text: JSON, whose backslashes COPY needs doubled (JSON never holds a raw
 * tab or newline). Empty arrays and arrays of plain strings (SHAs, the common case) skip
 * `JSON.stringify`.
 */
function jsonText(v: unknown): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    let plain = true;
    for (let i = 0; i < v.length && plain; i++) {
      const x: unknown = v[i];
      plain = typeof x === "string" && isPlainJsonString(x);
    }
    if (plain) return '["' + (v as string[]).join('","') + '"]';
  }
  const text = JSON.stringify(v);
  return text.includes("\\") ? text.replaceAll("\\", "\\\\") : text;
}

const kindOf = { text: 0, timestamptz: 1, jsonb: 2, boolean: 3 } as const;

const needsEscape = /[\\\t\n\r\0]/;
const escapes: Record<string, string> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
  "\0": "",
};
const escapeCopy = (s: string) =>
  needsEscape.test(s) ? s.replace(/[\\\t\n\r\0]/g, (ch) => escapes[ch]!) : s;

/** A column: its name, Postgres type and how to read it from a record, in table order. */
type Column<R> = readonly [
  name: string,
  type: "text" | "jsonb" | "timestamptz" | "boolean",
  get: (r: R) => unknown,
];

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
  now: () => number,
): MetricsStore {
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
