import type { Clock, Timer } from "../../kernel/index.js";

/**
 * Calls `onIdle` once nothing has been in flight for `ms`: every request `enter`s and `leave`s;
 * the time counts from the last `leave` (or from the start).
 */
export class IdleTimer {
  private inFlight = 0;
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Pick<Clock, "setTimeout">,
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {
    this.arm();
  }

  enter(): void {
    this.inFlight++;
    this.timer?.cancel();
    this.timer = undefined;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.arm();
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.onIdle(), this.ms);
  }
}
