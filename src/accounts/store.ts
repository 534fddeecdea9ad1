import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Database, Db } from "../store/index.js";
import type {
  AccountStore,
  TokenRecord,
  TokenSummary,
  UserRecord,
} from "./ports.js";
import type { Grant, Role } from "./roles.js";
import {
  accountRoles,
  accountSessions,
  accountTokens,
  accountUsers,
} from "./store-schema.js";

type TokenRow = typeof accountTokens.$inferSelect;

const summary = (row: TokenRow, user: string): TokenSummary => ({
  id: row.id,
  name: row.name,
  user,
  roles: row.roles,
  createdAt: row.createdAt,
  createdBy: row.createdBy,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
  revokedBy: row.revokedBy,
});

/** Tokens with their user's name, oldest first. */
async function tokensWithUser(
  db: Pick<Db, "select">,
  where: SQL | undefined,
): Promise<TokenSummary[]> {
  const rows = await db
    .select({ token: accountTokens, user: accountUsers.name })
    .from(accountTokens)
    .innerJoin(accountUsers, eq(accountUsers.id, accountTokens.userId))
    .where(where)
    .orderBy(asc(accountTokens.createdAt), asc(accountTokens.id));
  return rows.map((row) => summary(row.token, row.user));
}

/** Users, roles, sessions and API tokens on drizzle (ADR 093). */
export function createAccountStore(database: Database): AccountStore {
  const db = database.db;

  const rolesOf = async (userIds: string[]) => {
    const byUser = new Map<string, Grant[]>();
    if (userIds.length === 0) return byUser;
    const rows = await db
      .select()
      .from(accountRoles)
      .where(inArray(accountRoles.userId, userIds))
      .orderBy(asc(accountRoles.project));
    for (const row of rows) {
      const list = byUser.get(row.userId) ?? [];
      list.push({ project: row.project, role: row.role as Role });
      byUser.set(row.userId, list);
    }
    return byUser;
  };
  const withRoles = async (row: UserRecord | undefined) =>
    row && {
      ...row,
      roles: (await rolesOf([row.id])).get(row.id) ?? [],
    };
  const userIdOf = async (name: string) =>
    (
      await db
        .select({ id: accountUsers.id })
        .from(accountUsers)
        .where(eq(accountUsers.name, name))
    )[0]?.id;

  return {
    async addUser(user, roles) {
      await db.transaction(async (tx) => {
        await tx.insert(accountUsers).values(user);
        if (roles.length > 0)
          await tx
            .insert(accountRoles)
            .values(roles.map((grant) => ({ userId: user.id, ...grant })));
      });
    },
    async userByName(name) {
      const rows = await db
        .select()
        .from(accountUsers)
        .where(eq(accountUsers.name, name));
      return withRoles(rows[0]);
    },
    async setEmail(name, email) {
      const rows = await db
        .update(accountUsers)
        .set({ email })
        .where(eq(accountUsers.name, name))
        .returning({ id: accountUsers.id });
      return rows.length > 0;
    },
    async userByEmail(email) {
      const rows = await db
        .select()
        .from(accountUsers)
        .where(eq(accountUsers.email, email));
      return rows[0];
    },
    async userById(id) {
      const rows = await db
        .select()
        .from(accountUsers)
        .where(eq(accountUsers.id, id));
      return withRoles(rows[0]);
    },
    async listUsers() {
      const rows = await db
        .select()
        .from(accountUsers)
        .orderBy(asc(accountUsers.name));
      const roles = await rolesOf(rows.map((row) => row.id));
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        email: row.email,
        hasPassword: row.passwordHash !== null,
        roles: roles.get(row.id) ?? [],
        createdAt: row.createdAt,
        createdBy: row.createdBy,
      }));
    },
    async removeUser(name) {
      // Roles, sessions and tokens go with the user (ON DELETE CASCADE).
      const rows = await db
        .delete(accountUsers)
        .where(eq(accountUsers.name, name))
        .returning({ id: accountUsers.id });
      return rows.length > 0;
    },
    async setRole(name, grant) {
      const userId = await userIdOf(name);
      if (!userId) return false;
      await db.transaction(async (tx) => {
        await tx
          .delete(accountRoles)
          .where(
            and(
              eq(accountRoles.userId, userId),
              eq(accountRoles.project, grant.project),
            ),
          );
        if (grant.role)
          await tx.insert(accountRoles).values({
            userId,
            project: grant.project,
            role: grant.role,
          });
      });
      return true;
    },
    async addSession(session) {
      await db.insert(accountSessions).values(session);
    },
    async session(id) {
      const rows = await db
        .select()
        .from(accountSessions)
        .where(eq(accountSessions.id, id));
      return rows[0];
    },
    async removeSession(id) {
      await db.delete(accountSessions).where(eq(accountSessions.id, id));
    },
    async addToken(token: TokenRecord) {
      await db.insert(accountTokens).values(token);
    },
    async token(id) {
      const rows = await db
        .select()
        .from(accountTokens)
        .where(eq(accountTokens.id, id));
      return rows[0];
    },
    async listTokens(filter) {
      return tokensWithUser(
        db,
        filter.userId === undefined
          ? undefined
          : eq(accountTokens.userId, filter.userId),
      );
    },
    async revokeToken(id, at, by) {
      return db.transaction(async (tx) => {
        // Only an unrevoked token changes: a second revocation keeps the first one's time.
        await tx
          .update(accountTokens)
          .set({ revokedAt: at, revokedBy: by })
          .where(
            and(eq(accountTokens.id, id), isNull(accountTokens.revokedAt)),
          );
        return (await tokensWithUser(tx, eq(accountTokens.id, id)))[0];
      });
    },
  };
}
