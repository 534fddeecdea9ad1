import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/** The current flag set (flagd JSON) of a project + environment. */
export const flagSets = pgTable(
  "flag_sets",
  {
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    version: integer("version").notNull(),
    /** A hash of the document: the OFREP ETag. */
    etag: text("etag").notNull(),
    document: jsonb("document").$type<Record<string, unknown>>().notNull(),
    updatedAt: timestamp("updated_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.environment] })],
);

/** Every version a flag set had (export of an old version, rollback). Append-only. */
export const flagSetVersions = pgTable(
  "flag_set_versions",
  {
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    version: integer("version").notNull(),
    etag: text("etag").notNull(),
    document: jsonb("document").$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp("created_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.project, t.environment, t.version] })],
);

/** The audit log of flag changes: who, when, why, before and after. Append-only. */
export const flagAudit = pgTable(
  "flag_audit",
  {
    id: text("id").primaryKey(),
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    flagKey: text("flag_key").notNull(),
    /** create | update | delete | enable | disable | rollout | kill | import | create-key | revoke-key (flag_key holds the key's id) */
    action: text("action").notNull(),
    actor: text("actor").notNull(),
    reason: text("reason"),
    before: jsonb("before"),
    after: jsonb("after"),
    /** JSON paths that changed, e.g. `state`, `targeting.fractional[0][1]`. */
    changes: jsonb("changes").$type<string[]>().notNull().default([]),
    version: integer("version").notNull(),
    createdAt: timestamp("created_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
  },
  (t) => [
    index("flag_audit_flag_idx").on(
      t.project,
      t.environment,
      t.flagKey,
      t.createdAt,
    ),
  ],
);

/** API keys for OFREP evaluation, scoped to a project + environment. Only a hash is stored. */
export const flagApiKeys = pgTable(
  "flag_api_keys",
  {
    id: text("id").primaryKey(),
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    name: text("name").notNull(),
    /** SHA-256 of the key, hex. */
    keyHash: text("key_hash").notNull(),
    createdAt: timestamp("created_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
    /** The latest request authenticated with the key (written in batches, like evaluation times). */
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    /** Set once; the row stays for audit and the key is refused from then on. */
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    revokedBy: text("revoked_by"),
    revokedReason: text("revoked_reason"),
  },
  (t) => [uniqueIndex("flag_api_keys_hash_idx").on(t.keyHash)],
);

/** When each flag was last evaluated (written in batches, not per evaluation). */
export const flagEvaluations = pgTable(
  "flag_evaluations",
  {
    project: text("project").notNull(),
    environment: text("environment").notNull(),
    flagKey: text("flag_key").notNull(),
    lastEvaluatedAt: timestamp("last_evaluated_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.project, t.environment, t.flagKey] })],
);
