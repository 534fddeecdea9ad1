import { AppError } from "../kernel/index.js";
import type { ArtifactRef, RunResult } from "./ports.js";
import type { RunDetail } from "./store-queries.js";

/** Job statuses that ended: a resumed (or handed-back) run keeps these jobs' results. */
export const endedStatuses = new Set([
  "success",
  "failure",
  "skipped",
  "cancelled",
]);

/** What the run service's `drive` answers for a run it handed back. */
export const handedBack = Symbol("handed back");

/**
 * Watches a run's `handBack` signal (a stopping server, ADR 106): when it aborts, reads which
 * jobs had ended (they keep their results), then aborts `stop`, which stops the others, always()
 * jobs too. `ended()` answers those keys once read, or undefined when no hand-back was asked
 * (or the store could not say: the run then ends as cancelled).
 */
export function watchHandBack(
  ledger: { getRun(id: string): Promise<Pick<RunDetail, "jobs">> },
  runId: string,
  handBack: AbortSignal | undefined,
): {
  stop: AbortSignal;
  ended(): Promise<string[] | undefined>;
  close(): void;
} {
  const stop = new AbortController();
  let ended: Promise<string[] | undefined> | undefined;
  const read = () => {
    ended ??= ledger
      .getRun(runId)
      .then(
        (run) =>
          run.jobs
            .filter((job) => endedStatuses.has(job.status))
            .map((job) => job.key),
        () => undefined,
      )
      .finally(() => stop.abort());
  };
  if (handBack?.aborted) read();
  handBack?.addEventListener("abort", read);
  return {
    stop: stop.signal,
    ended: async () => ended,
    close: () => handBack?.removeEventListener("abort", read),
  };
}

/** The artifacts the run's ended jobs (of `only`, when given) published, by job key. */
export function artifactsOf(
  result: RunResult,
  only?: readonly string[],
): Record<string, ArtifactRef[]> {
  return Object.fromEntries(
    Object.entries(result.jobs).flatMap(([key, job]) =>
      job.artifacts && (!only || only.includes(key))
        ? [[key, job.artifacts]]
        : [],
    ),
  );
}

const handedBackErrors = new WeakSet<object>();

/** Whether a run ended with `handedBackError`: it was handed back, and goes on elsewhere. */
export function isHandedBack(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && handedBackErrors.has(error)
  );
}

/** What the client of a handed-back run is told (the run's events end with it). */
export function handedBackError(
  runId: string,
  owner: { pid: number },
): AppError {
  const error = new AppError(
    "STORE_UNAVAILABLE",
    `the server (pid ${owner.pid}) stopped before run ${runId} ended and handed it back: the next server continues it (\`sluice logs -f ${runId}\` follows it, \`sluice run show ${runId}\` shows how it ended)`,
  );
  handedBackErrors.add(error);
  return error;
}
