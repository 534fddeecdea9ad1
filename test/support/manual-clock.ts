import type { ManualClock } from "../../src/kernel/index.js";

/**
 * Settles `work`, a loop that waits on `clock` between its steps (the deploy controller's ticks):
 * each time the loop waits on a timer, `clock` moves `stepMs` on (at least the loop's wait, so it
 * fires). Nothing waits in real time. Timers already pending when it starts are not counted; the loop must wait on one
 * timer at a time (a second one, such as a measurement's timeout, would be moved past as well).
 */
export async function settleAdvancing<T>(
  clock: ManualClock,
  work: Promise<T>,
  stepMs: number,
): Promise<T> {
  let settled = false;
  const done = work.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  const others = clock.pending();
  while (!settled) {
    await Promise.race([clock.untilPending(others + 1), done]);
    if (!settled) clock.advance(stepMs);
  }
  return work;
}
