import perfHooks from "node:perf_hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ServerTelemetry } from "./prometheus.js";

describe("ServerTelemetry's process metrics", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("samples the event-loop delay every 100 ms, not prom-client's 10 ms: an idle server wakes 10 times a second, not 100", async () => {
    const monitor = vi.spyOn(perfHooks, "monitorEventLoopDelay");
    const telemetry = new ServerTelemetry();
    expect(monitor.mock.calls).toEqual([[{ resolution: 100 }]]);
    // The lag is still exposed.
    const text = await telemetry.scrape({ runs: {}, queuedJobs: 0 });
    expect(text).toMatch(/^sluice_nodejs_eventloop_lag_p99_seconds \S+$/m);
  });
});
