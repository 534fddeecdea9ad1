import { messageOf } from "../kernel/index.js";
import type { ConcurrencyGroups } from "./concurrency.js";
import { effective, needsContext, nextJobs, runResult } from "./next-jobs.js";
import type {
  ArtifactRef,
  JobDispatcher,
  JobInput,
  JobResult,
  JobStatus,
  Plan,
  PlannedJob,
  RunRecorder,
  RunResult,
} from "./ports.js";

export interface ExecuteOptions {
  runId: string;
  /** The checkout every job runs in, unless `workdirFor` says otherwise. */
  workdir: string;
  /** A separate directory per job (a remote agent, or tests of artifacts). */
  workdirFor?: ((job: PlannedJob) => string) | undefined;
  dispatcher: JobDispatcher;
  /** Records jobs the scheduler decides not to start (skipped, cancelled before start). */
  recorder: Pick<RunRecorder, "jobFinished">;
  /** Jobs at most this many at once. */
  maxParallel: number;
  /** Cancels the run: running steps get SIGINT → SIGTERM → SIGKILL; `always()` jobs still run. */
  signal: AbortSignal;
  /** Aborts even `always()` jobs (a second Ctrl-C). */
  forceSignal?: AbortSignal | undefined;
  /** Concurrency groups shared by every run of this process. */
  groups?: ConcurrencyGroups | undefined;
  /** Jobs that ended before (a held run resumed): they are not run again. */
  done?: ReadonlyMap<string, JobResult> | undefined;
}

/**
 * Runs a plan's DAG: a job starts when its needs have ended and its `if` holds (implicit
 * `success()`: a job whose needs failed is skipped unless its `if` says otherwise), at most
 * `maxParallel` at once (and a matrix's `max-parallel`), a failed matrix cell cancels its
 * siblings (fail-fast), concurrency groups serialise jobs across runs of the process, and a
 * cancel stops running jobs while `always()` jobs still run. What starts when is decided by
 * `nextJobs` (next-jobs.ts); this function only applies its decisions.
 */
export async function executeRun(
  plan: Plan,
  options: ExecuteOptions,
): Promise<RunResult> {
  const results = new Map<string, JobResult>(options.done ?? []);
  const running = new Map<string, Promise<void>>();
  const failFast = new Map<string, AbortController>();
  const tripped = new Set<string>();
  // Aborted when the run cannot go on (the recorder failed): running jobs stop like on a cancel.
  const stopAll = new AbortController();
  const limit = Math.max(
    1,
    plan.maxParallel
      ? Math.min(plan.maxParallel, options.maxParallel)
      : options.maxParallel,
  );
  // A finished job sets `dirty`, so a wake-up between the scan and the wait is never lost.
  let dirty = false;
  // Counts wake-ups: decisions taken before one are stale and are taken again.
  let changes = 0;
  let resolveWake: (() => void) | undefined;
  const wake = () => {
    dirty = true;
    changes++;
    resolveWake?.();
  };

  const finishUnstarted = async (
    job: PlannedJob,
    status: JobStatus,
    error?: string,
  ) => {
    results.set(job.key, { status, outputs: {}, steps: [], error });
    await options.recorder.jobFinished(job.key, { status, outputs: {} });
  };

  const start = (job: PlannedJob) => {
    const own = new AbortController();
    const siblings = job.failFast
      ? (failFast.get(job.id) ?? new AbortController())
      : undefined;
    if (siblings) failFast.set(job.id, siblings);
    // A job that starts after a cancel (an always() job) runs until the force signal.
    const base = options.signal.aborted ? options.forceSignal : options.signal;
    const signal = AbortSignal.any([
      own.signal,
      stopAll.signal,
      ...(base ? [base] : []),
      ...(siblings ? [siblings.signal] : []),
    ]);
    const input: JobInput = {
      runId: options.runId,
      workdir: options.workdirFor?.(job) ?? options.workdir,
      // The pipeline's name is the project (runs, deployments and metrics are filed under it);
      // a job's `environment` is its steps' $SLUICE_ENVIRONMENT (the deploy step deploys there).
      env: {
        SLUICE_PROJECT: plan.name,
        ...(job.environment && { SLUICE_ENVIRONMENT: job.environment }),
        ...job.env,
      },
      facts: plan.facts,
      needs: needsContext(plan, job, results),
      artifacts: job.needs.flatMap(
        (key) => results.get(key)?.artifacts ?? ([] as ArtifactRef[]),
      ),
    };
    const task = (async () => {
      let lease: { release(): void } | undefined;
      try {
        if (job.concurrency && options.groups) {
          const ticket = await options.groups.acquire(job.concurrency.group, {
            cancelInProgress: job.concurrency.cancelInProgress,
            onCancel: () => own.abort(),
            signal,
          });
          if (ticket === "superseded" || ticket === "cancelled") {
            const why =
              ticket === "superseded"
                ? "superseded by a newer job in its concurrency group"
                : "cancelled";
            results.set(job.key, {
              status: "cancelled",
              outputs: {},
              steps: [],
              error: why,
            });
            await options.recorder.jobFinished(job.key, {
              status: "cancelled",
              outputs: {},
            });
            return;
          }
          lease = ticket;
        }
        let result: JobResult;
        try {
          result = await options.dispatcher.dispatch(job, input, signal);
        } catch (error) {
          result = {
            status: "failure",
            outputs: {},
            steps: [],
            error: messageOf(error),
          };
          await options.recorder.jobFinished(job.key, {
            status: "failure",
            outputs: {},
          });
        }
        results.set(job.key, result);
        if (job.failFast && effective(job, result) === "failure") {
          tripped.add(job.id);
          failFast.get(job.id)?.abort();
        }
      } catch (error) {
        // The recorder itself failed (the store is gone): stop the run and report it.
        fatal ??= error;
        if (!results.has(job.key)) {
          results.set(job.key, {
            status: "failure",
            outputs: {},
            steps: [],
            error: messageOf(error),
          });
        }
        stopAll.abort();
      } finally {
        lease?.release();
        running.delete(job.key);
        wake();
      }
    })();
    running.set(job.key, task);
  };

  let fatal: unknown;
  const onAbort = () => wake();
  options.signal.addEventListener("abort", onAbort);
  try {
    for (;;) {
      dirty = false;
      if (fatal !== undefined) break;
      const cancelled = options.signal.aborted;
      const next = nextJobs(plan, {
        results,
        running: new Set(running.keys()),
        cancelled,
        tripped,
        maxParallel: limit,
      });
      const seen = changes;
      let applied = 0;
      for (const decision of next.decisions) {
        // A job ended or the run was cancelled while a decision was recorded: decide again.
        if (fatal !== undefined || changes !== seen) break;
        applied++;
        if (decision.action === "start") start(decision.job);
        else
          await finishUnstarted(decision.job, decision.status, decision.error);
      }
      if (next.finished !== undefined && applied === next.decisions.length)
        break;
      if (next.decisions.length > 0 || dirty) continue;
      await new Promise<void>((resolve) => {
        resolveWake = resolve;
      });
      resolveWake = undefined;
    }
  } finally {
    options.signal.removeEventListener("abort", onAbort);
  }
  await Promise.all(running.values());
  if (fatal !== undefined) throw fatal;

  return runResult(plan, results, options.signal.aborted);
}
