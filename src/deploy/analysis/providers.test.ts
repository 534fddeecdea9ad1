import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../kernel/index.js";
import { parseDeploySpec } from "../spec.js";
import type { MetricSpec } from "../spec.js";
import { evaluateMeasurement } from "./evaluate.js";
import { takeMeasurement } from "./measure.js";
import { jsonPath, parsePrometheus } from "./providers.js";
import type { TrafficMetricsSource, TrafficWindow } from "./providers.js";

/** A tiny server speaking the Prometheus HTTP API and a JSON health answer. */
let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
    };
    if (url.pathname === "/api/v1/query") {
      const q = url.searchParams.get("query") ?? "";
      if (q === "up")
        return send(
          200,
          JSON.stringify({
            status: "success",
            data: {
              resultType: "vector",
              result: [{ metric: {}, value: [1, "0.02"] }],
            },
          }),
        );
      if (q === "two")
        return send(
          200,
          JSON.stringify({
            status: "success",
            data: {
              resultType: "vector",
              result: [{ value: [1, "1"] }, { value: [1, "3"] }],
            },
          }),
        );
      if (q === "scalar(1)")
        return send(
          200,
          JSON.stringify({
            status: "success",
            data: { resultType: "scalar", result: [1, "7"] },
          }),
        );
      if (q === "empty")
        return send(
          200,
          JSON.stringify({
            status: "success",
            data: { resultType: "vector", result: [] },
          }),
        );
      if (q === "bad")
        return send(
          400,
          JSON.stringify({
            status: "error",
            errorType: "bad_data",
            error: "parse error at char 1",
          }),
        );
      if (q === "garbage") return send(200, "<html>oops</html>");
      if (q === "slow") return void setTimeout(() => send(200, "{}"), 2_000);
      if (q.includes("v2"))
        return send(
          200,
          JSON.stringify({
            status: "success",
            data: { resultType: "vector", result: [{ value: [1, "0.5"] }] },
          }),
        );
    }
    if (url.pathname === "/health")
      return send(
        200,
        JSON.stringify({ checks: [{ name: "db", ok: true }], status: "ok" }),
      );
    if (url.pathname === "/down")
      return send(503, JSON.stringify({ status: "down" }));
    send(404, "{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function metric(m: Record<string, unknown>): MetricSpec {
  const spec = parseDeploySpec({
    analysis: { a: { metrics: [{ name: "m", ...m }] } },
  });
  return spec.analysis.a!.metrics[0]!;
}

function traffic(
  windows: Record<string, Partial<TrafficWindow>>,
): TrafficMetricsSource {
  return {
    async window(release) {
      const w = windows[release];
      if (!w) throw new Error(`no release ${release}`);
      return {
        requests: 0,
        byClass: { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
        connectionErrors: 0,
        latencies: [],
        ...w,
      };
    },
  };
}

const clock = new ManualClock(1_000);
const action = {
  kind: "measure" as const,
  analysisRunId: "1.1",
  template: "a",
  metric: "m",
  seq: 1,
  window: { from: 0, to: 1_000 },
};

async function measure(
  m: Record<string, unknown>,
  t: TrafficMetricsSource = traffic({}),
) {
  return takeMeasurement(
    action,
    metric(m),
    { release: "v2", stable: "v1" },
    { traffic: t, cwd: process.cwd(), env: process.env },
    clock,
  );
}

const busy = {
  requests: 100,
  byClass: { "2xx": 70, "3xx": 0, "4xx": 0, "5xx": 30 },
  latencies: Array.from({ length: 100 }, (_, i) => i + 1),
};
const healthy = {
  requests: 400,
  byClass: { "2xx": 400, "3xx": 0, "4xx": 0, "5xx": 0 },
  latencies: Array.from({ length: 400 }, (_, i) => (i % 100) + 1),
};

describe("providers", () => {
  it.each([
    [
      "proxy: 30% errors fails the default condition",
      { provider: { proxy: {} } },
      { v2: busy },
      "Failed",
    ],
    [
      "proxy: healthy passes",
      { provider: { proxy: {} } },
      { v2: healthy },
      "Successful",
    ],
    [
      "proxy: no traffic is Inconclusive",
      { provider: { proxy: {} } },
      { v2: {} },
      "Inconclusive",
    ],
    [
      "proxy: too few requests is Inconclusive, never Failed",
      { provider: { proxy: {} }, "min-requests": 200 },
      { v2: busy },
      "Inconclusive",
    ],
    [
      "proxy: p99 condition",
      { provider: { proxy: {} }, "failure-condition": "result.p99 > 50.0" },
      { v2: busy },
      "Failed",
    ],
    [
      "proxy: the source failing is an Error",
      { provider: { proxy: {} } },
      {},
      "Error",
    ],
    [
      "baseline: worse canary fails",
      { provider: { baseline: {} } },
      { v2: busy, v1: healthy },
      "Failed",
    ],
    [
      "baseline: same behaviour passes",
      { provider: { baseline: {} } },
      { v2: healthy, v1: healthy },
      "Successful",
    ],
    [
      "baseline: no data is Inconclusive",
      { provider: { baseline: {} } },
      { v2: {}, v1: healthy },
      "Inconclusive",
    ],
  ] as const)("%s", async (_name, m, windows, phase) => {
    const r = await measure(
      m,
      traffic(windows as Record<string, Partial<TrafficWindow>>),
    );
    expect(r.phase, r.message).toBe(phase);
  });

  it.each([
    [
      "a 2xx answer passes by default",
      () => ({ provider: { http: { url: `${base}/health` } } }),
      "Successful",
    ],
    [
      "a 503 fails by default",
      () => ({ provider: { http: { url: `${base}/down` } } }),
      "Failed",
    ],
    [
      "a JSON path condition",
      () => ({
        provider: {
          http: { url: `${base}/health`, "json-path": "$.checks[0].ok" },
        },
        "success-condition": "result.value == true",
      }),
      "Successful",
    ],
    [
      "a JSON path on a non-JSON answer is an Error",
      () => ({
        provider: {
          http: {
            url: `${base}/api/v1/query?query=garbage`,
            "json-path": "$.a",
          },
        },
      }),
      "Error",
    ],
    [
      "a refused connection is an Error",
      () => ({ provider: { http: { url: "http://127.0.0.1:1/x" } } }),
      "Error",
    ],
  ] as const)("http: %s", async (_name, m, phase) => {
    const r = await measure(m());
    expect(r.phase, r.message).toBe(phase);
  });

  it.each([
    ["exit 0 passes", { run: "exit 0" }, "Successful"],
    ["exit 3 fails", { run: "echo broken; exit 3" }, "Failed"],
  ] as const)("command: %s", async (_name, command, phase) => {
    const r = await measure({ provider: { command } });
    expect(r.phase, r.message).toBe(phase);
  });

  it("command: sees the release it measures", async () => {
    const r = await measure({
      provider: { command: { run: 'test "$SLUICE_RELEASE" = v2' } },
    });
    expect(r.phase).toBe("Successful");
  });

  it.each([
    ["one sample", "up", "result < 0.05", "Successful", 0.02],
    ["several samples", "two", "result[1] > 2.0", "Successful", [1, 3]],
    ["a scalar", "scalar(1)", "result == 7.0", "Successful", 7],
    [
      "templated with the release",
      'rate{version="{{release}}"}',
      "result < 0.05",
      "Failed",
      0.5,
    ],
    [
      "an empty vector is Inconclusive",
      "empty",
      "result < 0.05",
      "Inconclusive",
      null,
    ],
    ["an error answer is an Error", "bad", "result < 0.05", "Error", undefined],
    ["garbage is an Error", "garbage", "result < 0.05", "Error", undefined],
  ] as const)(
    "prometheus: %s",
    async (_name, query, condition, phase, value) => {
      const r = await measure({
        provider: { prometheus: { address: base, query, timeout: "300ms" } },
        "success-condition": condition,
      });
      expect(r.phase, r.message).toBe(phase);
      if (value !== undefined) expect(r.value).toEqual(value);
    },
  );
});

describe("a measurement's timeout, on the Clock", () => {
  it.each([
    [
      "a command",
      { command: { run: "sleep 5", timeout: "200ms" } },
      "command provider timed out after 200ms",
    ],
    [
      "a slow Prometheus server",
      () => ({
        prometheus: { address: base, query: "slow", timeout: "300ms" },
      }),
      "prometheus provider timed out after 300ms",
    ],
  ] as const)(
    "%s past its timeout is an Error once the clock moves past it",
    async (_name, provider, message) => {
      const measuring = measure({
        provider: typeof provider === "function" ? provider() : provider,
      });
      // The timeout is the only timer pending: moving the clock fires it, nothing waits for it.
      await clock.untilPending();
      expect(clock.pending()).toBe(1);
      clock.advance(60_000);
      const r = await measuring;
      expect(r).toMatchObject({ phase: "Error", message });
      expect(clock.pending()).toBe(0);
    },
  );

  it("a measurement that ends first cancels its timeout", async () => {
    const r = await measure({ provider: { command: { run: "exit 0" } } });
    expect(r.phase).toBe("Successful");
    expect(clock.pending()).toBe(0);
  });
});

describe("evaluateMeasurement (Argo's EvaluateResult)", () => {
  it.each([
    [{}, 1, "Successful"],
    [{ "success-condition": "result > 0.0" }, 1, "Successful"],
    [{ "success-condition": "result > 0.0" }, -1, "Failed"],
    [{ "failure-condition": "result > 0.0" }, 1, "Failed"],
    [{ "failure-condition": "result > 0.0" }, -1, "Successful"],
    [
      {
        "success-condition": "result > 5.0",
        "failure-condition": "result < 0.0",
      },
      1,
      "Inconclusive",
    ],
    [
      {
        "success-condition": "result > 5.0",
        "failure-condition": "result < 0.0",
      },
      -1,
      "Failed",
    ],
    [{ "success-condition": "result.missing > 1.0" }, 1, "Error"],
    [{ "success-condition": "result + 1.0" }, 1, "Error"],
  ] as const)("%j with %d", (m, value, phase) => {
    expect(
      evaluateMeasurement(metric({ provider: { proxy: {} }, ...m }), { value })
        .phase,
    ).toBe(phase);
  });
});

describe("jsonPath and parsePrometheus", () => {
  it.each([
    ["$.a.b", { a: { b: 1 } }, 1],
    ["{$.a[1]}", { a: [0, 2] }, 2],
    ['$["odd key"]', { "odd key": "x" }, "x"],
  ])("%s", (path, json, value) => {
    expect(jsonPath(json, path)).toEqual(value);
  });
  it("refuses a path that matches nothing", () => {
    expect(() => jsonPath({}, "$.a")).toThrow(/matches nothing/);
  });
  it.each([
    [null],
    [{ status: "success", data: { resultType: "matrix", result: [] } }],
    [
      {
        status: "success",
        data: { resultType: "vector", result: [{ value: [1, "x"] }] },
      },
    ],
  ])("refuses %j", (body) => {
    expect(() => parsePrometheus(body)).toThrow();
  });
});
