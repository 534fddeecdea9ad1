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

/**
 * One audit row: a change to one flag, or to an API key of the scope (`create-key`,
 * `revoke-key`: `flagKey` then holds the key's id).
 */
export interface FlagAuditEntry extends FlagScope {
  id: string;
  flagKey: string;
  action:
    | "create"
    | "update"
    | "delete"
    | "enable"
    | "disable"
    /** A percentage split (`FlagService.split`); the action keeps its first name (ADR 062). */
    | "rollout"
    | "kill"
    | "import"
    | "create-key"
    | "revoke-key";
  actor: string;
  reason: string | null;
  before: unknown;
  after: unknown;
  changes: string[];
  version: number;
  createdAt: Date;
}

/** An API key as stored: the key itself is never kept, only its SHA-256. */
export interface ApiKeyRecord extends FlagScope {
  id: string;
  name: string;
  keyHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** An API key as listed: never the key nor its hash. */
export interface ApiKeySummary extends FlagScope {
  id: string;
  name: string;
  createdAt: Date;
  /** The latest request authenticated with it (batched: up to a flush behind). */
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

/** One use of an API key, batched like evaluation marks. */
export interface ApiKeyUse {
  id: string;
  at: Date;
}

export interface EvaluationMark extends FlagScope {
  flagKey: string;
  at: Date;
  count: number;
}

/** The persistence port of the flags capability (`./store.ts` implements it). */
export interface FlagStore {
  getFlagSet(scope: FlagScope): Promise<StoredFlagSet | undefined>;
  listFlagSets(): Promise<StoredFlagSet[]>;
  /** The current version of every flag set, without the documents (a cheap poll). */
  listVersions(): Promise<{ scope: FlagScope; version: number }[]>;
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
  /** Stores the key and its `create-key` audit row in one transaction. */
  createApiKey(
    record: ApiKeyRecord,
    audit: Omit<FlagAuditEntry, "version">,
  ): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(id: string): Promise<ApiKeySummary | undefined>;
  /** Oldest first; every scope, or those matching the filter. */
  listApiKeys(filter?: Partial<FlagScope>): Promise<ApiKeySummary[]>;
  /**
   * Marks a key revoked and writes its `revoke-key` audit row in one transaction. Returns the
   * revoked key, or undefined when no unrevoked key has that id (nothing is written then).
   */
  revokeApiKey(input: {
    id: string;
    at: Date;
    actor: string;
    reason: string | null;
    audit: Omit<FlagAuditEntry, "version" | keyof FlagScope>;
  }): Promise<ApiKeySummary | undefined>;
  /** Moves each key's last use forward (never back). */
  recordApiKeyUses(uses: ApiKeyUse[]): Promise<void>;
  /** Upserts the last evaluation time (max) and adds to the count. */
  recordEvaluations(marks: EvaluationMark[]): Promise<void>;
  lastEvaluations(scope: FlagScope): Promise<Map<string, Date>>;
}
