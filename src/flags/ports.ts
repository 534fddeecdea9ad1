import type { FlagSetDocument } from "./types.js";

/** A project + environment: the scope of a flag set and of an API key. */
export interface FlagScope {
  project: string;
  environment: string;
}

/** A stored version of a flag set. */
export interface StoredFlagSet extends FlagScope {
  version: number;
  etag: string;
  document: FlagSetDocument;
  updatedAt: Date;
  updatedBy: string;
}

/** One audit row: a change to one flag. */
export interface FlagAuditEntry extends FlagScope {
  id: string;
  flagKey: string;
  action:
    | "create"
    | "update"
    | "delete"
    | "enable"
    | "disable"
    | "rollout"
    | "kill"
    | "import";
  actor: string;
  reason: string | null;
  before: unknown;
  after: unknown;
  changes: string[];
  version: number;
  createdAt: Date;
}

export interface ApiKeyRecord extends FlagScope {
  id: string;
  name: string;
  keyHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface EvaluationMark extends FlagScope {
  flagKey: string;
  at: Date;
  count: number;
}

/** The persistence port of the flags capability (`src/store/flag-store.ts` implements it). */
export interface FlagStore {
  getFlagSet(scope: FlagScope): Promise<StoredFlagSet | undefined>;
  listFlagSets(): Promise<StoredFlagSet[]>;
  /**
   * Writes a new version and its audit rows in one transaction, if the stored version is still
   * `expectedVersion` (0 = none yet). Throws AppError CONFLICT otherwise: never half-applied.
   */
  saveFlagSet(input: {
    scope: FlagScope;
    expectedVersion: number;
    document: FlagSetDocument;
    etag: string;
    actor: string;
    at: Date;
    audit: Omit<FlagAuditEntry, "version">[];
  }): Promise<StoredFlagSet>;
  getVersion(
    scope: FlagScope,
    version: number,
  ): Promise<StoredFlagSet | undefined>;
  /** Newest first. */
  listAudit(scope: FlagScope, flagKey?: string): Promise<FlagAuditEntry[]>;
  createApiKey(record: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Upserts the last evaluation time (max) and adds to the count. */
  recordEvaluations(marks: EvaluationMark[]): Promise<void>;
  lastEvaluations(scope: FlagScope): Promise<Map<string, Date>>;
}
