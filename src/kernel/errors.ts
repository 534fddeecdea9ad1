/**
 * Stable error codes. `cli/` maps them to exit codes and `server/` to HTTP statuses;
 * nothing else knows about either.
 */
export type ErrorCode =
  | "CONFIG_INVALID" // a user file (sluice.yml, flag set, rule file, lockfile) is wrong
  | "INVALID_ARGUMENT" // a command-line argument or API input is wrong
  | "NOT_FOUND"
  | "CONFLICT" // the thing exists already, or changed under us
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "STORE_LOCKED" // another process holds the embedded database
  | "STORE_UNAVAILABLE" // the database cannot be opened or reached
  | "EXTERNAL" // a peer system (git, a metrics provider, OSV) failed
  | "TIMEOUT"
  | "CANCELLED"
  | "INTERNAL";

/** Where in a user file an error points (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface AppErrorOptions {
  cause?: unknown;
  location?: SourceLocation;
  /** Extra lines shown under the message (a code frame, a hint). Never secret values. */
  detail?: string;
  /**
   * The code of the failure underneath (a database's SQLSTATE such as `23505`), for logic such as
   * "a unique violation"; never printed.
   */
  driverCode?: string;
}

/** The one error type of sluice: a stable code and a message meant for the user. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;
  readonly detail?: string;
  readonly driverCode?: string;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "AppError";
    this.code = code;
    if (options.location) this.location = options.location;
    if (options.detail !== undefined) this.detail = options.detail;
    if (options.driverCode !== undefined) this.driverCode = options.driverCode;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** The message of any thrown value, for wrapping into an AppError. */
export function messageOf(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
