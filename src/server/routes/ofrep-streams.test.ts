import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import { silentLogger } from "../../kernel/index.js";
import { listen } from "../listen.js";
import type { RunningServer } from "../listen.js";

const scope = { project: "shop", environment: "production" };

/**
 * Opens an event stream and waits for its first event. `ended` settles when the server ends it;
 * `next(text)` when an event containing `text` arrives.
 */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200 || !response.body)
    return {
      status: response.status,
      ended: Promise.resolve(),
      next: async () => {},
      close() {},
    };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let received = decoder.decode((await reader.read()).value);
  expect(received).toContain(": connected");
  const waiting: { text: string; resolve: () => void }[] = [];
  const ended = (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const }));
      if (chunk.done) return;
      received += decoder.decode(chunk.value);
      for (const w of waiting) if (received.includes(w.text)) w.resolve();
    }
  })();
  return {
    status: 200,
    ended,
    next: (text: string) =>
      new Promise<void>((resolve) => waiting.push({ text, resolve })),
    close: () => controller.abort(),
  };
}

/**
 * Issue 10 item 8: an event stream URL kept working after its key was revoked, and open streams
 * outlived the revocation (ADR 061). The stream URL is now bound to one key, checked on every
 * (re)connect, and open streams of a revoked key end.
 */
describe("event streams end with their key", () => {
  let app: App;
  let running: RunningServer;
  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-streams-")),
      logger: silentLogger,
    });
    await app.flags.importSet(
      scope,
      {
        flags: {
          banner: {
            state: "ENABLED",
            variants: { on: true, off: false },
            defaultVariant: "on",
          },
        },
      },
      { actor: "test" },
    );
    running = await listen(app, { port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await running?.close();
    await app?.close();
  });

  const streamUrlOf = async (key: string) => {
    const response = await fetch(`${running.url}/ofrep/v1/evaluate/flags`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
      },
      body: "{}",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      eventStreams: { endpoint: { requestUri: string } }[];
    };
    return `${running.url}${body.eventStreams[0]!.endpoint.requestUri}`;
  };

  it("refuses a revoked key's stream URL on reconnect and ends its open streams at once", async () => {
    const { id, key } = await app.flags.createApiKey(scope, "web");
    const other = await app.flags.createApiKey(scope, "ios");
    const url = await streamUrlOf(key);
    expect(url).toContain(`key=${id}`);
    const byUrl = await openStream(url);
    const byHeader = await openStream(`${running.url}/ofrep/v1/events`, {
      authorization: `Bearer ${key}`,
    });
    const unrelated = await openStream(await streamUrlOf(other.key));
    expect([byUrl.status, byHeader.status, unrelated.status]).toEqual([
      200, 200, 200,
    ]);
    // Written without Fastify's reply, each stream is counted for /metrics all the same.
    const metrics = await running.server.telemetry.scrape({
      runs: {},
      queuedJobs: 0,
    });
    expect(metrics).toContain(
      'sluice_http_requests_total{route="/ofrep/v1/events",method="GET",status="200"} 3',
    );
    await app.flags.revokeApiKey(id, { actor: "test", reason: "leaked" });
    // Both streams of the revoked key end; the other key's stream stays open.
    await Promise.all([byUrl.ended, byHeader.ended]);
    const reconnect = await fetch(url);
    expect(reconnect.status).toBe(401);
    const heard = unrelated.next("refetchEvaluation");
    await app.flags.setState(scope, "banner", "DISABLED", { actor: "test" });
    await heard;
    unrelated.close();
  });

  it("ends the open streams of a key revoked by another process sharing the database", async () => {
    const { id, key } = await app.flags.createApiKey(scope, "tv");
    const url = await streamUrlOf(key);
    const stream = await openStream(url);
    expect(stream.status).toBe(200);
    // As another sluice process would: straight into the shared database, no event here.
    await app.database.executeSql(
      "update flag_api_keys set revoked_at = now(), revoked_by = 'elsewhere' where id = $1",
      [id],
    );
    // The server checks open streams' keys every 10 s (ADR 061's bound is 30 s).
    await stream.ended;
    expect((await fetch(url)).status).toBe(401);
  });
});
