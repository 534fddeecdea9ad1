import type { z } from "zod";
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
