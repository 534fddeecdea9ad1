import { and, desc, eq, sql } from "drizzle-orm";
import type {
  ApiKeyRecord,
  EvaluationMark,
  FlagAuditEntry,
  FlagScope,
  FlagSetDocument,
  FlagStore,
  StoredFlagSet,
} from "../flags/index.js";
import { AppError } from "../kernel/index.js";
import type { Db } from "./database.js";
import {
  flagApiKeys,
  flagAudit,
  flagEvaluations,
  flagSets,
  flagSetVersions,
} from "./schema/flags.js";

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

const scopeIs = (scope: FlagScope) =>
  and(
    eq(flagSets.project, scope.project),
    eq(flagSets.environment, scope.environment),
  );

/** The flags capability's store on drizzle (PGlite or Postgres). */
export function createFlagStore(db: Db): FlagStore {
  return {
    async getFlagSet(scope) {
      const rows = await db.select().from(flagSets).where(scopeIs(scope));
      return rows[0] ? toStored(rows[0]) : undefined;
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

    async createApiKey(record: ApiKeyRecord) {
      await db.insert(flagApiKeys).values(record);
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
