import { availableParallelism } from "node:os";
import type { Clock } from "../../kernel/index.js";
import type { PoolTimeout } from "./pool.js";
import type { ScanTask, TaskResult } from "./protocol.js";

/** What runs tasks: the worker pool, or this thread for small scans. */
interface Runner {
  /** `local`: the task may run on the calling thread (it is small: see `inlineFileBytes`). */
  run(task: ScanTask, local?: boolean): Promise<TaskResult>;
  readonly backlog: number;
  readonly timeouts: PoolTimeout[];
  close(): Promise<void>;
}

/** Runs tasks one after another on this thread (a pre-commit diff, stdin). */
class InlineRunner implements Runner {
  readonly timeouts: PoolTimeout[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly runTask: (task: ScanTask) => TaskResult) {}
  get backlog(): number {
    return 0;
  }
  run(task: ScanTask): Promise<TaskResult> {
    const next = this.chain.then(() => this.runTask(task));
    this.chain = next.catch(() => undefined);
    return next;
  }
  async close(): Promise<void> {
    await this.chain;
  }
}

/** A rule cut off by the whole scan's budget. */
export interface ScanCutOff {
  ruleId: string;
  /** Files (or commits' files) it was stopped on before it was cut off. */
  timeouts: number;
}

/**
 * The whole scan's time budget: once the scan has run longer than `budgetMs`, every rule that a
 * per-file budget stopped is cut off for the rest of the scan. `excluded` is the one array every
 * task carries as its `exclude`: the pool copies a task only when it sends it to a worker (and
 * the inline runner reads it when it runs), so tasks queued before the cut leave the rule out too.
 */
export class ScanBudget {
  readonly excluded: string[] = [];
  readonly cutOff: ScanCutOff[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly started: number,
    private readonly budgetMs: number,
  ) {}

  /** Called as tasks come and go, with every rule timeout so far. */
  check(timeouts: Iterable<{ ruleId: string | undefined }>): void {
    if (this.clock.now() - this.started <= this.budgetMs) return;
    const stopped = new Map<string, number>();
    for (const t of timeouts)
      if (t.ruleId) stopped.set(t.ruleId, (stopped.get(t.ruleId) ?? 0) + 1);
    for (const [ruleId, timeouts] of stopped) {
      if (this.excluded.includes(ruleId)) continue;
      this.excluded.push(ruleId);
      this.cutOff.push({ ruleId, timeouts });
    }
  }
}

/**
 * Content per worker thread: a worker costs about 0.2 CPU-s to start and warm up (modules, the
 * keyword automaton, regex and JIT compilation), what scanning some 25 MB costs; a smaller tree
 * is scanned by fewer workers (bench/scan-secrets, small files).
 */
const defaultBytesPerWorker = 32 * 1024 * 1024;

/** The largest file scanned on the calling thread (see `inlineBelowBytes`). */
export const inlineFileBytes = 1024 * 1024;

/**
 * What runs a scan's tasks. The calling thread when every rule is a built-in one, the content is
 * at most `inlineBelowBytes` (default one worker's share) and no file is over 1 MiB: a regex stuck
 * inside one match (a user's catastrophic pattern, a line of megabytes) can be stopped only by
 * terminating its worker. Else a pool of `poolSize` workers, or one per `bytesPerWorker` of
 * content up to the cores; with built-in rules and no `poolSize`, the calling thread is one of
 * those lanes and one worker fewer is started (ADR 053: a worker costs about 0.1 CPU-s to
 * start, and the calling thread waits for the workers anyway). `sizes` undefined: unknown (git
 * history), a pool.
 */
export function createRunner(options: {
  sizes: number[] | undefined;
  builtIn: boolean;
  /** Given: a pool is asked for. */
  workers: number | undefined;
  poolSize?: number;
  inlineBelowBytes?: number;
  bytesPerWorker?: number;
  inline: () => (task: ScanTask) => TaskResult;
  /** `local`: the calling thread is one more lane (built-in rules only). */
  pool: (size: number, local: boolean) => Runner;
}): Runner {
  const sizes = options.sizes;
  const size = sizes ? sizes.reduce((n, b) => n + b, 0) : Infinity;
  const largest = sizes ? sizes.reduce((n, b) => Math.max(n, b), 0) : Infinity;
  if (
    options.builtIn &&
    options.workers === undefined &&
    largest <= inlineFileBytes &&
    size <= (options.inlineBelowBytes ?? defaultBytesPerWorker)
  )
    return new InlineRunner(options.inline());
  if (options.poolSize !== undefined)
    return options.pool(options.poolSize, false);
  const lanes = Math.min(
    availableParallelism(),
    Math.ceil(size / (options.bytesPerWorker ?? defaultBytesPerWorker)),
  );
  return options.builtIn && lanes >= 2
    ? options.pool(lanes - 1, true)
    : options.pool(lanes, false);
}
