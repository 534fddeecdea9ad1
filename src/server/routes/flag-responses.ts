import { z } from "zod";

/**
 * What the flag management routes answer (`routes/flags.ts`), as zod: the server checks each
 * answer against these, and `/openapi.json` is generated from them. Times are `Date`s in the
 * services and ISO 8601 strings on the wire.
 */

const anyObject = z.record(z.string(), z.unknown());

/** One flag in flagd JSON (`https://flagd.dev/schema/v0/flags.json`). */
export const FlagDefinition = z
  .object({
    state: z.enum(["ENABLED", "DISABLED"]),
    variants: anyObject,
    defaultVariant: z.string().nullish(),
    targeting: anyObject.optional(),
    metadata: anyObject.optional(),
  })
  .describe("a flag in flagd JSON");

/** A flag set in flagd JSON. */
export const FlagSetDocument = z
  .object({
    $schema: z.string().optional(),
    flags: z.record(z.string(), FlagDefinition),
    $evaluators: anyObject.optional(),
    metadata: anyObject.optional(),
  })
  .describe("the flag set in flagd JSON");

/** A write's result: the flag set as stored, and whether the write changed it. */
export const FlagSetWrite = z
  .object({
    project: z.string(),
    environment: z.string(),
    version: z.number().int(),
    etag: z.string(),
    document: FlagSetDocument,
    updatedAt: z.date(),
    updatedBy: z.string(),
    changed: z
      .boolean()
      .describe("false when the flag set already was what was asked"),
  })
  .describe("the flag set as stored");

export const FlagSummaries = z
  .array(
    z.object({
      key: z.string(),
      state: z.enum(["ENABLED", "DISABLED"]),
      defaultVariant: z.string().nullable(),
      variants: z.array(z.string()),
      targeting: z.boolean(),
    }),
  )
  .describe("the flags of the scope");

export const AuditEntries = z
  .array(
    z.object({
      id: z.string(),
      project: z.string(),
      environment: z.string(),
      flagKey: z.string(),
      action: z.string(),
      actor: z.string(),
      reason: z.string().nullable(),
      before: z.unknown(),
      after: z.unknown(),
      changes: z.array(z.string()),
      version: z.number().int(),
      createdAt: z.date(),
    }),
  )
  .describe("audit rows, newest first");

export const StaleFlags = z
  .array(
    z.object({
      key: z.string(),
      reason: z.enum(["not-evaluated", "fully-rolled-out"]),
      since: z.date(),
    }),
  )
  .describe("the flags the stale report names");

const ApiKeySummary = z.object({
  id: z.string(),
  project: z.string(),
  environment: z.string(),
  name: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  revokedBy: z.string().nullable(),
  revokedReason: z.string().nullable(),
});

export const ApiKeySummaries = z
  .array(ApiKeySummary)
  .describe("API keys, never the keys themselves");

export const RevokedKey = z
  .object({
    key: ApiKeySummary,
    changed: z.boolean().describe("false when the key was revoked before"),
  })
  .describe("the key as it now is");

export const CreatedKey = z
  .object({
    id: z.string(),
    key: z.string().describe("shown this once: only a hash is stored"),
  })
  .describe("the new API key");
