import { AppError, messageOf } from "../kernel/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import type { PipelineConfig } from "../config/index.js";
import type { RunSourceFacts } from "./checkout.js";
import type { ConcurrencyGroups } from "./concurrency.js";
import { plan } from "./plan.js";
import type {
  Plan,
  RecordedRunStatus,
  RunRecorder,
  RunResult,
  TriggerFacts,
} from "./ports.js";
import { QueueDispatcher } from "./queue/dispatcher.js";
import type { RunnerService } from "./queue/runner-service.js";
import { executeRun } from "./scheduler.js";

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
type FinalRunStatus = Exclude<RecordedRunStatus, "queued" | "running">;

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
      const result = await executeRun(planned, {
        runId: run.id,
        workdir: request.checkout ?? request.workdir,
        dispatcher: new QueueDispatcher(this.deps.runners, run.id, jobIds),
        recorder: this.deps.ledger.recorder(jobIds),
        maxParallel: request.maxParallel,
        signal: request.signal,
        forceSignal: request.forceSignal,
        groups: this.deps.groups,
      });
      await this.deps.ledger.finishRun(run.id, result.status, reasonOf(result));
      finished = true;
      await this.deps
        .onRunFinished?.({
          runId: run.id,
          project: request.project,
          change: request.change,
          status: result.status,
          startedAt,
        })
        .catch((error) =>
          this.deps.logger.error("a run-finished hook failed", {
            runId: run.id,
            error: messageOf(error),
          }),
        );
      return { runId: run.id, plan: planned, result };
    } finally {
      if (!finished) {
        await this.deps.ledger
          .finishRun(run.id, "failure", "sluice stopped with an error")
          .catch((error) =>
            this.deps.logger.error("cannot record the end of a run", {
              runId: run.id,
              error: messageOf(error),
            }),
          );
      }
    }
  }
}

/** Keeps `only` and everything it needs, transitively. */
export function selectJob(planned: Plan, only: string | undefined): Plan {
  if (only === undefined) return planned;
  const roots = planned.jobs.filter(
    (job) => job.id === only || job.key === only,
  );
  if (roots.length === 0) {
    const ids = [...new Set(planned.jobs.map((job) => job.id))].join(", ");
    throw new AppError(
      "INVALID_ARGUMENT",
      `no job ${only} in this pipeline (jobs: ${ids})`,
    );
  }
  const byKey = new Map(planned.jobs.map((job) => [job.key, job]));
  const keep = new Set<string>();
  const visit = (key: string) => {
    if (keep.has(key)) return;
    keep.add(key);
    for (const need of byKey.get(key)?.needs ?? []) visit(need);
  };
  for (const root of roots) visit(root.key);
  return { ...planned, jobs: planned.jobs.filter((job) => keep.has(job.key)) };
}

function reasonOf(result: RunResult): string | undefined {
  const failed = Object.entries(result.jobs).filter(
    ([, job]) => job.status === "failure",
  );
  if (result.status === "cancelled") return "cancelled";
  if (failed.length === 0) return undefined;
  return `failed: ${failed
    .map(([key, job]) => (job.error ? `${key} (${job.error})` : key))
    .join(", ")}`;
}
