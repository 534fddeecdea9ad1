import { AppError } from "../kernel/index.js";

/**
 * Who drives which rollout in this process: one driver per rollout at a time (two would
 * overwrite each other's status). A driver runs with the signal that stops it (its client went
 * away, the server closes): once that signal is aborted it only finishes its tick, so the next
 * one waits for it instead of being refused.
 */
export class RolloutDrivers {
  private readonly held = new Map<
    string,
    { signal: AbortSignal | undefined; done: Promise<void> }
  >();

  /** Whether a driver carries the rollout on right now (one told to stop does not count). */
  busy(id: string): boolean {
    const holder = this.held.get(id);
    return holder !== undefined && !holder.signal?.aborted;
  }

  /** Runs `drive` as the rollout's only driver; refused while another one drives it. */
  async run<T>(
    id: string,
    signal: AbortSignal | undefined,
    drive: () => Promise<T>,
  ): Promise<T> {
    for (let holder = this.held.get(id); holder; holder = this.held.get(id)) {
      if (!holder.signal?.aborted)
        throw new AppError(
          "CONFLICT",
          `rollout ${id} is being driven already: try again when it waits or ends`,
        );
      await holder.done;
    }
    let letGo!: () => void;
    const done = new Promise<void>((resolve) => (letGo = resolve));
    this.held.set(id, { signal, done });
    try {
      return await drive();
    } finally {
      this.held.delete(id);
      letGo();
    }
  }
}
