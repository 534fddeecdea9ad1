import { and, asc, desc, eq, isNotNull, sql } from "drizzle-orm";
import { AppError, newId } from "../kernel/index.js";
import type { Clock } from "../kernel/index.js";
import type { Database } from "../store/index.js";
import type {
  AuditAction,
  SecretAuditEntry,
  SecretKey,
  SecretStore,
} from "./ports.js";
import { secretAudit, secretKeyrings, secretVersions } from "./store-schema.js";

const rekeyed = () =>
  new AppError(
    "CONFLICT",
    "the project's recipients changed while this value was being encrypted; try again",
  );

/** The secrets capability's store on drizzle (PGlite or Postgres): ciphertext only. */
export function createSecretStore(
  database: Database,
  deps: { clock: Clock },
): SecretStore {
  const { db } = database;
  const { clock } = deps;
  const now = () => new Date(clock.now());
  const auditRows = (entries: Omit<SecretAuditEntry, "id" | "createdAt">[]) =>
    entries.map((entry) => ({
      ...entry,
      id: newId("sa", clock.now()),
      createdAt: now(),
    }));
  return {
    async keyring(project) {
      const rows = await db
        .select()
        .from(secretKeyrings)
        .where(eq(secretKeyrings.project, project));
      const row = rows[0];
      return row
        ? { project: row.project, recipients: row.recipients, epoch: row.epoch }
        : undefined;
    },

    async createKeyring(project, first, actor) {
      const rows = await db
        .insert(secretKeyrings)
        .values({
          project,
          recipients: [first],
          epoch: 1,
          updatedAt: now(),
          updatedBy: actor,
        })
        .onConflictDoNothing()
        .returning({ project: secretKeyrings.project });
      return rows.length > 0;
    },

    append(project, epoch, versions, actor, audit) {
      return db.transaction(async (tx) => {
        // The row lock orders this against a change of recipients (rekey takes the same lock).
        const ring = await tx
          .select({ epoch: secretKeyrings.epoch })
          .from(secretKeyrings)
          .where(eq(secretKeyrings.project, project))
          .for("update");
        if (ring[0]?.epoch !== epoch) throw rekeyed();
        const numbers: number[] = [];
        for (const [i, version] of versions.entries()) {
          const last = await tx
            .select({
              max: sql<number | null>`max(${secretVersions.version})`,
            })
            .from(secretVersions)
            .where(keyIs(version));
          const next = Number(last[0]?.max ?? 0) + 1;
          await tx.insert(secretVersions).values({
            ...version,
            version: next,
            createdAt: now(),
            createdBy: actor,
          });
          numbers.push(next);
          const entry = audit[i];
          if (entry)
            await tx
              .insert(secretAudit)
              .values(auditRows([{ ...entry, version: next }]));
        }
        return numbers;
      });
    },

    async latest(project) {
      const rows = await db
        .selectDistinctOn([secretVersions.environment, secretVersions.name])
        .from(secretVersions)
        .where(eq(secretVersions.project, project))
        .orderBy(
          asc(secretVersions.environment),
          asc(secretVersions.name),
          desc(secretVersions.version),
        );
      return rows;
    },

    async history(key) {
      return db
        .select()
        .from(secretVersions)
        .where(keyIs(key))
        .orderBy(asc(secretVersions.version));
    },

    rekey(project, epoch, recipients, reencrypt, audit) {
      return db.transaction(async (tx) => {
        const ring = await tx
          .select({ epoch: secretKeyrings.epoch })
          .from(secretKeyrings)
          .where(eq(secretKeyrings.project, project))
          .for("update");
        if (ring[0]?.epoch !== epoch)
          throw new AppError(
            "CONFLICT",
            "the project's recipients changed meanwhile; try again",
          );
        // Read under the lock: a value appended before it is re-encrypted too, one after it waits.
        const versions = await tx
          .select()
          .from(secretVersions)
          .where(
            and(
              eq(secretVersions.project, project),
              isNotNull(secretVersions.ciphertext),
            ),
          );
        for (const version of versions)
          await tx
            .update(secretVersions)
            .set({ ciphertext: await reencrypt(version) })
            .where(
              and(keyIs(version), eq(secretVersions.version, version.version)),
            );
        await tx
          .update(secretKeyrings)
          .set({
            recipients,
            epoch: epoch + 1,
            updatedAt: now(),
            updatedBy: audit.actor,
          })
          .where(eq(secretKeyrings.project, project));
        await tx.insert(secretAudit).values(auditRows([audit]));
        return versions.length;
      });
    },

    async audit(entries) {
      if (entries.length === 0) return;
      await db.insert(secretAudit).values(auditRows(entries));
    },

    async auditLog(project, name) {
      const rows = await db
        .select()
        .from(secretAudit)
        .where(
          name === undefined
            ? eq(secretAudit.project, project)
            : and(eq(secretAudit.project, project), eq(secretAudit.name, name)),
        )
        .orderBy(asc(secretAudit.createdAt), asc(secretAudit.id));
      return rows.map((row) => ({ ...row, action: row.action as AuditAction }));
    },
  };
}

function keyIs(key: SecretKey) {
  return and(
    eq(secretVersions.project, key.project),
    eq(secretVersions.environment, key.environment),
    eq(secretVersions.name, key.name),
  );
}
