import { Worker } from "node:worker_threads";
import type { ScanTask, TaskResult, WorkerInit } from "./protocol.js";

/** A task that ran out of time: the rule that was running when its worker was stopped. */
export interface PoolTimeout {
  path: string;
  ruleId: string | undefined;
}

export interface PoolOptions {
  size: number;
  init: Omit<WorkerInit, "currentRule">;
  /** A task running longer than this has its worker terminated; the task is retried without the rule. */
  taskBudgetMs: number;
  /** Most tasks sent to a worker in one message. */
  batchSize?: number;
  /** Batches in flight per worker, so a worker never waits for the main thread. */
  depth?: number;
  /** Called as a task is stopped, before it and the rest of its batch are queued again. */
  onTimeout?: (timeout: PoolTimeout) => void;
  /**
   * The calling thread as one more lane (ADR 053): it takes up to `batch` of the queued tasks
   * submitted as `local` whenever it is idle, and runs them between the pool's messages. For
   * built-in rules only: a task on this thread cannot be stopped by terminating it.
   */
  local?: { run: (task: ScanTask) => TaskResult; batch?: number };
}

interface Pending {
  task: ScanTask;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
  /** The calling thread may run it. */
  local: boolean;
}

interface Slot {
  worker: Worker;
  /** Shared with the worker: [rule running now, index in its batch, tasks started so far]. */
  shared: Int32Array;
  /** Batches sent and not answered, oldest first. */
  inFlight: Pending[][];
  /** `shared[2]` when the watchdog last saw it change, and when that was. */
  seenStarted: number;
  seenAt: number;
  /** The worker compiled its rules and takes tasks. */
  ready: boolean;
}

/** The module that runs in each worker; from source (tests, tsx) it is loaded through tsx. */
function workerScript(): { script: string | URL; eval: boolean } {
  const url = new URL(
    `./worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
    import.meta.url,
  );
  if (url.pathname.endsWith(".js")) return { script: url, eval: false };
  return {
    script: `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`,
    eval: true,
  };
}

/**
 * A pool of scan workers (node:worker_threads). Each worker compiles the rules once and takes
 * tasks in batches (one message per batch each way: per-file messages cost more than small
 * files take to scan). A task that exceeds its time budget (a user regex backtracking
 * catastrophically) gets its worker terminated and replaced; the rule that was running (read
 * from shared memory) is reported and the task is retried without it, so the file's other
 * findings are still made; the rest of its batch is queued again.
 */
export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly options: PoolOptions;
  private readonly watchdog: NodeJS.Timeout;
  private closed = false;
  /** The calling thread's batch running or scheduled, if any. */
  private localBatch: Promise<void> | undefined;
  readonly timeouts: PoolTimeout[] = [];

  constructor(options: PoolOptions) {
    this.options = options;
    for (let i = 0; i < Math.max(1, options.size); i++)
      this.slots.push(this.spawn());
    this.watchdog = setInterval(
      () => this.check(),
      Math.min(250, options.taskBudgetMs / 2),
    );
    this.watchdog.unref();
  }

  private spawn(): Slot {
    const buffer = new SharedArrayBuffer(12);
    const shared = new Int32Array(buffer);
    shared[0] = -1;
    const { script, eval: isEval } = workerScript();
    const worker = new Worker(script, {
      eval: isEval,
      workerData: {
        ...this.options.init,
        currentRule: buffer,
      } satisfies WorkerInit,
    });
    const slot: Slot = {
      worker,
      shared,
      inFlight: [],
      seenStarted: 0,
      seenAt: 0,
      ready: false,
    };
    worker.on("message", (results: TaskResult[] | { ready: true }) => {
      slot.seenAt = performance.now();
      if (!Array.isArray(results)) {
        slot.ready = true;
        this.pump();
        return;
      }
      const batch = slot.inFlight.shift() ?? [];
      batch.forEach((p, i) => p.resolve(results[i]!));
      this.pump();
    });
    worker.on("error", (error) => {
      // A crashed worker fails its tasks; replace it so the scan goes on.
      for (const batch of slot.inFlight.splice(0))
        for (const p of batch) p.reject(error);
      this.replace(slot);
    });
    return slot;
  }

  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    void slot.worker.terminate();
    if (index >= 0 && !this.closed) {
      this.slots[index] = this.spawn();
      this.pump();
    }
  }

  private check(): void {
    const now = performance.now();
    for (const slot of this.slots) {
      if (!slot.ready || slot.inFlight.length === 0) {
        slot.seenAt = now;
        continue;
      }
      const started = Atomics.load(slot.shared, 2);
      if (started !== slot.seenStarted) {
        slot.seenStarted = started;
        slot.seenAt = now;
        continue;
      }
      if (now - slot.seenAt <= this.options.taskBudgetMs) continue;
      // Stuck on one task: the one at `shared[1]` in the oldest batch.
      const batch = slot.inFlight[0]!;
      const at = Math.min(Atomics.load(slot.shared, 1), batch.length - 1);
      const head = batch[at]!;
      const index = Atomics.load(slot.shared, 0);
      const ruleId =
        index >= 0 ? this.options.init.rules[index]?.id : undefined;
      this.timeouts.push({ path: head.task.path, ruleId });
      this.options.onTimeout?.({ path: head.task.path, ruleId });
      const requeue: Pending[] = [];
      for (const b of slot.inFlight.splice(0))
        for (const p of b) if (p !== head) requeue.push(p);
      if (!ruleId)
        head.resolve({
          id: head.task.id,
          matches: [],
          timeouts: [],
          bytes: 0,
          regexRuns: 0,
          error: "stopped at twice the time budget while no rule was running",
        });
      else
        requeue.unshift({
          ...head,
          task: {
            ...head.task,
            exclude: [...(head.task.exclude ?? []), ruleId],
          },
        });
      this.queue.unshift(...requeue);
      slot.worker.removeAllListeners();
      this.replace(slot);
    }
  }

  private pump(): void {
    const depth = this.options.depth ?? 2;
    const size = this.options.batchSize ?? 32;
    for (const slot of this.slots) {
      if (!slot.ready) continue;
      while (slot.inFlight.length < depth && this.queue.length > 0) {
        const batch = this.queue.splice(0, size);
        if (slot.inFlight.length === 0) slot.seenAt = performance.now();
        slot.inFlight.push(batch);
        // Content is copied, not transferred: a task may be retried after its worker is stopped.
        slot.worker.postMessage(batch.map((p) => p.task));
      }
    }
    this.pumpLocal();
  }

  /**
   * Gives the calling thread a batch when it is idle: after a turn of the event loop, so the
   * workers' messages (and their next batches) go first, and a batch is short so they do not
   * wait long.
   */
  private pumpLocal(): void {
    const local = this.options.local;
    if (!local || this.localBatch || this.closed) return;
    const batch: Pending[] = [];
    const most = local.batch ?? 8;
    for (let i = 0; i < this.queue.length && batch.length < most;)
      if (this.queue[i]!.local) batch.push(...this.queue.splice(i, 1));
      else i++;
    if (batch.length === 0) return;
    this.localBatch = new Promise<void>((done) =>
      setImmediate(() => {
        for (const p of batch) {
          try {
            p.resolve(local.run(p.task));
          } catch (error) {
            p.reject(error as Error);
          }
        }
        this.localBatch = undefined;
        done();
        this.pump();
      }),
    );
  }

  /** Queues a task; resolves with its result. `local`: the calling thread may run it. */
  run(task: ScanTask, local = false): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject, local });
      this.pump();
    });
  }

  /** Tasks queued and not yet sent to a worker (for back-pressure). */
  get backlog(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.localBatch;
    clearInterval(this.watchdog);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
