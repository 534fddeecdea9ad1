import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import type {
  ApiKeyRecord,
  ApiKeySummary,
  ApiKeyUse,
  EvaluationMark,
  FlagAuditEntry,
  FlagScope,
  FlagStore,
  StoredFlagSet,
} from "./ports.js";
import type { FlagSetDocument } from "./types.js";
import { AppError } from "../kernel/index.js";
import type { Database, Db } from "../store/index.js";
import {
  flagApiKeys,
  flagAudit,
  flagEvaluations,
  flagSets,
  flagSetVersions,
} from "./store-schema.js";

type FlagSetRow = typeof flagSets.$inferSelect;

function toStored(row: FlagSetRow): StoredFlagSet {
  return {
    project: row.project,
    environment: row.environment,
    version: row.version,
    etag: row.etag,
    document: row.document as unknown as FlagSetDocument,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

type ApiKeyRow = typeof flagApiKeys.$inferSelect;

function toKeySummary(row: ApiKeyRow): ApiKeySummary {
  return {
    id: row.id,
    project: row.project,
    environment: row.environment,
    name: row.name,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    revokedBy: row.revokedBy,
    revokedReason: row.revokedReason,
  };
}

const scopeIs = (scope: FlagScope) =>
  and(
    eq(flagSets.project, scope.project),
    eq(flagSets.environment, scope.environment),
  );

/** The flag set version an audit row about an API key is recorded with (0 before any). */
async function versionOf(
  tx: Pick<Db, "select">,
  scope: FlagScope,
): Promise<number> {
  const rows = await tx
    .select({ version: flagSets.version })
    .from(flagSets)
    .where(scopeIs(scope));
  return rows[0]?.version ?? 0;
}

/** The flags capability's store on drizzle (PGlite or Postgres). */
export function createFlagStore(database: Database): FlagStore {
  const { db } = database;
  return {
    async getFlagSet(scope) {
      const rows = await db.select().from(flagSets).where(scopeIs(scope));
      return rows[0] ? toStored(rows[0]) : undefined;
    },

    async listVersions() {
      const rows = await db
        .select({
          project: flagSets.project,
          environment: flagSets.environment,
          version: flagSets.version,
        })
        .from(flagSets);
      return rows.map((r) => ({
        scope: { project: r.project, environment: r.environment },
        version: r.version,
      }));
    },

    async listFlagSets() {
      const rows = await db.select().from(flagSets);
      return rows.map(toStored);
    },

    async saveFlagSet({
      scope,
      expectedVersion,
      document,
      etag,
      actor,
      at,
      audit,
    }) {
      const version = expectedVersion + 1;
      return db.transaction(async (tx) => {
        const current = await tx
          .select({ version: flagSets.version })
          .from(flagSets)
          .where(scopeIs(scope))
          .for("update");
        const found = current[0]?.version ?? 0;
        if (found !== expectedVersion)
          throw new AppError(
            "CONFLICT",
            `the flag set of ${scope.project}/${scope.environment} changed meanwhile (version ${found}, expected ${expectedVersion}); retry`,
          );
        const row = {
          project: scope.project,
          environment: scope.environment,
          version,
          etag,
          document: document as unknown as Record<string, unknown>,
          updatedAt: at,
          updatedBy: actor,
        };
        if (expectedVersion === 0) await tx.insert(flagSets).values(row);
        else await tx.update(flagSets).set(row).where(scopeIs(scope));
        await tx.insert(flagSetVersions).values({
          project: scope.project,
          environment: scope.environment,
          version,
          etag,
          document: row.document,
          createdAt: at,
          createdBy: actor,
        });
        if (audit.length > 0)
          await tx
            .insert(flagAudit)
            .values(audit.map((entry) => ({ ...entry, version })));
        return toStored(row);
      });
    },

    async getVersion(scope, version) {
      const rows = await db
        .select()
        .from(flagSetVersions)
        .where(
          and(
            eq(flagSetVersions.project, scope.project),
            eq(flagSetVersions.environment, scope.environment),
            eq(flagSetVersions.version, version),
          ),
        );
      const row = rows[0];
      return row
        ? toStored({
            ...row,
            updatedAt: row.createdAt,
            updatedBy: row.createdBy,
          })
        : undefined;
    },

    async listAudit(scope, flagKey) {
      const rows = await db
        .select()
        .from(flagAudit)
        .where(
          and(
            eq(flagAudit.project, scope.project),
            eq(flagAudit.environment, scope.environment),
            flagKey === undefined ? undefined : eq(flagAudit.flagKey, flagKey),
          ),
        )
        .orderBy(desc(flagAudit.createdAt), desc(flagAudit.id));
      return rows.map((row) => ({
        ...row,
        action: row.action as FlagAuditEntry["action"],
      }));
    },

    async createApiKey(record: ApiKeyRecord, audit) {
      await db.transaction(async (tx) => {
        await tx.insert(flagApiKeys).values(record);
        await tx
          .insert(flagAudit)
          .values({ ...audit, version: await versionOf(tx, record) });
      });
    },

    async getApiKey(id) {
      const rows = await db
        .select()
        .from(flagApiKeys)
        .where(eq(flagApiKeys.id, id));
      return rows[0] ? toKeySummary(rows[0]) : undefined;
    },

    async listApiKeys(filter = {}) {
      const rows = await db
        .select()
        .from(flagApiKeys)
        .where(
          and(
            filter.project === undefined
              ? undefined
              : eq(flagApiKeys.project, filter.project),
            filter.environment === undefined
              ? undefined
              : eq(flagApiKeys.environment, filter.environment),
          ),
        )
        .orderBy(asc(flagApiKeys.createdAt), asc(flagApiKeys.id));
      return rows.map(toKeySummary);
    },

    async revokeApiKey({ id, at, actor, reason, audit }) {
      return db.transaction(async (tx) => {
        // Only an unrevoked key changes: a second revocation keeps the first one's time and reason.
        const rows = await tx
          .update(flagApiKeys)
          .set({ revokedAt: at, revokedBy: actor, revokedReason: reason })
          .where(and(eq(flagApiKeys.id, id), isNull(flagApiKeys.revokedAt)))
          .returning();
        const row = rows[0];
        if (!row) return undefined;
        await tx.insert(flagAudit).values({
          ...audit,
          project: row.project,
          environment: row.environment,
          version: await versionOf(tx, row),
        });
        return toKeySummary(row);
      });
    },

    async recordApiKeyUses(uses: ApiKeyUse[]) {
      if (uses.length === 0) return;
      const values = sql.join(
        uses.map((u) => sql`(${u.id}, ${u.at.toISOString()}::timestamptz)`),
        sql`, `,
      );
      await db.execute(
        sql`update ${flagApiKeys} set last_used_at = greatest(${flagApiKeys.lastUsedAt}, v.at) from (values ${values}) as v(id, at) where ${flagApiKeys.id} = v.id`,
      );
    },

    async findApiKeyByHash(keyHash) {
      const rows = await db
        .select()
        .from(flagApiKeys)
        .where(eq(flagApiKeys.keyHash, keyHash));
      return rows[0];
    },

    async recordEvaluations(marks: EvaluationMark[]) {
      if (marks.length === 0) return;
      await db
        .insert(flagEvaluations)
        .values(
          marks.map((m) => ({
            project: m.project,
            environment: m.environment,
            flagKey: m.flagKey,
            lastEvaluatedAt: m.at,
            count: m.count,
          })),
        )
        .onConflictDoUpdate({
          target: [
            flagEvaluations.project,
            flagEvaluations.environment,
            flagEvaluations.flagKey,
          ],
          set: {
            lastEvaluatedAt: sql`greatest(${flagEvaluations.lastEvaluatedAt}, excluded.last_evaluated_at)`,
            count: sql`${flagEvaluations.count} + excluded.count`,
          },
        });
    },

    async lastEvaluations(scope) {
      const rows = await db
        .select()
        .from(flagEvaluations)
        .where(
          and(
            eq(flagEvaluations.project, scope.project),
            eq(flagEvaluations.environment, scope.environment),
          ),
        );
      return new Map(rows.map((r) => [r.flagKey, r.lastEvaluatedAt]));
    },
  };
}
