import { z } from "zod";
import { AppError } from "../../kernel/index.js";

/** Parses with a zod schema; a wrong shape is INVALID_ARGUMENT naming the first bad field. */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join(".") : "(body)";
  throw new AppError(
    "INVALID_ARGUMENT",
    `${what}: field ${field}: ${issue.message}`,
  );
}

/** ISO time → ms; the Go zero time (Alertmanager's "not ended") → undefined. */
export function isoMs(value: string | null | undefined): number | undefined {
  if (!value || value.startsWith("0001-01-01")) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The latest time an event may carry: a day ahead of the receiver's clock (clock skew). */
export const maxFutureMs = 24 * 60 * 60 * 1000;

/**
 * A time string that `isoMs` reads as a time on or after 1970 (year 0 or a Go zero time is not
 * the time of an event). Payload fields use it, so every time a parser reads is a number.
 */
export const timeText = z
  .string()
  .min(1)
  .refine((value) => (isoMs(value) ?? -1) >= 0, "not a time after 1970");

/**
 * A project or environment name from a payload: 1–200 characters, no control characters
 * (a NUL or a newline cannot name a project, and a NUL cannot be stored).
 */
export const payloadName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]+$/u, "must not contain control characters");

/** Throws INVALID_ARGUMENT when a project taken from a payload is not a `payloadName`. */
export function checkName(value: string, what: string): string {
  const result = payloadName.safeParse(value);
  if (result.success) return result.data;
  throw new AppError(
    "INVALID_ARGUMENT",
    `${what}: ${result.error.issues[0]?.message ?? "not a name"}`,
  );
}
