import { messageOf } from "../kernel/index.js";
import { conditionHolds, statusFunctions } from "./expressions.js";
import type {
  JobInput,
  JobResult,
  JobStatus,
  Plan,
  PlannedJob,
  RunResult,
  RunStatus,
} from "./ports.js";

/** A job's end as the scheduling core needs it: its status, and outputs for `needs.<id>`. */
export type JobEnd = Pick<JobResult, "status" | "outputs">;

/** Where a run stands: what ended, what runs, whether it was cancelled. */
export interface RunProgress {
  /** Jobs that ended (ran, or were decided not to start), by key. */
  results: ReadonlyMap<string, JobEnd>;
  /** Keys of jobs started and not ended yet. */
  running: ReadonlySet<string>;
  /** The run was cancelled: `always()` jobs still run, the others are cancelled. */
  cancelled: boolean;
  /** Matrix jobs (by id) whose failed cell cancels the cells not started yet (fail-fast). */
  tripped: ReadonlySet<string>;
  /** Jobs at most this many at once (the smaller of the plan's and the process's). */
  maxParallel: number;
}

/** What to do with one job now: start it, or end it without starting it (and why). */
export type JobDecision =
  | { job: PlannedJob; action: "start" }
  | {
      job: PlannedJob;
      action: "end";
      status: Exclude<JobStatus, "success">;
      /** Why, when it is not an `if` that did not hold (a bad `if`, fail-fast). */
      error?: string | undefined;
    };

export interface NextJobs {
  /** In plan order; a decision sees the ones before it (a job ended here may unblock the next). */
  decisions: JobDecision[];
  /**
   * Set when, once `decisions` are applied, nothing runs and nothing more can start: the run is
   * over, with this status.
   */
  finished?: RunStatus | undefined;
}

/** A job's result as its dependents see it: continue-on-error turns a failure into a success. */
export function effective(job: PlannedJob, result: JobEnd): JobStatus {
  return result.status === "failure" && job.continueOnError
    ? "success"
    : result.status;
}

const severity: Record<JobStatus, number> = {
  success: 0,
  skipped: 1,
  held: 2,
  cancelled: 3,
  failure: 4,
};

/** `needs.<id>` for a job: each need's worst effective result over its matrix cells, and outputs. */
export function needsContext(
  plan: Plan,
  job: PlannedJob,
  results: ReadonlyMap<string, JobEnd>,
): JobInput["needs"] {
  const context: JobInput["needs"] = {};
  for (const id of job.needIds) {
    let result: JobStatus = "success";
    const outputs: Record<string, string> = {};
    for (const cell of plan.jobs) {
      if (cell.id !== id) continue;
      const r = results.get(cell.key);
      if (!r) continue;
      const status = effective(cell, r);
      if (severity[status] > severity[result]) result = status;
      Object.assign(outputs, r.outputs);
    }
    context[id] = { result, outputs };
  }
  return context;
}

/**
 * The scheduling core: which jobs start now and which end without starting. A job is decided
 * once its needs have ended: a tripped fail-fast matrix cancels it; its `if` (implicit
 * `success()`: a job whose needs failed is skipped unless its `if` says otherwise) skips it, or
 * cancels it once the run is cancelled; a bad `if` fails it; otherwise it starts if fewer than
 * `maxParallel` jobs (and fewer than its matrix's `max-parallel` cells) run.
 */
export function nextJobs(plan: Plan, progress: RunProgress): NextJobs {
  const byKey = new Map(plan.jobs.map((j) => [j.key, j]));
  // Decisions taken in this call count for the jobs after them, as if they had been applied.
  const results = new Map(progress.results);
  let running = progress.running.size;
  const runningById = new Map<string, number>();
  for (const key of progress.running) {
    const id = byKey.get(key)?.id;
    if (id !== undefined) runningById.set(id, (runningById.get(id) ?? 0) + 1);
  }
  const decisions: JobDecision[] = [];
  const end = (
    job: PlannedJob,
    status: Exclude<JobStatus, "success">,
    error?: string,
  ) => {
    decisions.push({ job, action: "end", status, error });
    results.set(job.key, { status, outputs: {} });
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

  // A job that needs a held job (directly or not) waits: it is neither started nor ended, so
  // the run can end `held` and a later resume decides it.
  const heldAncestor = (job: PlannedJob, seen = new Set<string>()): boolean =>
    job.needs.some((key) => {
      if (seen.has(key)) return false;
      seen.add(key);
      const need = byKey.get(key);
      if (!need) return false;
      if (results.get(key)?.status === "held") return true;
      return !results.has(key) && heldAncestor(need, seen);
    });

  for (const job of plan.jobs) {
    if (results.has(job.key) || progress.running.has(job.key)) continue;
    if (!job.needs.every((key) => results.has(key))) continue;
    if (heldAncestor(job)) continue;
    if (progress.tripped.has(job.id)) {
      end(job, "cancelled", "cancelled by a failed matrix sibling (fail-fast)");
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
      cancelled: progress.cancelled,
    });
    const context = {
      branch: plan.facts.branch ?? "",
      event: plan.facts.event,
      commit: plan.facts.commit ?? "",
      inputs: plan.facts.inputs ?? {},
      matrix: job.matrix ?? {},
      env: job.env,
      needs: needsContext(plan, job, results),
    };
    let holds: boolean;
    try {
      holds = conditionHolds(job.if, context, functions, `job ${job.key}`);
    } catch (error) {
      end(job, "failure", messageOf(error));
      continue;
    }
    if (!holds) {
      end(job, progress.cancelled ? "cancelled" : "skipped");
      continue;
    }
    if (running >= progress.maxParallel) continue;
    if (
      job.maxParallel !== undefined &&
      (runningById.get(job.id) ?? 0) >= job.maxParallel
    )
      continue;
    decisions.push({ job, action: "start" });
    running++;
    runningById.set(job.id, (runningById.get(job.id) ?? 0) + 1);
  }

  // Over once nothing runs and every job ended, counting this call's decisions (or, with an
  // invalid plan, when nothing runs and nothing moves).
  const over =
    running === 0 &&
    (decisions.length === 0 || plan.jobs.every((j) => results.has(j.key)));
  const finished = over
    ? runStatus(plan, results, progress.cancelled)
    : undefined;
  return { decisions, finished };
}

/**
 * A run's status from its jobs' ends: a job that never ended counts as skipped. A failure beats a
 * hold (the run cannot deploy anyway); a hold beats a cancelled matrix cell.
 */
function runStatus(
  plan: Plan,
  results: ReadonlyMap<string, JobEnd>,
  cancelled: boolean,
): RunStatus {
  if (cancelled) return "cancelled";
  const statuses = plan.jobs.map((j) => {
    const r = results.get(j.key);
    return r ? effective(j, r) : "skipped";
  });
  return statuses.includes("failure")
    ? "failure"
    : statuses.includes("held")
      ? "held"
      : statuses.includes("cancelled")
        ? "cancelled"
        : "success";
}

/** The run's result: every job's result (skipped when it never ended) and the run's status. */
export function runResult(
  plan: Plan,
  results: ReadonlyMap<string, JobResult>,
  cancelled: boolean,
): RunResult {
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
  return { status: runStatus(plan, results, cancelled), jobs };
}
