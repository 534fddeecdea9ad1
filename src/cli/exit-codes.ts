import type { ErrorCode } from "../kernel/index.js";

/**
 * 0 success; 1 a failed outcome (a failed run, findings at or above the threshold); 2 an error;
 * 3 a run held at its gate, waiting for approvals (`sluice approve RUN` continues it).
 */
export const exitCodes = {
  ok: 0,
  failed: 1,
  error: 2,
  held: 3,
  interrupted: 130,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  return code === "CANCELLED" ? exitCodes.interrupted : exitCodes.error;
}
