import type { Finding } from "../finding.js";
import type { OsvRecord } from "./osv.js";

/** The advisory database as of one import. */
export interface AdvisorySnapshot {
  id: string;
  hash: string;
  source: string;
  imported: number;
  skipped: number;
  total: number;
  skippedReasons: Record<string, number>;
  createdAt: Date;
}

/** What an import hands the store: validated records and the counts of what was left out. */
export interface AdvisoryImport {
  records: OsvRecord[];
  hash: string;
  source: string;
  skipped: number;
  skippedReasons: Record<string, number>;
  createdAt: Date;
}

/** The advisory store port (`src/scan/store.ts` implements it on drizzle). */
export interface AdvisoryStore {
  /** Upserts the records (a newer `modified` wins) and records a new snapshot, in one transaction. */
  importAdvisories(batch: AdvisoryImport): Promise<AdvisorySnapshot>;
  /** The latest snapshot, or undefined before the first import. */
  currentSnapshot(): Promise<AdvisorySnapshot | undefined>;
  /** Records per ecosystem; for `sluice advisories status`. */
  countByEcosystem(): Promise<Record<string, number>>;
  /** The records that name any of these packages (ecosystem + normalised name), one indexed query per ecosystem. */
  recordsFor(packages: Map<string, Set<string>>): Promise<OsvRecord[]>;
}

/** What a scan reads: the store itself, or the embedded store's advisory file (ADR 042). */
export type AdvisoryReader = Pick<
  AdvisoryStore,
  "currentSnapshot" | "recordsFor"
>;

/** Findings kept with a run (the `sluice/scan` step) and read back by `sluice run show`. */
export interface ScanFindingStore {
  saveScan(scan: {
    id: string;
    runId?: string;
    jobId?: string;
    snapshotId?: string;
    summary: Record<string, unknown>;
    findings: Finding[];
    createdAt: Date;
  }): Promise<void>;
  findingsForRun(runId: string): Promise<Finding[]>;
}
