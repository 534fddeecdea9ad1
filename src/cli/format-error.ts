import type { AppError } from "../kernel/index.js";

/** `sluice: file:line:col: message`, then the detail (a code frame) and, with --debug, the stack. */
export function formatError(error: AppError, debug: boolean): string {
  const where = error.location
    ? `${error.location.file}:${error.location.line}:${error.location.column}: `
    : "";
  const lines = [`sluice: ${where}${error.message}`];
  if (error.detail) lines.push(error.detail);
  if (debug && error.stack) lines.push(error.stack);
  return lines.join("\n");
}
