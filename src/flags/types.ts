/** The flagd flag-definition format and OpenFeature resolution details. */

/** A variant value: one JSON type per flag (objects allowed; arrays only in flagd's array form). */
export type FlagValue = boolean | number | string | JsonObject;
type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Metadata values are string, number or boolean (flag level and flag-set level). */
type MetadataValue = string | number | boolean;
export type FlagMetadata = Record<string, MetadataValue>;

/** One flag as written in flagd JSON. */
export interface FlagDefinition {
  state: "ENABLED" | "DISABLED";
  variants: Record<string, FlagValue>;
  /** null or absent: no default variant, the caller's code default applies. */
  defaultVariant?: string | null;
  /** JSON Logic; `{}` means no targeting. */
  targeting?: JsonObject;
  metadata?: FlagMetadata;
}

/** A flagd flag-set document (`https://flagd.dev/schema/v0/flags.json`). */
export interface FlagSetDocument {
  $schema?: string;
  flags: Record<string, FlagDefinition>;
  /** Shared rules, used as `{"$ref": "<name>"}`. */
  $evaluators?: Record<string, JsonValue>;
  metadata?: FlagMetadata;
}

/** OpenFeature reasons that flagd emits. */
type Reason = "STATIC" | "TARGETING_MATCH" | "DEFAULT" | "DISABLED" | "ERROR";

/** OpenFeature error codes (`@openfeature/core` `ErrorCode`). */
type FlagErrorCode =
  | "PROVIDER_NOT_READY"
  | "PROVIDER_FATAL"
  | "FLAG_NOT_FOUND"
  | "PARSE_ERROR"
  | "TYPE_MISMATCH"
  | "TARGETING_KEY_MISSING"
  | "INVALID_CONTEXT"
  | "GENERAL";

/**
 * The type-agnostic result of evaluating a flag (what OFREP sends). `value` and `variant`
 * are absent for DISABLED and for DEFAULT without a default variant (the caller's code default).
 */
export interface Evaluation {
  key: string;
  reason: Reason;
  value?: FlagValue;
  variant?: string;
  errorCode?: FlagErrorCode;
  errorMessage?: string;
  /** Flag-set metadata merged with flag metadata (flag keys win); `{}` when none. */
  flagMetadata: FlagMetadata;
}

/** The type a caller asks for (OpenFeature `getBooleanValue`, `getNumberValue`, ...). */
export type FlagType = "boolean" | "string" | "number" | "object";

/** OpenFeature resolution details for a typed request; never thrown, always returned. */
export interface ResolutionDetails<T> {
  value: T;
  variant?: string;
  reason: Reason;
  errorCode?: FlagErrorCode;
  errorMessage?: string;
  flagMetadata: FlagMetadata;
}

/** Fractional bucketing algorithm: v2 (flagd today) or v3 (CBOR-encoded bucketing values). */
export type FractionalVersion = 2 | 3;
