import { messageOf } from "../kernel/index.js";
import type { ConcurrencyGroups } from "./concurrency.js";
import { conditionHolds, statusFunctions } from "./expressions.js";
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
}

/** A job's result as its dependents see it: continue-on-error turns a failure into a success. */
function effective(job: PlannedJob, result: JobResult): JobStatus {
  return result.status === "failure" && job.continueOnError
    ? "success"
    : result.status;
}

const severity: Record<JobStatus, number> = {
  success: 0,
  skipped: 1,
  cancelled: 2,
  failure: 3,
};

/**
 * Runs a plan's DAG: a job starts when its needs have ended and its `if` holds (implicit
 * `success()`: a job whose needs failed is skipped unless its `if` says otherwise), at most
 * `maxParallel` at once (and a matrix's `max-parallel`), a failed matrix cell cancels its
 * siblings (fail-fast), concurrency groups serialise jobs across runs of the process, and a
 * cancel stops running jobs while `always()` jobs still run.
 */
export async function executeRun(
  plan: Plan,
  options: ExecuteOptions,
): Promise<RunResult> {
  const byKey = new Map(plan.jobs.map((j) => [j.key, j]));
  const results = new Map<string, JobResult>();
  const pending = new Set(plan.jobs.map((j) => j.key));
  const running = new Map<string, Promise<void>>();
  const runningById = new Map<string, number>();
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
  let resolveWake: (() => void) | undefined;
  const wake = () => {
    dirty = true;
    resolveWake?.();
  };

  const failedAncestor = (job: PlannedJob, seen = new Set<string>()): boolean =>
    job.needs.some((key) => {
      if (seen.has(key)) return false;
      seen.add(key);
      const need = byKey.get(key);
      const result = results.get(key);
      if (!need || !result) return false;
      return (
        effective(need, result) === "failure" || failedAncestor(need, seen)
      );
    });

  const needsContext = (job: PlannedJob): JobInput["needs"] => {
    const context: JobInput["needs"] = {};
    for (const id of job.needIds) {
      const cells = plan.jobs.filter((j) => j.id === id);
      let result: JobStatus = "success";
      const outputs: Record<string, string> = {};
      for (const cell of cells) {
        const r = results.get(cell.key);
        if (!r) continue;
        const status = effective(cell, r);
        if (severity[status] > severity[result]) result = status;
        Object.assign(outputs, r.outputs);
      }
      context[id] = { result, outputs };
    }
    return context;
  };

  const finishUnstarted = async (
    job: PlannedJob,
    status: JobStatus,
    error?: string,
  ) => {
    pending.delete(job.key);
    results.set(job.key, { status, outputs: {}, steps: [], error });
    await options.recorder.jobFinished(job.key, { status, outputs: {} });
  };

  const start = (job: PlannedJob) => {
    pending.delete(job.key);
    runningById.set(job.id, (runningById.get(job.id) ?? 0) + 1);
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
      // The pipeline's name is the project (runs, deployments and metrics are filed under it).
      env: { SLUICE_PROJECT: plan.name, ...job.env },
      facts: plan.facts,
      needs: needsContext(job),
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
        runningById.set(job.id, (runningById.get(job.id) ?? 1) - 1);
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
    while (pending.size > 0 || running.size > 0) {
      dirty = false;
      let progressed = false;
      for (const job of plan.jobs) {
        if (fatal !== undefined) break;
        if (!pending.has(job.key)) continue;
        if (!job.needs.every((key) => results.has(key))) continue;
        if (tripped.has(job.id)) {
          await finishUnstarted(
            job,
            "cancelled",
            "cancelled by a failed matrix sibling (fail-fast)",
          );
          progressed = true;
          continue;
        }
        const needStatuses = job.needs.map((key) => {
          const need = byKey.get(key);
          const result = results.get(key);
          return need && result ? effective(need, result) : "skipped";
        });
        const functions = statusFunctions({
          succeeded: needStatuses.every((s) => s === "success"),
          failed: failedAncestor(job),
          cancelled: options.signal.aborted,
        });
        const context = {
          branch: plan.facts.branch ?? "",
          event: plan.facts.event,
          commit: plan.facts.commit ?? "",
          inputs: plan.facts.inputs ?? {},
          matrix: job.matrix ?? {},
          env: job.env,
          needs: needsContext(job),
        };
        let holds: boolean;
        try {
          holds = conditionHolds(job.if, context, functions, `job ${job.key}`);
        } catch (error) {
          await finishUnstarted(job, "failure", messageOf(error));
          progressed = true;
          continue;
        }
        if (!holds) {
          await finishUnstarted(
            job,
            options.signal.aborted ? "cancelled" : "skipped",
          );
          progressed = true;
          continue;
        }
        if (running.size >= limit) continue;
        if (
          job.maxParallel !== undefined &&
          (runningById.get(job.id) ?? 0) >= job.maxParallel
        )
          continue;
        start(job);
        progressed = true;
      }
      if (progressed) continue;
      if (running.size === 0) break; // nothing can move: should not happen with a valid plan
      if (dirty) continue;
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

  const jobs = Object.fromEntries(
    plan.jobs.map((j) => [
      j.key,
      results.get(j.key) ?? {
        status: "skipped" as const,
        outputs: {},
        steps: [],
      },
    ]),
  );
  const statuses = plan.jobs.map((j) => {
    const r = results.get(j.key);
    return r ? effective(j, r) : "skipped";
  });
  const status = options.signal.aborted
    ? "cancelled"
    : statuses.includes("failure")
      ? "failure"
      : statuses.includes("cancelled")
        ? "cancelled"
        : "success";
  return { status, jobs };
}
