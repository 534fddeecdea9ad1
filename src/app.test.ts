import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openApp } from "./app.js";
import type { App } from "./app.js";

describe("App background work (issue 11, lifecycle in one place)", () => {
  let app: App | undefined;
  let home: string | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await app?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("writes flag evaluation times every 30 s only once started, and stops on close", async () => {
    home = mkdtempSync(join(tmpdir(), "sluice-app-"));
    app = await openApp({ home });
    // Only the interval timers are faked: the embedded database keeps its own.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const flush = vi.spyOn(app.flags.live, "flush");

    vi.advanceTimersByTime(60_000);
    expect(flush).not.toHaveBeenCalled();

    app.startBackground();
    app.startBackground(); // a second start adds no second timer
    vi.advanceTimersByTime(30_000);
    expect(flush).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(30_000);
    expect(flush).toHaveBeenCalledTimes(2);

    await app.close();
    app = undefined;
    // close() writes the last batch itself, then no timer is left to call it again.
    expect(flush).toHaveBeenCalledTimes(3);
    vi.advanceTimersByTime(120_000);
    expect(flush).toHaveBeenCalledTimes(3);
  });
});
