import { AppError, messageOf } from "../kernel/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import type { PipelineConfig } from "../config/index.js";
import type { RunSourceFacts } from "./checkout.js";
import type { HeldPlan } from "./store-holds.js";
import type { RunDetail } from "./store-queries.js";
import type { ConcurrencyGroups } from "./concurrency.js";
import { plan, selectJob } from "./plan.js";
import type {
  JobResult,
  JobStatus,
  Plan,
  RecordedRunStatus,
  RunRecorder,
  RunResult,
  TriggerFacts,
} from "./ports.js";
import { QueueDispatcher } from "./queue/dispatcher.js";
import type { RunnerService } from "./queue/runner-service.js";
import { executeRun } from "./scheduler.js";
import {
  artifactsOf,
  endedStatuses,
  handedBack,
  handedBackError,
  watchHandBack,
} from "./run-hand-back.js";

/** The change a run is for (from git). */
interface RunChange {
  commit?: string | undefined;
  branch?: string | undefined;
  author?: string | undefined;
  authorEmail?: string | undefined;
  message?: string | undefined;
  trailers?: Record<string, string[]>;
}

/** Final statuses a recorded run can end with. */
type FinalRunStatus = Exclude<RecordedRunStatus, "queued" | "running" | "held">;

/** What the run service needs from the store (`RunStore` implements it). */
export interface RunLedger {
  createRun(input: {
    project: string;
    trigger: string;
    workdir: string;
    change: RunChange;
    source?: RunSourceFacts | undefined;
    ownerPid?: number;
    ownerHost?: string;
  }): Promise<{ id: string }>;
  addJobs(
    runId: string,
    jobs: {
      key: string;
      name: string;
      needs: string[];
      concurrencyGroup?: string | undefined;
      steps: string[];
    }[],
  ): Promise<ReadonlyMap<string, { id: string }>>;
  startRun(runId: string): Promise<void>;
  finishRun(
    runId: string,
    status: FinalRunStatus,
    reason?: string,
  ): Promise<void>;
  recorder(jobIds: ReadonlyMap<string, string>): RunRecorder;
  /** Records a run held at a gate, with what a resume needs (store-holds.ts). */
  holdRun(runId: string, plan: HeldPlan, reason: string): Promise<void>;
  /** Takes a held (or handed-back: `queued`) run back to running; undefined when it is not so. */
  resumeHeldRun(
    runId: string,
    owner: { pid: number; host: string },
    from?: "held" | "queued",
  ): Promise<HeldPlan | undefined>;
  /** Records a running run as handed back: its plan kept, the jobs not `ended` pending again. */
  handBackRun(
    runId: string,
    kept: HeldPlan,
    ended: readonly string[],
    reason: string,
  ): Promise<void>;
  getRun(id: string): Promise<RunDetail>;
}

/** What `resume` needs: the held run, where it runs now, and the process that drives it. */
export interface ResumeRequest {
  runId: string;
  /** `queued`: a run a stopping server handed back (ADR 106), continued without a hold. */
  from?: "held" | "queued" | undefined;
  /** The project's folder in a clean checkout of the run's recorded commit. */
  checkout: string;
  maxParallel: number;
  signal: AbortSignal;
  forceSignal?: AbortSignal | undefined;
  owner: { pid: number; host: string };
  onRecorded?: ((runId: string, plan: Plan) => void) | undefined;
  handBack?: AbortSignal | undefined;
}

export interface RunRequest {
  project: string;
  /** `push`, `manual`, ... as recorded. */
  trigger: string;
  /** The project's folder in the user's working tree (recorded and shown). */
  workdir: string;
  /** Where the jobs run when not in `workdir`: the project's folder in a clean checkout. */
  checkout?: string | undefined;
  /** What the run runs: a checkout of the commit, or the working tree (dirty or not). */
  source?: RunSourceFacts | undefined;
  config: PipelineConfig;
  facts: TriggerFacts;
  change: RunChange;
  /** Run only this job and the jobs it needs (`sluice run --job J`). */
  onlyJob?: string | undefined;
  maxParallel: number;
  /** Cancels the run (Ctrl-C). */
  signal: AbortSignal;
  /** Stops even `always()` jobs (a second Ctrl-C). */
  forceSignal?: AbortSignal | undefined;
  owner: { pid: number; host: string };
  /** Called once the run is recorded, before any job starts. */
  onRecorded?: ((runId: string, plan: Plan) => void) | undefined;
  /**
   * Hands the run back (a stopping server, ADR 106): its running jobs stop, and it is recorded
   * `queued` with its plan, the jobs that had ended keeping their results, for the next server
   * to continue. `run` (or `resume`) then throws STORE_UNAVAILABLE saying so.
   */
  handBack?: AbortSignal | undefined;
}

export interface RunOutcome {
  runId: string;
  plan: Plan;
  result: RunResult;
}

export interface RunServiceDeps {
  ledger: RunLedger;
  runners: Pick<RunnerService, "submit">;
  clock: Clock;
  logger: Logger;
  /** Concurrency groups of this process (cancel-in-progress); the queue serialises across processes. */
  groups?: ConcurrencyGroups | undefined;
  /** Told of each run that ended and was recorded (the metrics record its change); errors are logged. */
  onRunFinished?: ((run: FinishedRun) => Promise<unknown>) | undefined;
}

/** A run that ended, as `onRunFinished` gets it. */
interface FinishedRun {
  runId: string;
  project: string;
  change: RunChange;
  status: FinalRunStatus;
  startedAt: number;
}

/**
 * Creates a run for a change: plans it (a config error records nothing), records the run with its
 * jobs and steps, drives the scheduler with the queue dispatcher, and records how it ended. A run
 * that throws midway is recorded as failed before the error goes on, so none is left running.
 */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  async run(request: RunRequest): Promise<RunOutcome> {
    const planned = selectJob(
      plan(request.config, request.facts),
      request.onlyJob,
    );
    const startedAt = this.deps.clock.now();
    const run = await this.deps.ledger.createRun({
      project: request.project,
      trigger: request.trigger,
      workdir: request.workdir,
      change: request.change,
      source: request.source,
      ownerPid: request.owner.pid,
      ownerHost: request.owner.host,
    });
    let finished = false;
    try {
      const rows = await this.deps.ledger.addJobs(
        run.id,
        planned.jobs.map((job) => ({
          key: job.key,
          name: job.name,
          needs: job.needs,
          concurrencyGroup: job.concurrency?.group,
          steps: job.steps.map((step) => step.name),
        })),
      );
      const jobIds = new Map([...rows].map(([key, row]) => [key, row.id]));
      await this.deps.ledger.startRun(run.id);
      request.onRecorded?.(run.id, planned);
      const result = await this.drive(run.id, planned, jobIds, {
        ...request,
        workdir: request.checkout ?? request.workdir,
      });
      finished = true;
      if (result === handedBack) throw handedBackError(run.id, request.owner);
      await this.finished(
        run.id,
        request.project,
        request.change,
        result,
        startedAt,
      );
      return { runId: run.id, plan: planned, result };
    } finally {
      if (!finished) await this.failStopped(run.id);
    }
  }

  /**
   * Resumes a held run (approved at its gate) from where it stopped: the jobs that ended keep
   * their results, the held jobs run again, then the ones that waited for them. Refused, with
   * nothing changed, when the run is not held.
   */
  async resume(request: ResumeRequest): Promise<RunOutcome> {
    const before = await this.deps.ledger.getRun(request.runId);
    const from = request.from ?? "held";
    const held = await this.deps.ledger.resumeHeldRun(
      before.id,
      request.owner,
      from,
    );
    if (!held)
      throw new AppError(
        "CONFLICT",
        from === "held"
          ? `run ${before.id} is not held (it is ${before.status}); only a held run can be resumed`
          : `run ${before.id} was not handed back, or another server continues it`,
      );
    const startedAt = this.deps.clock.now();
    let finished = false;
    try {
      const done = new Map<string, JobResult>();
      for (const job of before.jobs) {
        if (!endedStatuses.has(job.status)) continue;
        done.set(job.key, {
          status: job.status as JobStatus,
          outputs: job.outputs,
          steps: [],
          artifacts: held.artifacts[job.key],
        });
      }
      const jobIds = new Map(before.jobs.map((job) => [job.key, job.id]));
      request.onRecorded?.(before.id, held.plan);
      const result = await this.drive(before.id, held.plan, jobIds, {
        ...request,
        // A handed-back run keeps the parallelism its client chose.
        maxParallel: held.maxParallel ?? request.maxParallel,
        workdir: request.checkout,
        done,
      });
      finished = true;
      if (result === handedBack)
        throw handedBackError(before.id, request.owner);
      const change = {
        commit: before.commit ?? undefined,
        branch: before.branch ?? undefined,
        author: before.author ?? undefined,
        authorEmail: before.authorEmail ?? undefined,
        message: before.message ?? undefined,
        trailers: before.trailers,
      };
      await this.finished(before.id, before.project, change, result, startedAt);
      return { runId: before.id, plan: held.plan, result };
    } finally {
      if (!finished) await this.failStopped(before.id);
    }
  }

  /**
   * Drives the scheduler over a recorded run and records a hold (plan kept) when it meets one,
   * or the hand-back when `handBack` aborts first (`handedBack`).
   */
  private async drive(
    runId: string,
    planned: Plan,
    jobIds: ReadonlyMap<string, string>,
    options: {
      workdir: string;
      maxParallel: number;
      signal: AbortSignal;
      forceSignal?: AbortSignal | undefined;
      handBack?: AbortSignal | undefined;
      done?: ReadonlyMap<string, JobResult>;
    },
  ): Promise<RunResult | typeof handedBack> {
    const watch = watchHandBack(this.deps.ledger, runId, options.handBack);
    let result: RunResult;
    try {
      result = await executeRun(planned, {
        runId,
        workdir: options.workdir,
        dispatcher: new QueueDispatcher(this.deps.runners, runId, jobIds),
        recorder: this.deps.ledger.recorder(jobIds),
        maxParallel: options.maxParallel,
        signal: AbortSignal.any([options.signal, watch.stop]),
        forceSignal: AbortSignal.any([
          ...(options.forceSignal ? [options.forceSignal] : []),
          watch.stop,
        ]),
        groups: this.deps.groups,
        done: options.done,
      });
    } finally {
      watch.close();
    }
    const kept = await watch.ended();
    // Handed back only when a job was left to run (one the user cancelled ends as cancelled).
    if (
      kept &&
      !options.signal.aborted &&
      planned.jobs.some((job) => !kept.includes(job.key))
    ) {
      await this.deps.ledger.handBackRun(
        runId,
        {
          plan: planned,
          artifacts: artifactsOf(result, kept),
          maxParallel: options.maxParallel,
        },
        kept,
        "handed back by a stopping server: the next server continues it",
      );
      return handedBack;
    }
    if (result.status === "held") {
      await this.deps.ledger.holdRun(
        runId,
        { plan: planned, artifacts: artifactsOf(result) },
        reasonOf(result) ?? "held",
      );
    } else {
      await this.deps.ledger.finishRun(runId, result.status, reasonOf(result));
    }
    return result;
  }

  /** Tells `onRunFinished` of a run that ended (not of one that is held); errors are logged. */
  private async finished(
    runId: string,
    project: string,
    change: RunChange,
    result: RunResult,
    startedAt: number,
  ): Promise<void> {
    if (result.status === "held") return;
    await this.deps
      .onRunFinished?.({
        runId,
        project,
        change,
        status: result.status,
        startedAt,
      })
      .catch((error) =>
        this.deps.logger.error("a run-finished hook failed", {
          runId,
          error: messageOf(error),
        }),
      );
  }

  private async failStopped(runId: string): Promise<void> {
    await this.deps.ledger
      .finishRun(runId, "failure", "sluice stopped with an error")
      .catch((error) =>
        this.deps.logger.error("cannot record the end of a run", {
          runId,
          error: messageOf(error),
        }),
      );
  }
}

function reasonOf(result: RunResult): string | undefined {
  const failed = Object.entries(result.jobs).filter(
    ([, job]) => job.status === "failure",
  );
  if (result.status === "cancelled") return "cancelled";
  if (result.status === "held")
    return `held: ${Object.entries(result.jobs)
      .filter(([, job]) => job.status === "held")
      .map(([key, job]) => (job.error ? `${key} (${job.error})` : key))
      .join(", ")}`;
  if (failed.length === 0) return undefined;
  return `failed: ${failed
    .map(([key, job]) => (job.error ? `${key} (${job.error})` : key))
    .join(", ")}`;
}
