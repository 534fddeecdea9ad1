import type { MetricSpec } from "../spec.js";
import type {
  AnalysisPhase,
  MeasurementResult,
  MetricStatus,
} from "../types.js";

/** A phase that ends a metric or an analysis run. */
export function isTerminal(phase: AnalysisPhase): boolean {
  return phase !== "Pending" && phase !== "Running";
}

/** How many measurements a metric takes: `count`, or one without an interval, or unbounded. */
export function effectiveCount(spec: MetricSpec): number {
  if (spec.count !== undefined) return spec.count;
  return spec.intervalMs === undefined ? 1 : Number.POSITIVE_INFINITY;
}

/**
 * A metric's phase after its measurements (Argo's `assessMetricStatus`): the limits are
 * checked in order, a later one overriding an earlier; then the count; a metric without a
 * count runs until its analysis run is terminated, which makes it Successful.
 */
export function assessMetric(
  spec: MetricSpec,
  status: MetricStatus,
  terminating: boolean,
): AnalysisPhase {
  if (status.measurements.length === 0) {
    if (terminating) return "Successful";
    return status.inFlight ? "Running" : "Pending";
  }
  let limited: AnalysisPhase | undefined;
  if (spec.failureLimit >= 0 && status.failed > spec.failureLimit)
    limited = "Failed";
  if (status.inconclusive > spec.inconclusiveLimit) limited = "Inconclusive";
  if (status.consecutiveErrors > spec.consecutiveErrorLimit) limited = "Error";
  if (limited) return limited;
  if (status.measurements.length >= effectiveCount(spec)) return "Successful";
  if (terminating) return "Successful";
  return "Running";
}

/** Records a measurement that came back for the metric that asked for it; others are ignored. */
export function recordResult(
  spec: MetricSpec,
  status: MetricStatus,
  result: MeasurementResult,
): boolean {
  if (!status.inFlight || status.inFlight.seq !== result.seq) return false;
  status.measurements.push({
    seq: result.seq,
    phase: result.phase,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    ...(result.value !== undefined ? { value: result.value } : {}),
    ...(result.message !== undefined ? { message: result.message } : {}),
  });
  delete status.inFlight;
  switch (result.phase) {
    case "Successful":
      status.successful++;
      break;
    case "Failed":
      status.failed++;
      break;
    case "Inconclusive":
      status.inconclusive++;
      break;
    case "Error":
      status.error++;
      break;
  }
  status.consecutiveErrors =
    result.phase === "Error" ? status.consecutiveErrors + 1 : 0;
  status.nextAt = result.finishedAt + (spec.intervalMs ?? 0);
  if (result.message) status.message = result.message;
  return true;
}
