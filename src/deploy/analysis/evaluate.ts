import { evaluate } from "@marcbachmann/cel-js";
import type { MetricSpec } from "../spec.js";
import type { MeasurementPhase } from "../types.js";

/** What a provider measured: a value for the conditions, and how many requests it covers. */
export interface ProviderValue {
  value: unknown;
  /** Requests in the window, when the provider knows (proxy, baseline). */
  requests?: number;
  /** The provider itself says there is not enough data (an empty query, too few samples). */
  noData?: string;
}

/** Conditions a provider implies when the metric states none. */
export interface DefaultConditions {
  success?: string;
  failure?: string;
}

/**
 * A measurement's phase from a value (Argo's EvaluateResult), plus the minimum sample rule: too
 * few requests is Inconclusive, never Failed. Conditions are CEL over `result`; a condition
 * that cannot be evaluated is an Error.
 */
export function evaluateMeasurement(
  spec: MetricSpec,
  measured: ProviderValue,
  defaults: DefaultConditions = {},
): { phase: MeasurementPhase; message?: string } {
  if (measured.noData)
    return { phase: "Inconclusive", message: measured.noData };
  if (
    spec.minRequests !== undefined &&
    (measured.requests ?? 0) < spec.minRequests
  ) {
    return {
      phase: "Inconclusive",
      message: `too few requests: ${measured.requests ?? 0} < ${spec.minRequests}`,
    };
  }
  const success =
    spec.successCondition ??
    (spec.failureCondition ? undefined : defaults.success);
  const failure =
    spec.failureCondition ??
    (spec.successCondition ? undefined : defaults.failure);
  let failed: boolean | undefined;
  let succeeded: boolean | undefined;
  try {
    if (failure) failed = condition(failure, measured.value);
    if (success) succeeded = condition(success, measured.value);
  } catch (error) {
    return {
      phase: "Error",
      message: `condition cannot be evaluated: ${(error as Error).message}`,
    };
  }
  if (failed === true)
    return { phase: "Failed", message: `${failure} is true` };
  if (success === undefined) return { phase: "Successful" };
  if (succeeded === true) return { phase: "Successful" };
  if (failure === undefined)
    return { phase: "Failed", message: `${success} is false` };
  return {
    phase: "Inconclusive",
    message: `neither ${success} nor ${failure}`,
  };
}

function condition(expression: string, result: unknown): boolean {
  const value = evaluate(expression, { result });
  if (typeof value !== "boolean") {
    throw new Error(`"${expression}" gives ${typeof value}, not a boolean`);
  }
  return value;
}
