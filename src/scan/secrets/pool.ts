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
  /** Tasks queued per worker, so a worker never waits for the main thread. */
  depth?: number;
}

interface Slot {
  worker: Worker;
  current: Int32Array;
  inFlight: {
    task: ScanTask;
    resolve: (r: TaskResult) => void;
    reject: (e: Error) => void;
  }[];
  /** When the head of `inFlight` started running. */
  headStarted: number;
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
 * A pool of scan workers (node:worker_threads). Each worker compiles the rules once. A task that
 * exceeds its time budget (a user regex backtracking catastrophically) gets its worker terminated
 * and replaced; the rule that was running (read from shared memory) is reported and the task is
 * retried without it, so the file's other findings are still made.
 */
export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly queue: {
    task: ScanTask;
    resolve: (r: TaskResult) => void;
    reject: (e: Error) => void;
  }[] = [];
  private readonly options: PoolOptions;
  private readonly watchdog: NodeJS.Timeout;
  private closed = false;
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
    const shared = new SharedArrayBuffer(4);
    const current = new Int32Array(shared);
    current[0] = -1;
    const { script, eval: isEval } = workerScript();
    const worker = new Worker(script, {
      eval: isEval,
      workerData: {
        ...this.options.init,
        currentRule: shared,
      } satisfies WorkerInit,
    });
    const slot: Slot = {
      worker,
      current,
      inFlight: [],
      headStarted: 0,
      ready: false,
    };
    worker.on("message", (result: TaskResult | { ready: true }) => {
      if ("ready" in result) {
        slot.ready = true;
        slot.headStarted = performance.now();
        return;
      }
      const done = slot.inFlight.shift();
      slot.headStarted = performance.now();
      done?.resolve(result);
      this.pump();
    });
    worker.on("error", (error) => {
      // A crashed worker fails its tasks; replace it so the scan goes on.
      for (const t of slot.inFlight.splice(0)) t.reject(error);
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
      const head = slot.inFlight[0];
      if (
        !head ||
        !slot.ready ||
        now - slot.headStarted <= this.options.taskBudgetMs
      )
        continue;
      const index = slot.current[0]!;
      const ruleId =
        index >= 0 ? this.options.init.rules[index]?.id : undefined;
      this.timeouts.push({ path: head.task.path, ruleId });
      const pending = slot.inFlight.splice(0);
      // Retry the slow task without the rule; give the others back to the queue.
      const retry = {
        ...head.task,
        exclude: [...(head.task.exclude ?? []), ...(ruleId ? [ruleId] : [])],
      };
      if (!ruleId)
        head.resolve({
          id: head.task.id,
          matches: [],
          timeouts: [],
          bytes: 0,
          regexRuns: 0,
          error: "timed out",
        });
      else this.queue.unshift({ ...head, task: retry });
      for (const p of pending.slice(1)) this.queue.unshift(p);
      slot.worker.removeAllListeners();
      this.replace(slot);
    }
  }

  private pump(): void {
    const depth = this.options.depth ?? 4;
    for (const slot of this.slots) {
      while (slot.inFlight.length < depth && this.queue.length > 0) {
        const next = this.queue.shift()!;
        if (slot.inFlight.length === 0) slot.headStarted = performance.now();
        slot.inFlight.push(next);
        // Content is copied, not transferred: a task may be retried after its worker is stopped.
        slot.worker.postMessage(next.task);
      }
    }
  }

  /** Queues a task; resolves with its result. */
  run(task: ScanTask): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  /** Tasks queued and not yet sent to a worker (for back-pressure). */
  get backlog(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
