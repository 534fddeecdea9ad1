import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/** One `sluice advisories import`: the advisory database as of that import. */
export const advisorySnapshots = pgTable("advisory_snapshots", {
  id: text("id").primaryKey(),
  /** sha256 over the imported records' `id@modified`, sorted. */
  hash: text("hash").notNull(),
  source: text("source").notNull(),
  imported: integer("imported").notNull(),
  skipped: integer("skipped").notNull(),
  /** Records in the store after this import. */
  total: integer("total").notNull(),
  /** Why records or entries were skipped: reason → count. */
  skippedReasons: jsonb("skipped_reasons")
    .$type<Record<string, number>>()
    .notNull()
    .default({}),
  createdAt: timestamp("created_at", {
    withTimezone: true,
    mode: "date",
  }).notNull(),
});

/** One OSV record (without its long `details`), newest `modified` wins on re-import. */
export const advisories = pgTable("advisories", {
  id: text("id").primaryKey(),
  modified: text("modified").notNull(),
  aliases: jsonb("aliases").$type<string[]>().notNull().default([]),
  record: jsonb("record").$type<Record<string, unknown>>().notNull(),
  snapshotId: text("snapshot_id").notNull(),
});

/** The index a scan reads: (ecosystem, normalised package name) → advisory. */
export const advisoryPackages = pgTable(
  "advisory_packages",
  {
    ecosystem: text("ecosystem").notNull(),
    name: text("name").notNull(),
    advisoryId: text("advisory_id")
      .notNull()
      .references(() => advisories.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.ecosystem, t.name, t.advisoryId] }),
    index("advisory_packages_advisory_idx").on(t.advisoryId),
  ],
);

/** One scan made for a run (the `sluice/scan` step), with the advisory snapshot it used. */
export const scans = pgTable(
  "scans",
  {
    id: text("id").primaryKey(),
    runId: text("run_id"),
    jobId: text("job_id"),
    snapshotId: text("snapshot_id"),
    summary: jsonb("summary")
      .$type<Record<string, unknown>>()
      .notNull()
      .default({}),
    createdAt: timestamp("created_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
  },
  (t) => [index("scans_run_idx").on(t.runId)],
);

/** The findings of a scan; secrets appear only redacted and hashed. */
export const scanFindings = pgTable(
  "scan_findings",
  {
    id: text("id").primaryKey(),
    scanId: text("scan_id")
      .notNull()
      .references(() => scans.id, { onDelete: "cascade" }),
    runId: text("run_id"),
    tool: text("tool").notNull(),
    ruleId: text("rule_id").notNull(),
    severity: text("severity").notNull(),
    fingerprint: text("fingerprint").notNull(),
    /** The whole Finding as JSON. */
    finding: jsonb("finding").$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    index("scan_findings_run_idx").on(t.runId),
    index("scan_findings_scan_idx").on(t.scanId),
  ],
);
