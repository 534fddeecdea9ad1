import {
  AppError,
  durationHint,
  formatDuration,
  parseDuration,
} from "../../kernel/index.js";
import type { App } from "../../app.js";

/** How long a stopping server lets its runs end before handing them back, unless told. */
export const defaultGrace = "30s";

/** `--grace` / `SLUICE_SERVER_GRACE` in ms (0: hand the runs back at once). */
export function graceOf(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0)
    throw new AppError(
      "INVALID_ARGUMENT",
      `the grace period must be ${durationHint} (or 0), got "${text}"`,
    );
  return ms;
}

/**
 * A server's graceful stop of its runs (ADR 106), as a CI agent's on SIGTERM: it takes no new
 * run, lets those going end within `graceMs`, then hands the rest back to the next server. A
 * second SIGINT or SIGTERM ends the grace at once. Its socket and port keep answering
 * meanwhile (logs, run listings, cancels), so its clients follow their runs to the end.
 */
export async function stopRuns(
  app: Pick<App, "stopRuns" | "clock">,
  graceMs: number,
  tell: (line: string) => void,
): Promise<void> {
  const grace = new AbortController();
  const timer = app.clock.setTimeout(() => grace.abort(), graceMs);
  const now = (signal: NodeJS.Signals) => {
    if (!grace.signal.aborted)
      tell(`${signal}: handing the runs still going back now`);
    grace.abort();
  };
  process.on("SIGINT", now);
  process.on("SIGTERM", now);
  tell(
    `runs in flight may end within ${formatDuration(graceMs)}; those still going then are handed back to the next server`,
  );
  try {
    await app.stopRuns(grace.signal);
  } finally {
    timer.cancel();
    process.off("SIGINT", now);
    process.off("SIGTERM", now);
  }
}
