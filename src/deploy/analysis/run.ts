import type { AnalysisTemplate, MetricSpec } from "../spec.js";
import type {
  AnalysisPhase,
  AnalysisRun,
  MeasurementResult,
  MetricStatus,
  RolloutAction,
} from "../types.js";
import {
  assessMetric,
  effectiveCount,
  isTerminal,
  recordResult,
} from "./assess.js";

/** A measurement that has not come back after this long counts as an Error. */
export const measurementLostAfterMs = 120_000;

/** Best to worst, as Argo Rollouts ranks an analysis run's metrics. */
const analysisRunPhaseOrder: AnalysisPhase[] = [
  "Successful",
  "Running",
  "Pending",
  "Inconclusive",
  "Error",
  "Failed",
];

/** An analysis run's phase: the worst phase over its metrics that are not dry runs. */
function analysisRunPhase(metrics: MetricStatus[]): AnalysisPhase {
  let worst = 0;
  for (const m of metrics) {
    if (m.dryRun) continue;
    worst = Math.max(worst, analysisRunPhaseOrder.indexOf(m.phase));
  }
  return analysisRunPhaseOrder[worst] ?? "Successful";
}

/** A fresh analysis run of a template for a step (Argo's AnalysisRun). */
export function newAnalysisRun(
  id: string,
  template: string,
  metrics: MetricSpec[],
  stepIndex: number,
  now: number,
): AnalysisRun {
  return {
    id,
    template,
    stepIndex,
    phase: "Pending",
    startedAt: now,
    metrics: metrics.map((m) => ({
      name: m.name,
      phase: "Pending",
      measurements: [],
      successful: 0,
      failed: 0,
      inconclusive: 0,
      error: 0,
      consecutiveErrors: 0,
      nextAt: now + m.initialDelayMs,
      dryRun: m.dryRun,
    })),
  };
}

/**
 * Records the measurements that came back for this analysis run, and counts one that never
 * came back as an Error (its provider hung or sluice lost it).
 */
export function recordResults(
  run: AnalysisRun,
  template: AnalysisTemplate,
  results: readonly MeasurementResult[],
  now: number,
): void {
  for (const result of results) {
    if (result.analysisRunId !== run.id) continue;
    const metric = run.metrics.find((m) => m.name === result.metric);
    const spec = template.metrics.find((m) => m.name === result.metric);
    if (metric && spec) recordResult(spec, metric, result);
  }
  for (const metric of run.metrics) {
    const spec = template.metrics.find((m) => m.name === metric.name);
    if (
      spec &&
      metric.inFlight &&
      now - metric.inFlight.since > measurementLostAfterMs
    ) {
      recordResult(spec, metric, {
        analysisRunId: run.id,
        metric: metric.name,
        seq: metric.inFlight.seq,
        phase: "Error",
        message: "the measurement never came back",
        startedAt: metric.inFlight.since,
        finishedAt: now,
      });
    }
  }
}

/**
 * Asks for the measurements that are due (the `measure` actions it returns), then assesses
 * every metric and the analysis run.
 */
export function scheduleMeasurements(
  run: AnalysisRun,
  specs: MetricSpec[],
  now: number,
): RolloutAction[] {
  const actions: RolloutAction[] = [];
  for (const metric of run.metrics) {
    const spec = specs.find((m) => m.name === metric.name);
    if (!spec) continue;
    metric.phase = assessMetric(spec, metric, false);
    if (isTerminal(metric.phase) || metric.inFlight) continue;
    if (metric.measurements.length >= effectiveCount(spec)) continue;
    if (now < metric.nextAt) continue;
    const seq = metric.measurements.length + 1;
    const last = metric.measurements.at(-1);
    actions.push({
      kind: "measure",
      analysisRunId: run.id,
      template: run.template,
      metric: metric.name,
      seq,
      window: { from: last?.finishedAt ?? run.startedAt, to: now },
    });
    metric.inFlight = { seq, since: now };
    metric.phase = "Running";
  }
  run.phase = analysisRunPhase(run.metrics);
  return actions;
}

/**
 * Ends an analysis run at `now`; `terminate` settles metrics still running (Argo: a metric
 * without a count is Successful when its run is terminated).
 */
export function settleAnalysisRun(
  run: AnalysisRun,
  template: AnalysisTemplate | undefined,
  now: number,
  terminate: boolean,
): void {
  if (terminate && template) {
    for (const metric of run.metrics) {
      const spec = template.metrics.find((m) => m.name === metric.name);
      delete metric.inFlight;
      if (spec && !isTerminal(metric.phase))
        metric.phase = assessMetric(spec, metric, true);
    }
    if (!isTerminal(run.phase)) run.phase = analysisRunPhase(run.metrics);
  }
  for (const metric of run.metrics) delete metric.inFlight;
  run.finishedAt = now;
}

/** `: METRIC PHASE (message)` of the first metric that did not succeed, or nothing. */
export function failureDetail(run: AnalysisRun): string {
  const bad = run.metrics.find(
    (m) =>
      m.phase === "Failed" || m.phase === "Error" || m.phase === "Inconclusive",
  );
  if (!bad) return "";
  const last = bad.measurements.at(-1);
  return `: ${bad.name} ${bad.phase}${last?.message ? ` (${last.message})` : ""}`;
}
