import { sql } from "drizzle-orm";
import type {
  AdvisoryImport,
  AdvisorySnapshot,
  AdvisoryStore,
  ScanFindingStore,
} from "./deps/ports.js";
import { advisoryIndexKeys } from "./deps/osv.js";
import type { OsvRecord } from "./deps/osv.js";
import type { Finding } from "./finding.js";
import type { Clock } from "../kernel/index.js";
import { newId } from "../kernel/index.js";
import type { Database } from "../store/index.js";

/** Rows per statement; each batch is one JSON parameter (fast on PGlite, no bind limit). */
const batchSize = 2_000;

type Row = Record<string, unknown>;

function rowsOf(result: unknown): Row[] {
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}

function toSnapshot(row: Row): AdvisorySnapshot {
  return {
    id: String(row.id),
    hash: String(row.hash),
    source: String(row.source),
    imported: Number(row.imported),
    skipped: Number(row.skipped),
    total: Number(row.total),
    skippedReasons: (row.skipped_reasons ?? {}) as Record<string, number>,
    createdAt: new Date(row.created_at as string | Date),
  };
}

/** The advisory store and the per-run findings. */
export interface ScanStore extends AdvisoryStore, ScanFindingStore {
  /** Every stored record as JSON text with its package keys: the advisory file is written from it. */
  advisoryEntries(): Promise<
    { id: string; json: string; keys: [string, string][] }[]
  >;
}

/** The scan capability's store on drizzle (PGlite or Postgres). */
export function createScanStore(
  database: Database,
  deps: { clock: Clock },
): ScanStore {
  return {
    async importAdvisories(batch: AdvisoryImport): Promise<AdvisorySnapshot> {
      const snapshotId = newId("snap", deps.clock.now());
      return database.db.transaction(async (tx) => {
        for (let i = 0; i < batch.records.length; i += batchSize) {
          const chunk = batch.records.slice(i, i + batchSize);
          const rows = chunk.map((r) => ({
            id: r.id,
            modified: r.modified,
            aliases: r.aliases ?? [],
            record: r,
          }));
          // A record already stored with a newer `modified` is kept.
          const updated = rowsOf(
            await tx.execute(sql`
            insert into advisories (id, modified, aliases, record, snapshot_id)
            select id, modified, aliases, record, ${snapshotId}
            from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
              as x(id text, modified text, aliases jsonb, record jsonb)
            on conflict (id) do update set modified = excluded.modified, aliases = excluded.aliases,
              record = excluded.record, snapshot_id = excluded.snapshot_id
            where advisories.modified <= excluded.modified
            returning id`),
          ).map((r) => String(r.id));
          if (updated.length === 0) continue;
          const keep = new Set(updated);
          await tx.execute(sql`
          delete from advisory_packages
          where advisory_id in (select jsonb_array_elements_text(${JSON.stringify(updated)}::jsonb))`);
          const keys = chunk
            .filter((r) => keep.has(r.id))
            .flatMap((r) =>
              advisoryIndexKeys(r).map(([ecosystem, name]) => ({
                ecosystem,
                name,
                advisory_id: r.id,
              })),
            );
          await tx.execute(sql`
          insert into advisory_packages (ecosystem, name, advisory_id)
          select ecosystem, name, advisory_id
          from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as x(ecosystem text, name text, advisory_id text)
          on conflict do nothing`);
        }
        const total = Number(
          rowsOf(
            await tx.execute(sql`select count(*)::int as n from advisories`),
          )[0]?.n ?? 0,
        );
        const inserted = rowsOf(
          await tx.execute(sql`
          insert into advisory_snapshots (id, hash, source, imported, skipped, total, skipped_reasons, created_at)
          values (${snapshotId}, ${batch.hash}, ${batch.source}, ${batch.records.length}, ${batch.skipped}, ${total},
            ${JSON.stringify(batch.skippedReasons)}::jsonb, ${batch.createdAt.toISOString()})
          returning *`),
        );
        return toSnapshot(inserted[0]!);
      });
    },

    async currentSnapshot(): Promise<AdvisorySnapshot | undefined> {
      const { rows } = await database.executeSql(
        "select * from advisory_snapshots order by created_at desc, id desc limit 1",
      );
      return rows[0] ? toSnapshot(rows[0]) : undefined;
    },

    async countByEcosystem(): Promise<Record<string, number>> {
      const { rows } = await database.executeSql(
        "select ecosystem, count(distinct advisory_id)::int as n from advisory_packages group by ecosystem order by ecosystem",
      );
      return Object.fromEntries(
        rows.map((r) => [String(r.ecosystem), Number(r.n)]),
      );
    },

    async recordsFor(packages: Map<string, Set<string>>): Promise<OsvRecord[]> {
      const records: OsvRecord[] = [];
      const seen = new Set<string>();
      for (const [ecosystem, names] of packages) {
        if (names.size === 0) continue;
        // One index range scan on (ecosystem, name) per ecosystem, then the records by primary key.
        const { rows } = await database.executeSql(
          `select a.id, a.record from advisory_packages p join advisories a on a.id = p.advisory_id
         where p.ecosystem = $1 and p.name = any($2::text[])`,
          [ecosystem, [...names]],
        );
        for (const row of rows) {
          const id = String(row.id);
          if (seen.has(id)) continue;
          seen.add(id);
          records.push(row.record as OsvRecord);
        }
      }
      return records;
    },

    /** Every stored record as JSON text with its package keys: the advisory file is written from it. */
    async advisoryEntries(): Promise<
      { id: string; json: string; keys: [string, string][] }[]
    > {
      const { rows: keyRows } = await database.executeSql(
        "select advisory_id, ecosystem, name from advisory_packages",
      );
      const keys = new Map<string, [string, string][]>();
      for (const row of keyRows) {
        const id = String(row.advisory_id);
        const list = keys.get(id) ?? [];
        list.push([String(row.ecosystem), String(row.name)]);
        keys.set(id, list);
      }
      const { rows } = await database.executeSql(
        "select id, record::text as json from advisories order by id",
      );
      return rows.map((row) => ({
        id: String(row.id),
        json: String(row.json),
        keys: keys.get(String(row.id)) ?? [],
      }));
    },

    async saveScan(
      scan: Parameters<ScanFindingStore["saveScan"]>[0],
    ): Promise<void> {
      await database.db.transaction(async (tx) => {
        await tx.execute(sql`
        insert into scans (id, run_id, job_id, snapshot_id, summary, created_at)
        values (${scan.id}, ${scan.runId ?? null}, ${scan.jobId ?? null}, ${scan.snapshotId ?? null},
          ${JSON.stringify(scan.summary)}::jsonb, ${scan.createdAt.toISOString()})`);
        for (let i = 0; i < scan.findings.length; i += batchSize) {
          const rows = scan.findings.slice(i, i + batchSize).map((f, n) => ({
            id: `${scan.id}_${String(i + n).padStart(6, "0")}`,
            scan_id: scan.id,
            run_id: scan.runId ?? null,
            tool: f.tool,
            rule_id: f.ruleId,
            severity: f.severity,
            fingerprint: f.fingerprint,
            finding: f,
          }));
          await tx.execute(sql`
          insert into scan_findings (id, scan_id, run_id, tool, rule_id, severity, fingerprint, finding)
          select id, scan_id, run_id, tool, rule_id, severity, fingerprint, finding
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
            as x(id text, scan_id text, run_id text, tool text, rule_id text, severity text, fingerprint text, finding jsonb)`);
        }
      });
    },

    async findingsForRun(runId: string): Promise<Finding[]> {
      const { rows } = await database.executeSql(
        "select finding from scan_findings where run_id = $1 order by id",
        [runId],
      );
      return rows.map((r) => r.finding as Finding);
    },
  };
}
