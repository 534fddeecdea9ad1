import { isAppError, messageOf } from "../../kernel/index.js";
import type { Clock, Logger, Timer } from "../../kernel/index.js";
import type { JobResult, RunRecorder } from "../ports.js";
import type {
  JobLease,
  RunnerApi,
  RunnerIdentity,
  StepReport,
} from "./runner-api.js";

/** Runs one leased job: in sluice, `runJob` with the runner's recorder and abort signal. */
export type LeaseExecutor = (
  lease: JobLease,
  ctx: { recorder: RunRecorder; signal: AbortSignal },
) => Promise<JobResult>;

export interface EmbeddedRunnerOptions {
  identity: RunnerIdentity;
  /** Jobs run at once (default 4). */
  capacity?: number;
  /** Fallback poll when no wake-up arrives (default 1 s); work queued in-process wakes it at once. */
  idlePollMs?: number;
  logger: Logger;
  /** Times of step starts and ends; runs the idle poll, the heartbeat and the live-step report (ADR 025). */
  clock: Clock;
  /**
   * A step still running after this long is reported at once (so `sluice run show` sees it);
   * quicker steps are written with the job's end, in the same statement (default 1 s).
   */
  liveStepAfterMs?: number;
}

/**
 * The runner inside the sluice process. It talks to the server only through `RunnerApi` (the
 * protocol a remote agent speaks over HTTP): claim, heartbeat, report, complete.
 */
export class EmbeddedRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly capacity: number;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** The queue may hold work for this runner (work was queued, or the last claim filled it up). */
  private mayHaveWork = true;
  private stopped = false;

  constructor(
    private readonly api: RunnerApi,
    private readonly execute: LeaseExecutor,
    private readonly options: EmbeddedRunnerOptions,
  ) {
    this.capacity = options.capacity ?? 4;
  }

  start(): void {
    this.stopped = false;
    this.loop ??= this.claimLoop();
  }

  /** Claim now (work was queued). */
  wake(): void {
    this.mayHaveWork = true;
    this.wakeUp?.();
  }

  /** Stops the job holding `leaseId` (the run was cancelled). */
  cancel(leaseId: string): void {
    this.running.get(leaseId)?.abort();
  }

  /** Stops claiming and aborts the jobs still running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const controller of this.running.values()) controller.abort();
    this.wake();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * Claims while there is room and the queue may hold work: after a wake-up (work was queued),
   * after a claim that filled every slot (once a slot frees up), and on the idle poll (work queued
   * by another process). A job that ends alone does not make it ask an empty queue.
   */
  private async claimLoop(): Promise<void> {
    while (!this.stopped) {
      while (
        !this.stopped &&
        this.mayHaveWork &&
        this.running.size < this.capacity
      ) {
        this.mayHaveWork = false;
        const free = this.capacity - this.running.size;
        let leases: JobLease[];
        try {
          leases = await this.api.claimMany(this.options.identity, free);
        } catch (error) {
          this.options.logger.warn("claim failed", { error: messageOf(error) });
          break;
        }
        for (const lease of leases) this.runLease(lease);
        // As many as asked for: there may be more once a slot frees up.
        if (leases.length === free) this.mayHaveWork = true;
      }
      if (this.stopped) break;
      if (this.mayHaveWork && this.running.size < this.capacity) continue;
      await new Promise<void>((resolve) => {
        const timer = this.options.clock.setTimeout(
          () => {
            this.mayHaveWork = true;
            resolve();
          },
          this.options.idlePollMs ?? 1000,
          { unref: true },
        );
        this.wakeUp = () => {
          timer.cancel();
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
    while (this.running.size > 0) {
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      });
    }
  }

  private runLease(lease: JobLease): void {
    const controller = new AbortController();
    this.running.set(lease.leaseId, controller);
    let lost = false;
    const beat = this.options.clock.setInterval(
      () => {
        this.api.heartbeat(lease.leaseId).then(
          (reply) => {
            if (reply.cancel) controller.abort();
          },
          (error) => {
            if (isAppError(error) && error.code === "CONFLICT") {
              // The lease was taken back: another runner has the job now.
              lost = true;
              controller.abort();
            }
          },
        );
      },
      lease.heartbeatMs,
      { unref: true },
    );
    const { recorder, unreported } = this.recorderFor(lease.leaseId, () => {
      lost = true;
      controller.abort();
    });
    void (async () => {
      let result: JobResult;
      try {
        result = await this.execute(lease, {
          recorder,
          signal: controller.signal,
        });
      } catch (error) {
        result = {
          status: "failure",
          outputs: {},
          steps: [],
          error: messageOf(error),
        };
      }
      beat.cancel();
      const steps = await unreported();
      if (!lost) {
        await this.api.complete(lease.leaseId, result, steps).catch((error) =>
          this.options.logger.warn("complete failed", {
            leaseId: lease.leaseId,
            error: messageOf(error),
          }),
        );
      }
      this.running.delete(lease.leaseId);
      // A slot is free: claim again if the queue may hold more (not a wake-up: no work was queued).
      this.wakeUp?.();
    })();
  }

  /**
   * The job's recorder. Step starts and ends are kept here and go out with `complete`, in one
   * statement with the job's outcome; a step that runs longer than `liveStepAfterMs` is reported
   * when that time is up (with the steps before it), and its end as soon as it comes.
   */
  private recorderFor(
    leaseId: string,
    onLost: () => void,
  ): { recorder: RunRecorder; unreported(): Promise<StepReport[]> } {
    const clock = this.options.clock;
    const liveAfter = this.options.liveStepAfterMs ?? 1000;
    const held = new Map<number, StepReport>();
    const live = new Set<number>();
    let timer: Timer | undefined;
    let reporting: Promise<void> = Promise.resolve();
    const flush = () => {
      const steps = [...held.values()];
      held.clear();
      for (const step of steps) live.add(step.position);
      reporting = reporting.then(() =>
        this.api.report(leaseId, { kind: "steps", steps }).catch((error) => {
          if (isAppError(error) && error.code === "CONFLICT") onLost();
          else {
            this.options.logger.warn("cannot report steps", {
              leaseId,
              error: messageOf(error),
            });
          }
        }),
      );
      return reporting;
    };
    const recorder: RunRecorder = {
      // The claim recorded the job as running.
      jobStarted: async () => {},
      stepStarted: async (_job, position) => {
        held.set(position, {
          position,
          status: "running",
          startedAt: clock.now(),
        });
        timer?.cancel();
        timer = clock.setTimeout(() => void flush(), liveAfter, {
          unref: true,
        });
      },
      stepFinished: async (_job, position, result) => {
        timer?.cancel();
        held.set(position, {
          ...held.get(position),
          position,
          status: result.status,
          exitCode: result.exitCode,
          cache: result.cache,
          attempts: result.attempts,
          logPath: result.logPath,
          warnings: result.warnings,
          finishedAt: clock.now(),
        });
        if (live.has(position)) await flush();
      },
      // The job's end travels with `complete`.
      jobFinished: async () => {},
    };
    return {
      recorder,
      unreported: async () => {
        timer?.cancel();
        await reporting;
        const steps = [...held.values()];
        held.clear();
        return steps;
      },
    };
  }
}
