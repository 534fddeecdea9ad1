import { createServer } from "node:http";
import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { SluiceProvider } from "./provider.js";

const flagSet = (variant: "on" | "off") => ({
  flags: {
    checkout: {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: variant,
    },
  },
});

/** A flag-sync endpoint serving whatever `current` holds, with its ETag, counting requests. */
function syncServer() {
  const state = { current: flagSet("off"), version: 1, requests: 0 };
  const server = createServer((req, res) => {
    state.requests += 1;
    const etag = `"${state.version}"`;
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json", etag });
    res.end(
      JSON.stringify({
        document: state.current,
        version: state.version,
        fractionalVersion: 2,
      }),
    );
  });
  return { server, state };
}

describe("SluiceProvider polling", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
  });

  it("polls on its Clock: nothing before the interval, a refetch and ConfigurationChanged after it", async () => {
    const sync = syncServer();
    server = sync.server;
    await new Promise<void>((resolve) =>
      sync.server.listen(0, "127.0.0.1", resolve),
    );
    const { port } = sync.server.address() as { port: number };
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const provider = new SluiceProvider({
      url: `http://127.0.0.1:${port}`,
      apiKey: "sluice_flags_test",
      pollIntervalMs: 30_000,
      stream: false,
      clock,
    });
    await provider.initialize();
    try {
      const changed = new Promise<unknown>((resolve) =>
        provider.events.addHandler(
          "PROVIDER_CONFIGURATION_CHANGED" as never,
          resolve,
        ),
      );
      expect(sync.state.requests).toBe(1);
      sync.state.current = flagSet("on");
      sync.state.version = 2;
      clock.advance(29_999);
      expect(sync.state.requests).toBe(1);
      clock.advance(1);
      expect(await changed).toMatchObject({ flagsChanged: ["checkout"] });
      expect(sync.state.requests).toBe(2);
      const details = await provider.resolveBooleanEvaluation(
        "checkout",
        false,
        {},
      );
      expect(details.value).toBe(true);
    } finally {
      await provider.onClose();
    }
  });
});
