import {
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import type { Grant } from "./roles.js";

const at = (name: string) =>
  timestamp(name, { withTimezone: true, mode: "date" });

/** People and service accounts. `password_hash` is scrypt's output with its salt and parameters. */
export const accountUsers = pgTable("account_users", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** The person's email, lower case: how the gate knows a change's author (git's email). */
  email: text("email").unique(),
  /** `scrypt$N$r$p$salt$hash`; null for an account that signs in with tokens only. */
  passwordHash: text("password_hash"),
  createdAt: at("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

/** A user's role on one project (`*`: every project). */
export const accountRoles = pgTable(
  "account_roles",
  {
    userId: text("user_id")
      .notNull()
      .references(() => accountUsers.id, { onDelete: "cascade" }),
    project: text("project").notNull(),
    role: text("role").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.project] })],
);

/** Browser sessions: only the SHA-256 of the cookie's secret is kept. */
export const accountSessions = pgTable("account_sessions", {
  id: text("id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => accountUsers.id, { onDelete: "cascade" }),
  secretHash: text("secret_hash").notNull(),
  createdAt: at("created_at").notNull(),
  expiresAt: at("expires_at").notNull(),
});

/** API tokens: scoped to roles on projects, with an expiry; only the secret's SHA-256 is kept. */
export const accountTokens = pgTable("account_tokens", {
  id: text("id").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => accountUsers.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  secretHash: text("secret_hash").notNull(),
  roles: jsonb("roles").$type<Grant[]>().notNull(),
  createdAt: at("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  expiresAt: at("expires_at"),
  revokedAt: at("revoked_at"),
  revokedBy: text("revoked_by"),
});
