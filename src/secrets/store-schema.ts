import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * The recipients of a project's secrets (age public keys) and an epoch that moves on each change:
 * a value encrypted to an older set of recipients is refused (ADR 097).
 */
export const secretKeyrings = pgTable("secret_keyrings", {
  project: text("project").primaryKey(),
  recipients: jsonb("recipients")
    .$type<
      { recipient: string; label: string; addedAt: string; addedBy: string }[]
    >()
    .notNull(),
  epoch: integer("epoch").notNull(),
  updatedAt: timestamp("updated_at", {
    withTimezone: true,
    mode: "date",
  }).notNull(),
  updatedBy: text("updated_by").notNull(),
});

/**
 * Every version of every secret: an armored age file, never plaintext. `environment` is '' for a
 * project-wide secret; a removal is a version without ciphertext. Append-only, except that a
 * change of recipients re-encrypts the ciphertext in place.
 */
export const secretVersions = pgTable(
  "secret_versions",
  {
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    name: text("name").notNull(),
    version: integer("version").notNull(),
    ciphertext: text("ciphertext"),
    createdAt: timestamp("created_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.project, t.environment, t.name, t.version] }),
  ],
);

/** Who set, removed or read which secret, and from which run. Append-only. */
export const secretAudit = pgTable(
  "secret_audit",
  {
    id: text("id").primaryKey(),
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    /** The secret, or the recipient for `recipient-add` / `recipient-remove`. */
    name: text("name").notNull(),
    version: integer("version"),
    /** set | remove | read | recipient-add | recipient-remove */
    action: text("action").notNull(),
    actor: text("actor").notNull(),
    runId: text("run_id"),
    createdAt: timestamp("created_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
  },
  (t) => [index("secret_audit_project_idx").on(t.project, t.createdAt)],
);
