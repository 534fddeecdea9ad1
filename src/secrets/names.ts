import { AppError } from "../kernel/index.js";

/**
 * A secret's name is an environment variable name: a step receives it as one. Letters, digits and
 * `_`, not starting with a digit, at most 128 characters; nothing a shell or a path would read.
 */
const namePattern = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The longest value sluice stores: an environment variable of a step, not a file store. */
const maxValueBytes = 64 * 1024;

/** The shortest value: a shorter one could not be masked in logs without blanking ordinary text. */
const minValueLength = 4;

/** Throws a one-line INVALID_ARGUMENT error when `name` is not a usable secret name. */
export function checkName(name: string): void {
  if (namePattern.test(name)) return;
  const shown = JSON.stringify(
    name.length > 60 ? `${name.slice(0, 60)}…` : name,
  );
  throw new AppError(
    "INVALID_ARGUMENT",
    `secret name ${shown} is not allowed: use letters, digits and _ (not starting with a digit, at most 128 characters), as an environment variable name`,
  );
}

/** Throws a one-line INVALID_ARGUMENT error, never showing the value, when it cannot be stored. */
export function checkValue(name: string, value: string): void {
  if (value.length === 0)
    throw new AppError(
      "INVALID_ARGUMENT",
      `secret ${name}: the value is empty`,
    );
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > maxValueBytes)
    throw new AppError(
      "INVALID_ARGUMENT",
      `secret ${name}: the value has ${bytes} bytes; at most ${maxValueBytes} (64 KiB) are allowed`,
    );
  if (value.length < minValueLength)
    throw new AppError(
      "INVALID_ARGUMENT",
      `secret ${name}: the value has ${value.length} characters; at least ${minValueLength} are needed so that logs can mask it`,
    );
  if (value.includes("\0"))
    throw new AppError(
      "INVALID_ARGUMENT",
      `secret ${name}: the value contains a NUL byte, which no environment variable can hold`,
    );
}

/** An environment name (`--env`, a job's `environment:`): no path or shell characters either. */
export function checkEnvironment(environment: string): void {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(environment)) return;
  throw new AppError(
    "INVALID_ARGUMENT",
    `environment ${JSON.stringify(environment)} is not allowed: use letters, digits, '.', '_' and '-' (at most 64 characters)`,
  );
}
