/**
 * Time as a dependency: code below app.ts takes a Clock and never reads the wall clock or calls
 * the global `setTimeout`/`setInterval` itself, so its loops can be driven in tests by a
 * `ManualClock` without waiting in real time (ADR 025).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number, options?: TimerOptions): Timer;
  /** Calls `callback` every `ms` (at least 1) until cancelled. */
  setInterval(callback: () => void, ms: number, options?: TimerOptions): Timer;
}

/** A pending callback of a Clock. */
export interface Timer {
  /** Stops it; harmless when it already ran or was cancelled. */
  cancel(): void;
}

export interface TimerOptions {
  /** Do not keep the process alive for this timer alone (Node's `unref`); default false. */
  unref?: boolean | undefined;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms, options) {
    const handle = setTimeout(callback, ms);
    if (options?.unref) handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  setInterval(callback, ms, options) {
    const handle = setInterval(callback, Math.max(1, ms));
    if (options?.unref) handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};

/**
 * Resolves `ms` from now on `clock`, or as soon as `signal` aborts (it never rejects: the caller
 * looks at the signal).
 */
export function sleep(
  clock: Pick<Clock, "setTimeout">,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      timer.cancel();
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * `AbortSignal.timeout` on a Clock: a signal that aborts `ms` from now (with a `TimeoutError`, as
 * Node's does). `cancel` drops the timer when the work ended first.
 */
export function timeoutSignal(
  clock: Pick<Clock, "setTimeout">,
  ms: number,
): { signal: AbortSignal; cancel(): void } {
  const controller = new AbortController();
  const timer = clock.setTimeout(
    () =>
      controller.abort(
        new DOMException("The operation timed out", "TimeoutError"),
      ),
    ms,
    { unref: true },
  );
  return { signal: controller.signal, cancel: () => timer.cancel() };
}

interface ManualTimer {
  due: number;
  /** Set for an interval. */
  every?: number | undefined;
  callback: () => void;
}

/**
 * A clock that moves only when told to, for tests and replays. Its timers fire inside `advance`
 * and `set`, in due order, each with `now()` at its own due time; nothing waits in real time.
 */
export class ManualClock implements Clock {
  private readonly timers: ManualTimer[] = [];
  private readonly waiters: { count: number; resolve(): void }[] = [];

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  /** Moves to `ms` (firing the timers due by then when it moves forward). */
  set(ms: number): void {
    if (ms > this.current) this.advance(ms - this.current);
    else this.current = ms;
  }

  /** Moves `ms` forward, firing every timer due by then (an interval as often as it falls due). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.timers[0];
      if (!next || next.due > target) break;
      this.current = Math.max(this.current, next.due);
      if (next.every === undefined) this.timers.shift();
      else this.schedule(next, next.due + next.every);
      next.callback();
    }
    this.current = target;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    return this.add(callback, Math.max(0, ms));
  }

  setInterval(callback: () => void, ms: number): Timer {
    return this.add(callback, Math.max(1, ms), Math.max(1, ms));
  }

  /** How many timers are pending. */
  pending(): number {
    return this.timers.length;
  }

  /**
   * Resolves once at least `count` timers are pending: a test awaits this before it advances, so
   * the code under test has reached its wait (a retry delay, a timeout) in real time first.
   */
  untilPending(count = 1): Promise<void> {
    if (this.timers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private add(callback: () => void, delay: number, every?: number): Timer {
    const timer: ManualTimer = { due: 0, every, callback };
    this.schedule(timer, this.current + delay);
    for (const waiter of [...this.waiters]) {
      if (this.timers.length < waiter.count) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    return { cancel: () => this.remove(timer) };
  }

  private schedule(timer: ManualTimer, due: number): void {
    this.remove(timer);
    timer.due = due;
    // After the timers due at the same time: of two, the one scheduled first fires first (as Node's).
    let at = this.timers.findIndex((other) => other.due > due);
    if (at < 0) at = this.timers.length;
    this.timers.splice(at, 0, timer);
  }

  private remove(timer: ManualTimer): void {
    const at = this.timers.indexOf(timer);
    if (at >= 0) this.timers.splice(at, 1);
  }
}
