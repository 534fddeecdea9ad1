import { AppError, durationHint, parseDuration } from "../kernel/index.js";
import { deployStepInput } from "./spec-input.js";
import type { MetricInput, StepInput } from "./spec-input.js";

/** Where a metric's value comes from. */
export type ProviderSpec =
  | { kind: "proxy" }
  | {
      kind: "http";
      url: string;
      method: "GET" | "POST" | "HEAD";
      headers: Record<string, string>;
      body?: string;
      jsonPath?: string;
      timeoutMs: number;
    }
  | { kind: "command"; run: string; timeoutMs: number }
  | { kind: "prometheus"; address: string; query: string; timeoutMs: number }
  | { kind: "baseline"; pass: number; marginal: number; minSamples: number };

/** One metric of an analysis, with Argo Rollouts' fields. */
export interface MetricSpec {
  name: string;
  provider: ProviderSpec;
  /** Between measurements; undefined with no count means a single measurement. */
  intervalMs?: number;
  initialDelayMs: number;
  count?: number;
  successCondition?: string;
  failureCondition?: string;
  /** -1 disables the limit. */
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  /** Fewer requests than this in the window makes the measurement Inconclusive, never Failed. */
  minRequests?: number;
  dryRun: boolean;
}

export interface AnalysisTemplate {
  metrics: MetricSpec[];
}

/** A rollout step. Blue-green is normalised into these too (see `effectiveSteps`). */
export type RolloutStep =
  | { kind: "weight"; weight: number }
  | { kind: "pause"; durationMs?: number }
  | { kind: "analysis"; template: string };

/** What a release runs as on the local target. */
export interface ReleaseSpec {
  command: string;
  port?: number;
  env: Record<string, string>;
  cwd?: string;
  health: string;
}

/** A validated rollout spec. */
export interface RolloutSpec {
  strategy: "canary" | "blue-green";
  steps: RolloutStep[];
  analysis: Record<string, AnalysisTemplate>;
  failureAction: "abort" | "pause";
  killFlags: string[];
  blueGreen: {
    autoPromote: boolean;
    prePromotionAnalysis?: string;
    postPromotionAnalysis?: string;
  };
  release?: ReleaseSpec;
  proxyPort: number;
}

/** The analysis used by `{analysis: default}` unless the spec defines its own `default`. */
export function defaultAnalysis(): AnalysisTemplate {
  const common = {
    provider: { kind: "proxy" } as const,
    intervalMs: 2_000,
    initialDelayMs: 2_000,
    count: 3,
    failureLimit: 0,
    inconclusiveLimit: 2,
    consecutiveErrorLimit: 4,
    minRequests: 10,
    dryRun: false,
  };
  return {
    metrics: [
      {
        ...common,
        name: "error-rate",
        successCondition: "result.errorRate <= 0.05",
        failureCondition: "result.errorRate > 0.05",
      },
      {
        ...common,
        name: "latency-p99",
        successCondition: "result.p99 <= 1000.0",
        failureCondition: "result.p99 > 1000.0",
      },
    ],
  };
}

/** Steps used when the spec gives none (canary). */
const defaultSteps: RolloutStep[] = [
  { kind: "weight", weight: 20 },
  { kind: "analysis", template: "default" },
  { kind: "weight", weight: 50 },
  { kind: "analysis", template: "default" },
  { kind: "weight", weight: 100 },
];

/** Validates a deploy step's `with` and returns the spec; CONFIG_INVALID with a path otherwise. */
export function parseDeploySpec(
  input: unknown,
  where = "sluice/deploy",
): RolloutSpec {
  const parsed = deployStepInput.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") ?? "";
    throw new AppError(
      "CONFIG_INVALID",
      `${where}${path ? ` ${path}` : ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  const w = parsed.data;
  const analysis: Record<string, AnalysisTemplate> = {
    default: defaultAnalysis(),
  };
  for (const [name, template] of Object.entries(w.analysis)) {
    analysis[name] = {
      metrics: template.metrics.map((m) =>
        toMetric(m, `${where} analysis.${name}.${m.name}`),
      ),
    };
  }
  const steps: RolloutStep[] =
    w.steps === undefined
      ? w.strategy === "canary"
        ? defaultSteps
        : []
      : w.steps.map((s, i) => toStep(s, `${where} steps.${i}`));
  const spec: RolloutSpec = {
    strategy: w.strategy,
    steps,
    analysis,
    failureAction: w["failure-action"],
    killFlags: w["kill-flags"],
    blueGreen: {
      autoPromote: w["blue-green"]["auto-promote"],
      ...(w["blue-green"]["pre-promotion-analysis"]
        ? { prePromotionAnalysis: w["blue-green"]["pre-promotion-analysis"] }
        : {}),
      ...(w["blue-green"]["post-promotion-analysis"]
        ? { postPromotionAnalysis: w["blue-green"]["post-promotion-analysis"] }
        : {}),
    },
    proxyPort: w["proxy-port"],
  };
  if (w.release) {
    const r = w.release;
    spec.release = {
      command: r.command,
      env: r.env,
      health: r.health,
      ...(r.port !== undefined ? { port: r.port } : {}),
      ...(r.cwd ? { cwd: r.cwd } : {}),
    };
  }
  validateSteps(spec, where);
  return spec;
}

/** A duration in kernel's grammar, or a bare number of seconds; CONFIG_INVALID naming the field. */
function readDuration(value: string | number, what: string): number {
  const ms = parseDuration(value, { unitless: "seconds" });
  if (ms === undefined)
    throw new AppError(
      "CONFIG_INVALID",
      `${what}: ${JSON.stringify(value)} is not ${durationHint} (or a number of seconds)`,
    );
  return ms;
}

function toStep(s: StepInput, where: string): RolloutStep {
  if ("weight" in s) return { kind: "weight", weight: s.weight };
  if ("analysis" in s) return { kind: "analysis", template: s.analysis };
  const d = s.pause?.duration;
  return d === undefined
    ? { kind: "pause" }
    : {
        kind: "pause",
        durationMs: readDuration(d, `${where}.pause.duration`),
      };
}

function toMetric(m: MetricInput, where: string): MetricSpec {
  const p = m.provider;
  let provider: ProviderSpec;
  if ("proxy" in p) provider = { kind: "proxy" };
  else if ("http" in p)
    provider = {
      kind: "http",
      url: p.http.url,
      method: p.http.method,
      headers: p.http.headers,
      timeoutMs: readDuration(p.http.timeout, `${where} timeout`),
      ...(p.http.body !== undefined ? { body: p.http.body } : {}),
      ...(p.http["json-path"] ? { jsonPath: p.http["json-path"] } : {}),
    };
  else if ("command" in p)
    provider = {
      kind: "command",
      run: p.command.run,
      timeoutMs: readDuration(p.command.timeout, `${where} timeout`),
    };
  else if ("prometheus" in p)
    provider = {
      kind: "prometheus",
      address: p.prometheus.address,
      query: p.prometheus.query,
      timeoutMs: readDuration(p.prometheus.timeout, `${where} timeout`),
    };
  else {
    if (p.baseline.marginal > p.baseline.pass) {
      throw new AppError(
        "CONFIG_INVALID",
        `${where}: baseline marginal (${p.baseline.marginal}) is above pass (${p.baseline.pass})`,
      );
    }
    provider = {
      kind: "baseline",
      pass: p.baseline.pass,
      marginal: p.baseline.marginal,
      minSamples: p.baseline["min-samples"],
    };
  }
  const metric: MetricSpec = {
    name: m.name,
    provider,
    initialDelayMs:
      m["initial-delay"] === undefined
        ? 0
        : readDuration(m["initial-delay"], `${where} initial-delay`),
    failureLimit: m["failure-limit"],
    inconclusiveLimit: m["inconclusive-limit"],
    consecutiveErrorLimit: m["consecutive-error-limit"],
    dryRun: m["dry-run"],
  };
  if (m.interval !== undefined)
    metric.intervalMs = readDuration(m.interval, `${where} interval`);
  if (m.count !== undefined) metric.count = m.count;
  if (m["success-condition"]) metric.successCondition = m["success-condition"];
  if (m["failure-condition"]) metric.failureCondition = m["failure-condition"];
  if (m["min-requests"] !== undefined) metric.minRequests = m["min-requests"];
  return metric;
}

/**
 * Weights within 0..100 and never going down, analyses that exist, no canary steps for
 * blue-green: a spec that breaks these is refused before anything starts.
 */
function validateSteps(spec: RolloutSpec, where: string): void {
  if (spec.strategy === "blue-green" && spec.steps.length > 0) {
    throw new AppError(
      "CONFIG_INVALID",
      `${where} steps: blue-green takes no steps (use blue-green.pre-promotion-analysis and auto-promote)`,
    );
  }
  let last = 0;
  spec.steps.forEach((step, i) => {
    if (step.kind === "weight") {
      if (
        !Number.isInteger(step.weight) ||
        step.weight < 0 ||
        step.weight > 100
      ) {
        throw new AppError(
          "CONFIG_INVALID",
          `${where} steps.${i}.weight: ${step.weight} is not a whole percentage between 0 and 100`,
        );
      }
      if (step.weight < last) {
        throw new AppError(
          "CONFIG_INVALID",
          `${where} steps.${i}.weight: ${step.weight} after ${last}: steps are out of order (weights never go down)`,
        );
      }
      last = step.weight;
    }
    if (step.kind === "analysis" && !spec.analysis[step.template]) {
      throw new AppError(
        "CONFIG_INVALID",
        `${where} steps.${i}.analysis: no analysis named "${step.template}"`,
      );
    }
  });
  for (const name of [
    spec.blueGreen.prePromotionAnalysis,
    spec.blueGreen.postPromotionAnalysis,
  ]) {
    if (name && !spec.analysis[name]) {
      throw new AppError(
        "CONFIG_INVALID",
        `${where} blue-green: no analysis named "${name}"`,
      );
    }
  }
}

/**
 * The steps the state machine walks. Blue-green becomes: preview (weight 0, the new release
 * reachable through the header override), pre-promotion analysis, a pause unless auto-promote,
 * the switch (weight 100 at once), then post-promotion analysis, whose failure switches back.
 */
export function effectiveSteps(spec: RolloutSpec): RolloutStep[] {
  if (spec.strategy === "canary") return spec.steps;
  const steps: RolloutStep[] = [];
  if (spec.blueGreen.prePromotionAnalysis)
    steps.push({
      kind: "analysis",
      template: spec.blueGreen.prePromotionAnalysis,
    });
  if (!spec.blueGreen.autoPromote) steps.push({ kind: "pause" });
  steps.push({ kind: "weight", weight: 100 });
  if (spec.blueGreen.postPromotionAnalysis)
    steps.push({
      kind: "analysis",
      template: spec.blueGreen.postPromotionAnalysis,
    });
  return steps;
}
