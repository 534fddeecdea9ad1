import { describe, expect, it } from "vitest";
import { ManualClock, sleep, systemClock, timeoutSignal } from "./clock.js";

describe("ManualClock timers", () => {
  it("fires timeouts in due order inside advance, each at its own due time", () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 200);
    clock.advance(150);
    expect(fired).toEqual(["a@1100"]);
    clock.advance(50);
    expect(fired).toEqual(["a@1100", "b@1200", "c@1200"]);
    expect(clock.now()).toBe(1200);
    expect(clock.pending()).toBe(0);
  });

  it("fires an interval as often as it falls due, until cancelled", () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const timer = clock.setInterval(() => fired.push(clock.now()), 30);
    clock.advance(100);
    expect(fired).toEqual([30, 60, 90]);
    timer.cancel();
    clock.advance(100);
    expect(fired).toEqual([30, 60, 90]);
  });

  it("a timer scheduled by a callback fires in the same advance when it falls due", () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 10);
    }, 10);
    clock.advance(25);
    expect(fired).toEqual([10, 20]);
  });

  it("a cancelled timeout never fires; set() moves time and fires what is due", () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("cancelled"), 10).cancel();
    clock.setTimeout(() => fired.push("kept"), 10);
    clock.set(5_000);
    expect(fired).toEqual(["kept"]);
    clock.set(0); // back in time: nothing fires
    expect(clock.now()).toBe(0);
  });

  it("untilPending resolves once the code under test has scheduled its timer", async () => {
    const clock = new ManualClock(0);
    let resolved = false;
    const waiting = clock.untilPending(2).then(() => (resolved = true));
    clock.setTimeout(() => {}, 10);
    await Promise.resolve();
    expect(resolved).toBe(false);
    clock.setTimeout(() => {}, 10);
    await waiting;
    expect(resolved).toBe(true);
  });
});

describe("sleep", () => {
  it("resolves only when the clock reaches the delay", async () => {
    const clock = new ManualClock(0);
    let done = false;
    const slept = sleep(clock, 600_000).then(() => (done = true));
    clock.advance(599_999);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await slept;
    expect(done).toBe(true);
  });

  it("resolves at once when the signal aborts, and drops its timer", async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const slept = sleep(clock, 600_000, controller.signal);
    expect(clock.pending()).toBe(1);
    controller.abort();
    await slept;
    expect(clock.pending()).toBe(0);
  });

  it("on the system clock, a zero delay resolves", async () => {
    await expect(sleep(systemClock, 0)).resolves.toBeUndefined();
  });
});

describe("timeoutSignal", () => {
  it("aborts with a TimeoutError when the clock reaches it, not before", () => {
    const clock = new ManualClock(0);
    const { signal } = timeoutSignal(clock, 1000);
    clock.advance(999);
    expect(signal.aborted).toBe(false);
    clock.advance(1);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe("TimeoutError");
  });

  it("cancel drops the timer", () => {
    const clock = new ManualClock(0);
    const { signal, cancel } = timeoutSignal(clock, 1000);
    cancel();
    clock.advance(5000);
    expect(signal.aborted).toBe(false);
    expect(clock.pending()).toBe(0);
  });
});
