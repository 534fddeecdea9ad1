/**
 * Statuses as a run's record holds them (the store writes these, the CLI and the API show them):
 * the final ones (`RunStatus`), the states before the end, and `interrupted` for work whose
 * process died. `queued`, `running` and `held` (waiting at a gate for approvals, with no process:
 * `sluice approve` or `sluice run resume` continues it) are the run statuses that are not final.
 * The list is the one source: `sluice runs --status` accepts exactly these.
 */
export const recordedRunStatuses = [
  "queued",
  "running",
  "held",
  "success",
  "failure",
  "cancelled",
  "interrupted",
] as const;

export type RecordedRunStatus = (typeof recordedRunStatuses)[number];

/** Whether a word (a `--status` filter, a query parameter) names a recorded run status. */
export function isRecordedRunStatus(text: string): text is RecordedRunStatus {
  return (recordedRunStatuses as readonly string[]).includes(text);
}
