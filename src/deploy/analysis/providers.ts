import { spawn } from "node:child_process";
import { compareBaseline } from "./baseline.js";
import type { DefaultConditions, ProviderValue } from "./evaluate.js";
import { quantile } from "./stats.js";
import type { ProviderSpec } from "../spec.js";

/** What one release served through the proxy in a time window. */
export interface TrafficWindow {
  requests: number;
  byClass: { "2xx": number; "3xx": number; "4xx": number; "5xx": number };
  /** Requests the proxy could not deliver (the release refused or dropped the connection). */
  connectionErrors: number;
  /** Per-request latencies in ms (a bounded sample). */
  latencies: number[];
}

/** The port through which analysis reads the local proxy's per-release metrics. */
export interface TrafficMetricsSource {
  window(release: string, from: number, to: number): Promise<TrafficWindow>;
}

/** What a measurement is about. */
interface MeasureContext {
  /** The new release and the stable one (null on a first deploy). */
  release: string;
  stable: string | null;
  window: { from: number; to: number };
  /** Aborts the measurement when it times out. */
  signal: AbortSignal;
}

/** A metric provider: measures once, throws on failure (the caller turns that into Error). */
export interface MetricProvider {
  readonly defaults: DefaultConditions;
  measure(ctx: MeasureContext): Promise<ProviderValue>;
}

export interface ProviderDeps {
  traffic: TrafficMetricsSource;
  /** Working directory of command measurements. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The provider for a metric's spec. */
export function providerFor(
  spec: ProviderSpec,
  deps: ProviderDeps,
): MetricProvider {
  switch (spec.kind) {
    case "proxy":
      return proxyProvider(deps.traffic);
    case "http":
      return httpProvider(spec);
    case "command":
      return commandProvider(spec, deps);
    case "prometheus":
      return prometheusProvider(spec);
    case "baseline":
      return baselineProvider(spec, deps.traffic);
  }
}

/** Summary of a window as conditions see it: `result.errorRate`, `result.p99` (ms), ... */
function summarise(w: TrafficWindow) {
  const sorted = [...w.latencies].sort((a, b) => a - b);
  const errors = w.byClass["5xx"] + w.connectionErrors;
  return {
    requests: w.requests,
    errors,
    errorRate: w.requests ? errors / w.requests : 0,
    "2xx": w.byClass["2xx"],
    "3xx": w.byClass["3xx"],
    "4xx": w.byClass["4xx"],
    "5xx": w.byClass["5xx"],
    connectionErrors: w.connectionErrors,
    p50: round(quantile(sorted, 0.5)),
    p95: round(quantile(sorted, 0.95)),
    p99: round(quantile(sorted, 0.99)),
  };
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0;
}

function proxyProvider(traffic: TrafficMetricsSource): MetricProvider {
  return {
    defaults: {
      success: "result.errorRate <= 0.05",
      failure: "result.errorRate > 0.05",
    },
    async measure(ctx) {
      const w = await traffic.window(
        ctx.release,
        ctx.window.from,
        ctx.window.to,
      );
      const value = summarise(w);
      return {
        value,
        requests: w.requests,
        ...(w.requests === 0
          ? { noData: "no traffic reached the release in the window" }
          : {}),
      };
    },
  };
}

function baselineProvider(
  spec: Extract<ProviderSpec, { kind: "baseline" }>,
  traffic: TrafficMetricsSource,
): MetricProvider {
  return {
    defaults: {
      success: `result.score >= ${spec.pass.toFixed(1)}`,
      failure: `result.score < ${spec.marginal.toFixed(1)}`,
    },
    async measure(ctx) {
      if (!ctx.stable)
        return { value: null, noData: "no stable release to compare with" };
      const [canary, stable] = await Promise.all([
        traffic.window(ctx.release, ctx.window.from, ctx.window.to),
        traffic.window(ctx.stable, ctx.window.from, ctx.window.to),
      ]);
      const sample = (w: TrafficWindow) => ({
        requests: w.requests,
        errors: w.byClass["5xx"] + w.connectionErrors,
        latencies: w.latencies,
      });
      const result = compareBaseline(sample(canary), sample(stable), spec);
      const value = {
        score: result.score,
        classification: result.classification,
        latency: {
          verdict: result.latency.verdict,
          p: result.latency.p,
          canaryMedian: result.latency.canaryMedian,
          stableMedian: result.latency.stableMedian,
        },
        errors: {
          verdict: result.errors.verdict,
          p: result.errors.p,
          canaryRate: result.errors.canaryRate,
          stableRate: result.errors.stableRate,
        },
      };
      return {
        value,
        requests: canary.requests,
        ...(result.classification === "Nodata"
          ? {
              noData: `too few samples for a comparison (need ${spec.minSamples} per version)`,
            }
          : {}),
      };
    },
  };
}

function httpProvider(
  spec: Extract<ProviderSpec, { kind: "http" }>,
): MetricProvider {
  return {
    defaults: { success: "result.status >= 200 && result.status < 300" },
    async measure(ctx) {
      const response = await fetch(spec.url, {
        method: spec.method,
        headers: spec.headers,
        signal: ctx.signal,
        ...(spec.body !== undefined ? { body: spec.body } : {}),
      });
      const text = await response.text();
      if (!spec.jsonPath)
        return { value: { status: response.status, body: text.slice(0, 200) } };
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(`the answer of ${spec.url} is not JSON`);
      }
      return {
        value: {
          status: response.status,
          value: jsonPath(json, spec.jsonPath),
        },
      };
    },
  };
}

/**
 * A JSONPath subset: `$.a.b[0].c` or `{$.a.b}` (Argo's web provider form). Missing paths
 * throw, which makes the measurement an Error, as Argo reports "metric result is nil".
 */
export function jsonPath(json: unknown, path: string): unknown {
  const p = path
    .trim()
    .replace(/^\{(.*)\}$/, "$1")
    .trim();
  if (!p.startsWith("$"))
    throw new Error(`json-path "${path}" must start with $`);
  const parts = p.slice(1).match(/\.[^.[\]]+|\[\d+\]|\["[^"]*"\]/g) ?? [];
  if (parts.join("") !== p.slice(1))
    throw new Error(`json-path "${path}" is not supported`);
  let current: unknown = json;
  for (const part of parts) {
    const key = part.startsWith(".")
      ? part.slice(1)
      : part.startsWith('["')
        ? part.slice(2, -2)
        : Number(part.slice(1, -1));
    if (
      current === null ||
      typeof current !== "object" ||
      !(key in (current as object))
    ) {
      throw new Error(`json-path ${path} matches nothing`);
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function commandProvider(
  spec: Extract<ProviderSpec, { kind: "command" }>,
  deps: ProviderDeps,
): MetricProvider {
  return {
    defaults: { success: "result.exitCode == 0" },
    measure(ctx) {
      return new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", spec.run], {
          cwd: deps.cwd,
          env: {
            ...deps.env,
            SLUICE_RELEASE: ctx.release,
            SLUICE_STABLE_RELEASE: ctx.stable ?? "",
          },
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        const keep = (chunk: Buffer) => {
          output = (output + chunk.toString("utf8")).slice(-2_000);
        };
        child.stdout.on("data", keep);
        child.stderr.on("data", keep);
        const onAbort = () => {
          try {
            if (child.pid) process.kill(-child.pid, "SIGKILL");
          } catch {
            // already gone
          }
        };
        ctx.signal.addEventListener("abort", onAbort, { once: true });
        child.on("error", (error) => {
          ctx.signal.removeEventListener("abort", onAbort);
          reject(error);
        });
        child.on("close", (code, signal) => {
          ctx.signal.removeEventListener("abort", onAbort);
          if (ctx.signal.aborted)
            return reject(new Error("the command was stopped"));
          const lastLine = output.trim().split("\n").at(-1) ?? "";
          resolve({
            value: {
              exitCode: code ?? (signal ? 128 : -1),
              output: lastLine.slice(0, 200),
            },
          });
        });
      });
    },
  };
}

function prometheusProvider(
  spec: Extract<ProviderSpec, { kind: "prometheus" }>,
): MetricProvider {
  return {
    defaults: {},
    async measure(ctx) {
      const query = spec.query
        .replaceAll("{{release}}", ctx.release)
        .replaceAll("{{stable}}", ctx.stable ?? "");
      const url = new URL("/api/v1/query", spec.address);
      url.searchParams.set("query", query);
      url.searchParams.set("time", String(ctx.window.to / 1000));
      const response = await fetch(url, { signal: ctx.signal });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(
          `Prometheus answered ${response.status} with something that is not JSON`,
        );
      }
      return parsePrometheus(body);
    },
  };
}

/**
 * Reads a Prometheus `/api/v1/query` answer: one sample becomes `result` as a number, several
 * a list of numbers; an empty vector is Inconclusive (no data), anything malformed throws.
 */
export function parsePrometheus(body: unknown): ProviderValue {
  const b = body as {
    status?: unknown;
    error?: unknown;
    data?: { resultType?: unknown; result?: unknown };
  };
  if (!b || typeof b !== "object" || b.status !== "success") {
    const why =
      b && typeof b === "object" && typeof b.error === "string"
        ? b.error
        : "not a success";
    throw new Error(`Prometheus query failed: ${why}`);
  }
  const type = b.data?.resultType;
  const result = b.data?.result;
  const num = (v: unknown): number => {
    const n = typeof v === "string" ? Number(v) : Number.NaN;
    if (Number.isNaN(n) && v !== "NaN")
      throw new Error(`Prometheus sample ${String(v)} is not a number`);
    return n;
  };
  if (type === "scalar" && Array.isArray(result))
    return { value: num(result[1]) };
  if (type === "vector" && Array.isArray(result)) {
    if (result.length === 0)
      return { value: null, noData: "the Prometheus query returned no data" };
    const values = result.map((r: { value?: unknown[] }) => {
      if (!r || !Array.isArray(r.value))
        throw new Error("malformed Prometheus vector sample");
      return num(r.value[1]);
    });
    return { value: values.length === 1 ? values[0] : values };
  }
  throw new Error(`unsupported Prometheus result type ${String(type)}`);
}
