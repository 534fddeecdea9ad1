import type { JobQueue, SendOptions } from "./job-queue.js";

interface Entry {
  id: string;
  data: object;
  options: SendOptions;
  /** True when the job was cancelled before it was sent: it is left out. */
  dropped(): boolean;
  resolve(queue: string | undefined): void;
  reject(error: unknown): void;
}

/**
 * Jobs queued in the same tick go to the queue in one statement: the scheduler starts every job
 * whose needs are met at once (a layer of a DAG), and one `insert` costs what one `send` does.
 */
export class Outbox {
  private batch: Entry[] = [];

  constructor(
    private readonly queue: Pick<JobQueue, "sendMany">,
    /** Called with the ids once a batch is in the queue. */
    private readonly onSent: (ids: string[]) => void,
  ) {}

  /**
   * Queues a job with the id chosen by the caller; resolves with its queue's name once it is sent,
   * or undefined when `dropped()` said it was cancelled before that.
   */
  add(
    id: string,
    data: object,
    options: SendOptions,
    dropped: () => boolean,
  ): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) queueMicrotask(() => void this.flush());
      this.batch.push({ id, data, options, dropped, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const entries = this.batch;
    this.batch = [];
    const kept = entries.filter((entry) => {
      if (!entry.dropped()) return true;
      entry.resolve(undefined);
      return false;
    });
    if (kept.length === 0) return;
    try {
      const queues = await this.queue.sendMany(kept);
      kept.forEach((entry, i) => entry.resolve(queues[i]));
      this.onSent(kept.map((entry) => entry.id));
    } catch (error) {
      for (const entry of kept) entry.reject(error);
    }
  }
}
