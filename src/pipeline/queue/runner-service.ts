import { randomUUID } from "node:crypto";
import { AppError, messageOf } from "../../kernel/index.js";
import type { Clock, Logger, Timer } from "../../kernel/index.js";
import type { JobInput, JobResult, PlannedJob } from "../ports.js";
import type { JobQueue } from "./job-queue.js";
import { claimLeases } from "./claims.js";
import type { HeldLease } from "./claims.js";
import { Outbox } from "./outbox.js";
import { QueuedMarker } from "./queued-marker.js";
import { requeueExpiredLeases } from "./lease-janitor.js";
import type { LeaseStore } from "./ports.js";
import type {
  HeartbeatReply,
  JobLease,
  RunnerApi,
  RunnerIdentity,
  RunnerReport,
  StepReport,
} from "./runner-api.js";
import {
  cancelledResult,
  lostLease,
  recordReport,
  stepUpdate,
} from "./runner-reports.js";

/** The payload of a queued job: what a runner needs, and the store's row id. */
export interface QueuedJobData {
  runId: string;
  jobId: string;
  job: PlannedJob;
  input: JobInput;
}

export interface RunnerServiceOptions {
  /** Stamps leases and rows, and runs the janitor and the queued marker (ADR 025). */
  clock: Clock;
  logger: Logger;
  /** How long a lease lasts without a heartbeat (default 2 min, after the GitHub runner). */
  leaseMs?: number;
  /** How often runners heartbeat (default 30 s). */
  heartbeatMs?: number;
  /** How often the janitor looks for expired leases (default: a quarter of `leaseMs`). */
  sweepMs?: number;
  /** Requeues after a lost runner before the job fails (default 2). */
  infraRetries?: number;
  /** A job not claimed this long after it was queued shows as `queued` (default 100 ms). */
  queuedAfterMs?: number;
  /** Appends a chunk to a step's log file (the server side of `appendLog`). */
  appendLog?: (
    where: { runId: string; jobKey: string; position: number },
    chunk: string,
  ) => Promise<void>;
}

interface Waiter {
  data: QueuedJobData;
  /** Set once the job is in the queue. */
  queue?: string | undefined;
  /** Settles once the job is in the queue (or was dropped before). */
  sent: Promise<unknown>;
  resolve(result: JobResult): void;
  reject(error: unknown): void;
  cancelled: boolean;
  /** Its result is known, or a runner is completing it: a cancel changes nothing after. */
  settled: boolean;
  /** A runner holds (or held) it. */
  claimed: boolean;
}

/**
 * The server side of the runner protocol on pg-boss, plus the dispatcher half (`submit`) the
 * scheduler's `JobDispatcher` uses, and the lease janitor. One per process that owns runs.
 */
export class RunnerService implements RunnerApi {
  private readonly waiters = new Map<string, Waiter>();
  private readonly leases = new Map<string, HeldLease>();
  private readonly cancelListeners = new Set<(leaseId: string) => void>();
  private readonly workListeners = new Set<() => void>();
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly infraRetries: number;
  private sweepTimer: Timer | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly outbox: Outbox;
  private readonly queuedMarker: QueuedMarker;
  /** Cancellations under way (`stop` waits for them: they write to the store). */
  private readonly cancelling = new Set<Promise<void>>();

  constructor(
    private readonly queue: JobQueue,
    private readonly store: LeaseStore,
    private readonly options: RunnerServiceOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 120_000;
    this.heartbeatMs = options.heartbeatMs ?? 30_000;
    this.infraRetries = options.infraRetries ?? 2;
    this.queuedMarker = new QueuedMarker({
      clock: options.clock,
      logger: options.logger,
      afterMs: options.queuedAfterMs ?? 100,
      unclaimed: (ids) =>
        ids.flatMap((id) => {
          const waiter = this.waiters.get(id);
          return waiter && !waiter.claimed && !waiter.cancelled
            ? [waiter.data.jobId]
            : [];
        }),
      markQueued: (jobIds) => store.markQueued(jobIds),
    });
    this.outbox = new Outbox(queue, (ids) => {
      this.notifyWork();
      this.queuedMarker.sent(ids);
    });
  }

  /** Starts the lease janitor. */
  start(): void {
    const every = this.options.sweepMs ?? Math.max(50, this.leaseMs / 4);
    this.sweepTimer = this.options.clock.setInterval(
      () => void this.sweep(),
      every,
      { unref: true },
    );
  }

  async stop(): Promise<void> {
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
    this.queuedMarker.stop();
    await this.sweeping;
    await Promise.all(this.cancelling);
  }

  /** Called when work is queued (in-process runners claim at once instead of polling). */
  onWork(listener: () => void): () => void {
    this.workListeners.add(listener);
    return () => this.workListeners.delete(listener);
  }

  /** Called when a leased job is cancelled (in-process runners stop at once; agents learn it on heartbeat). */
  onCancel(listener: (leaseId: string) => void): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  /**
   * Queues a job and resolves with its result once a runner completes it (or it fails after
   * `infraRetries` lost runners). Aborting `signal` cancels it, queued or running. Jobs submitted
   * in the same tick are queued in one statement, and in-process runners are woken at once.
   */
  async submit(data: QueuedJobData, signal: AbortSignal): Promise<JobResult> {
    if (signal.aborted) return cancelledResult();
    const id = randomUUID();
    const timeoutMs = data.job.timeoutMs ?? 6 * 3_600_000;
    let settle!: Pick<Waiter, "resolve" | "reject">;
    const result = new Promise<JobResult>(
      (resolve, reject) =>
        (settle = {
          resolve: (value) => {
            waiter.settled = true;
            resolve(value);
          },
          reject: (error) => {
            waiter.settled = true;
            reject(error);
          },
        }),
    );
    const waiter: Waiter = {
      data,
      ...settle,
      cancelled: false,
      settled: false,
      claimed: false,
      sent: Promise.resolve(),
    };
    this.waiters.set(id, waiter);
    waiter.sent = this.outbox
      .add(
        id,
        data,
        {
          group: data.job.concurrency?.group,
          retryLimit: this.infraRetries,
          expireInSeconds: Math.ceil(timeoutMs / 1000) + 300,
        },
        () => waiter.cancelled,
      )
      .then((queue) => (waiter.queue = queue));
    const onAbort = () => {
      const cancelling = this.cancel(id)
        .catch((error) =>
          this.options.logger.warn("cannot cancel a job", {
            error: messageOf(error),
          }),
        )
        .finally(() => this.cancelling.delete(cancelling));
      this.cancelling.add(cancelling);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await waiter.sent;
      return await result;
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.waiters.delete(id);
    }
  }

  async claim(runner: RunnerIdentity): Promise<JobLease | null> {
    return (await this.claimMany(runner, 1))[0] ?? null;
  }

  async claimMany(runner: RunnerIdentity, max: number): Promise<JobLease[]> {
    return claimLeases(runner, max, {
      queue: this.queue,
      store: this.store,
      now: () => this.options.clock.now(),
      leaseMs: this.leaseMs,
      heartbeatMs: this.heartbeatMs,
      waiter: (bossId) => this.waiters.get(bossId),
      hold: (leaseId, held) => this.leases.set(leaseId, held),
    });
  }

  async heartbeat(leaseId: string): Promise<HeartbeatReply> {
    const held = this.held(leaseId);
    const expiresAt = this.options.clock.now() + this.leaseMs;
    if (!(await this.store.renewLease(leaseId, new Date(expiresAt)))) {
      this.leases.delete(leaseId);
      throw lostLease(leaseId);
    }
    return {
      expiresAt,
      cancel: this.waiters.get(held.bossId)?.cancelled ?? false,
    };
  }

  async report(leaseId: string, report: RunnerReport): Promise<void> {
    const { data } = this.held(leaseId);
    await recordReport(
      this.store,
      data.jobId,
      report,
      new Date(this.options.clock.now()),
    );
  }

  async appendLog(
    leaseId: string,
    position: number,
    chunk: string,
  ): Promise<void> {
    const { data } = this.held(leaseId);
    if (!this.options.appendLog) {
      throw new AppError("INTERNAL", "this server does not accept runner logs");
    }
    await this.options.appendLog(
      { runId: data.runId, jobKey: data.job.key, position },
      chunk,
    );
  }

  async complete(
    leaseId: string,
    result: JobResult,
    steps: StepReport[] = [],
  ): Promise<void> {
    const held = this.held(leaseId);
    this.leases.delete(leaseId);
    // From here its result is the runner's: a cancel arriving now changes nothing.
    const waiter = this.waiters.get(held.bossId);
    if (waiter) waiter.settled = true;
    const completed = await this.store
      .completeLease(
        leaseId,
        {
          status: result.status,
          outputs: result.outputs,
          reason: result.error ?? null,
          finishedAt: new Date(this.options.clock.now()),
        },
        steps.map(stepUpdate),
      )
      .catch((error: unknown) => {
        // Nothing was written: the lease is the runner's again (it may retry), and a cancel applies.
        this.leases.set(leaseId, held);
        if (waiter) waiter.settled = false;
        throw error;
      });
    if (!completed) {
      // Lost (the janitor requeued it): a cancel applies to the job again.
      if (waiter) waiter.settled = false;
      throw lostLease(leaseId);
    }
    // A cancelled job is no longer active in the queue; completing it is a no-op there.
    await this.queue.complete(held.queue, held.bossId, {
      status: result.status,
    });
    waiter?.resolve(result);
  }

  /** The janitor: requeues (or fails) the jobs whose runner let its lease expire (lease-janitor.ts). */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .catch((error) =>
        this.options.logger.warn("lease janitor failed", {
          error: messageOf(error),
        }),
      )
      .finally(() => {
        this.sweeping = undefined;
      });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    await requeueExpiredLeases(this.options.clock.now(), {
      store: this.store,
      queue: this.queue,
      logger: this.options.logger,
      infraRetries: this.infraRetries,
      forgetLease: (leaseId) => {
        const held = this.leases.get(leaseId);
        this.leases.delete(leaseId);
        return held;
      },
      waiter: (bossId) => this.waiters.get(bossId),
      requeued: () => this.notifyWork(),
    });
  }

  private async cancel(bossId: string): Promise<void> {
    const waiter = this.waiters.get(bossId);
    if (!waiter || waiter.cancelled || waiter.settled) return;
    waiter.cancelled = true;
    // A job still in the outbox is dropped there; one being sent is cancelled once it is in.
    await waiter.sent.catch(() => {});
    const leased = [...this.leases.entries()].find(
      ([, held]) => held.bossId === bossId,
    );
    try {
      if (waiter.queue) await this.queue.cancel(waiter.queue, bossId);
    } catch (error) {
      this.options.logger.warn("cannot cancel a queued job", {
        error: messageOf(error),
      });
    }
    if (leased) {
      // The runner stops the job and completes it as cancelled; that resolves the waiter.
      for (const listener of this.cancelListeners) listener(leased[0]);
      return;
    }
    // A runner may have completed it meanwhile: its result stands.
    if (waiter.settled) return;
    await this.store.updateJob(waiter.data.jobId, {
      status: "cancelled",
      finishedAt: new Date(this.options.clock.now()),
    });
    waiter.resolve(cancelledResult());
  }

  private held(leaseId: string): HeldLease {
    const held = this.leases.get(leaseId);
    if (!held) throw lostLease(leaseId);
    return held;
  }

  private notifyWork(): void {
    for (const listener of this.workListeners) listener();
  }
}
