import { messageOf } from "../../kernel/index.js";
import type { Clock, Logger, Timer } from "../../kernel/index.js";

/**
 * Marks jobs `queued` when no runner claimed them a moment after they went into the queue
 * (`sluice runs` then shows they wait for a runner). One timer per batch, on the Clock.
 */
export class QueuedMarker {
  private readonly timers = new Set<Timer>();

  constructor(
    private readonly options: {
      clock: Clock;
      logger: Logger;
      /** How long after queueing an unclaimed job shows as queued. */
      afterMs: number;
      /** The store row ids of those of `ids` still unclaimed and not cancelled. */
      unclaimed: (ids: string[]) => string[];
      markQueued: (jobIds: string[]) => Promise<unknown>;
    },
  ) {}

  /** Jobs `ids` went into the queue now. */
  sent(ids: string[]): void {
    const timer = this.options.clock.setTimeout(
      () => {
        this.timers.delete(timer);
        this.options.markQueued(this.options.unclaimed(ids)).catch((error) =>
          this.options.logger.warn("cannot mark jobs queued", {
            error: messageOf(error),
          }),
        );
      },
      this.options.afterMs,
      { unref: true },
    );
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }
}
