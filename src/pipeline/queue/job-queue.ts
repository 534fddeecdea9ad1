import { createHash } from "node:crypto";
import { AppError, messageOf } from "../../kernel/index.js";

/** Raw SQL on the sluice database (the store's `Database` satisfies it, PGlite and Postgres alike). */
export interface SqlRunner {
  executeSql(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Where a queued job stands, as the queue sees it. */
export type QueuedJobState =
  "created" | "retry" | "active" | "completed" | "cancelled" | "failed";

/** A job taken off the queue: the payload, and which attempt this is (0 = first). */
export interface FetchedJob<T> {
  id: string;
  queue: string;
  data: T;
  attempt: number;
}

export interface SendOptions {
  /** Jobs of one concurrency group run one at a time, across runs and runners. */
  group?: string | undefined;
  /** Requeues after a lost runner before the job fails (infrastructure retries). */
  retryLimit: number;
  /** Backstop: the queue fails a job active for longer than this. */
  expireInSeconds: number;
}

/** The default queue of jobs; concurrency groups get a queue each (see `groupQueue`). */
const jobsQueue = "sluice-jobs";
const groupPrefix = `${jobsQueue}-group-`;

/**
 * pg-boss's singleton policy allows one active job per key, but its fetch stops at the first job
 * it may not start, so one busy group would block every other job queued behind it. A queue per
 * group (singleton policy) keeps groups from blocking each other.
 */
function groupQueue(group: string): string {
  const digest = createHash("sha256").update(group.toLowerCase()).digest("hex");
  return `${groupPrefix}${digest.slice(0, 16)}`;
}

/**
 * Installs the job queue on `db` (pg-boss's schema and the jobs queue) and stops it: the embedded
 * database's template holds them, so a fresh home's first start does not create them.
 */
export async function installJobQueue(db: SqlRunner): Promise<void> {
  const queue = await JobQueue.start(db);
  await queue.stop();
}

/** pg-boss 10 (the Node 20 line) on the sluice database: one queue for jobs, one per group. */
export class JobQueue {
  private readonly known = new Set<string>();
  private creating: Promise<void> = Promise.resolve();

  private constructor(
    // pg-boss ships CommonJS types; only the methods used here are typed.
    private readonly boss: BossLike,
  ) {}

  /** Starts pg-boss on `db` (installing its schema on first use) and creates the jobs queue. */
  static async start(db: SqlRunner): Promise<JobQueue> {
    try {
      const { default: PgBoss } = await import("pg-boss");
      const boss = new PgBoss({
        db: { executeSql: (text, values) => db.executeSql(text, values) },
        // Liveness is ours (leases + janitor); pg-boss's maintenance loop would only add
        // queries on the one PGlite connection. Schedules are a later issue.
        supervise: false,
        schedule: false,
      }) as unknown as BossLike;
      boss.on("error", () => {});
      await boss.start();
      const queue = new JobQueue(boss);
      await queue.ensureQueue(jobsQueue, "standard");
      for (const q of await boss.getQueues()) {
        if (q.name.startsWith(groupPrefix)) queue.known.add(q.name);
      }
      return queue;
    } catch (error) {
      throw new AppError(
        "STORE_UNAVAILABLE",
        `cannot start the job queue: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }

  /** Queues a job; returns its queue id. */
  async send<T extends object>(
    data: T,
    options: SendOptions,
  ): Promise<{ id: string; queue: string }> {
    const queue = options.group ? groupQueue(options.group) : jobsQueue;
    if (options.group) await this.ensureQueue(queue, "singleton");
    const id = await this.boss.send(queue, data, {
      retryLimit: options.retryLimit,
      retryDelay: 0,
      expireInSeconds: options.expireInSeconds,
      ...(options.group ? { singletonKey: options.group.toLowerCase() } : {}),
    });
    if (!id) throw new AppError("INTERNAL", "the job queue refused a job");
    return { id, queue };
  }

  /**
   * Queues several jobs in one statement (pg-boss `insert`), with ids chosen here. Returns the
   * queue of each, in order.
   */
  async sendMany<T extends object>(
    jobs: { id: string; data: T; options: SendOptions }[],
  ): Promise<string[]> {
    const queues = jobs.map((job) =>
      job.options.group ? groupQueue(job.options.group) : jobsQueue,
    );
    for (const [i, job] of jobs.entries()) {
      if (job.options.group) await this.ensureQueue(queues[i]!, "singleton");
    }
    if (jobs.length === 0) return [];
    // pg-boss 10's insert returns no ids (its statement has no RETURNING); the ids are ours, and
    // neither queue policy used here (standard, singleton) can refuse a `created` job.
    await this.boss.insert(
      jobs.map((job, i) => ({
        id: job.id,
        name: queues[i],
        data: job.data,
        retryLimit: job.options.retryLimit,
        retryDelay: 0,
        expireInSeconds: job.options.expireInSeconds,
        ...(job.options.group
          ? { singletonKey: job.options.group.toLowerCase() }
          : {}),
      })),
    );
    return queues;
  }

  /**
   * Takes up to `max` jobs off the queues (groups first, so a free group is not starved), one
   * statement per queue tried.
   */
  async fetchMany<T>(max: number): Promise<FetchedJob<T>[]> {
    const out: FetchedJob<T>[] = [];
    for (const queue of [...this.known]
      .filter((q) => q !== jobsQueue)
      .concat(jobsQueue)) {
      if (out.length >= max) break;
      // A group queue hands out one job at a time anyway (singleton policy).
      const batchSize = queue === jobsQueue ? max - out.length : 1;
      const jobs = await this.boss.fetch<T>(queue, {
        batchSize,
        includeMetadata: true,
      });
      for (const job of jobs) {
        out.push({
          id: job.id,
          queue,
          data: job.data,
          attempt: job.retryCount,
        });
      }
    }
    return out;
  }

  /** Takes the next job off any queue (groups first, so a free group is not starved); null if none. */
  async fetch<T>(): Promise<FetchedJob<T> | null> {
    for (const queue of [...this.known]
      .filter((q) => q !== jobsQueue)
      .concat(jobsQueue)) {
      const [job] = await this.boss.fetch<T>(queue, {
        batchSize: 1,
        includeMetadata: true,
      });
      if (job) {
        return { id: job.id, queue, data: job.data, attempt: job.retryCount };
      }
    }
    return null;
  }

  async complete(queue: string, id: string, output: object): Promise<void> {
    await this.boss.complete(queue, id, output);
  }

  /** Fails an attempt: the queue retries it while retries are left, else the job is `failed`. */
  async fail(queue: string, id: string, reason: string): Promise<void> {
    await this.boss.fail(queue, id, { reason });
  }

  async cancel(queue: string, id: string): Promise<void> {
    await this.boss.cancel(queue, id);
  }

  async state(queue: string, id: string): Promise<QueuedJobState | null> {
    const job = await this.boss.getJobById(queue, id);
    return job?.state ?? null;
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: false, close: false, wait: true });
  }

  /** Creates a queue once. Creations are serialised: two at once deadlock on Postgres. */
  private ensureQueue(
    name: string,
    policy: "standard" | "singleton",
  ): Promise<void> {
    if (this.known.has(name)) return Promise.resolve();
    const next = this.creating.then(async () => {
      if (this.known.has(name)) return;
      try {
        if (!(await this.boss.getQueue(name))) {
          await this.boss.createQueue(name, { name, policy });
        }
      } catch (error) {
        // Another process may have created it at the same moment.
        if (!(await this.boss.getQueue(name))) throw error;
      }
      this.known.add(name);
    });
    this.creating = next.catch(() => {});
    return next;
  }
}

interface BossLike {
  on(event: "error", listener: (error: unknown) => void): void;
  start(): Promise<unknown>;
  stop(options: {
    graceful: boolean;
    close: boolean;
    wait: boolean;
  }): Promise<void>;
  getQueues(): Promise<{ name: string }[]>;
  getQueue(name: string): Promise<{ name: string } | null>;
  createQueue(
    name: string,
    options: { name: string; policy: string },
  ): Promise<void>;
  send(name: string, data: object, options: object): Promise<string | null>;
  insert(jobs: object[]): Promise<unknown>;
  fetch<T>(
    name: string,
    options: { batchSize: number; includeMetadata: true },
  ): Promise<{ id: string; data: T; retryCount: number }[]>;
  complete(name: string, id: string, data: object): Promise<unknown>;
  fail(name: string, id: string, data: object): Promise<unknown>;
  cancel(name: string, id: string): Promise<unknown>;
  getJobById(
    name: string,
    id: string,
  ): Promise<{ state: QueuedJobState } | null>;
}
