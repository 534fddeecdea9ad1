import { isAppError, messageOf } from "../../kernel/index.js";
import type { Logger } from "../../kernel/index.js";
import type { JobResult, RunRecorder } from "../ports.js";
import type { JobLease, RunnerApi, RunnerIdentity } from "./runner-api.js";

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
  private woken = false;
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
    this.woken = true;
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

  private async claimLoop(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      while (!this.stopped && this.running.size < this.capacity) {
        let lease: JobLease | null;
        try {
          lease = await this.api.claim(this.options.identity);
        } catch (error) {
          this.options.logger.warn("claim failed", { error: messageOf(error) });
          break;
        }
        if (!lease) break;
        this.runLease(lease);
      }
      if (this.woken || this.stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.idlePollMs ?? 1000);
        timer.unref();
        this.wakeUp = () => {
          clearTimeout(timer);
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
    const beat = setInterval(() => {
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
    }, lease.heartbeatMs);
    beat.unref();
    const recorder = this.recorderFor(lease.leaseId);
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
      clearInterval(beat);
      if (!lost) {
        await this.api.complete(lease.leaseId, result).catch((error) =>
          this.options.logger.warn("complete failed", {
            leaseId: lease.leaseId,
            error: messageOf(error),
          }),
        );
      }
      this.running.delete(lease.leaseId);
      this.wake();
    })();
  }

  private recorderFor(leaseId: string): RunRecorder {
    return {
      jobStarted: () => this.api.report(leaseId, { kind: "jobStarted" }),
      stepStarted: (_job, position, name) =>
        this.api.report(leaseId, { kind: "stepStarted", position, name }),
      stepFinished: (_job, position, result) =>
        this.api.report(leaseId, {
          kind: "stepFinished",
          position,
          ...result,
        }),
      // The job's end travels with `complete`.
      jobFinished: async () => {},
    };
  }
}
