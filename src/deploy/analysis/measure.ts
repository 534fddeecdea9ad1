import type { Clock } from "../../kernel/index.js";
import { messageOf, timeoutSignal } from "../../kernel/index.js";
import type { MetricSpec } from "../spec.js";
import type { MeasurementResult, RolloutAction } from "../types.js";
import { evaluateMeasurement } from "./evaluate.js";
import { providerFor } from "./providers.js";
import type { ProviderDeps } from "./providers.js";

/** The timeout of providers that state none (proxy, baseline). */
const defaultMeasurementTimeoutMs = 10_000;

/**
 * Takes one measurement for a `measure` action. Never throws: a provider that fails, hangs
 * past its timeout or returns garbage gives an Error measurement with a message.
 */
export async function takeMeasurement(
  action: Extract<RolloutAction, { kind: "measure" }>,
  metric: MetricSpec,
  release: { release: string; stable: string | null },
  deps: ProviderDeps,
  clock: Clock,
): Promise<MeasurementResult> {
  const startedAt = clock.now();
  const base = {
    analysisRunId: action.analysisRunId,
    metric: action.metric,
    seq: action.seq,
    startedAt,
  };
  const timeoutMs =
    "timeoutMs" in metric.provider
      ? metric.provider.timeoutMs
      : defaultMeasurementTimeoutMs;
  // On the Clock: a test moves a ManualClock past the timeout instead of waiting for it.
  const timeout = timeoutSignal(clock, timeoutMs);
  try {
    const provider = providerFor(metric.provider, deps);
    const timedOut = new Promise<never>((_, reject) =>
      timeout.signal.addEventListener(
        "abort",
        () =>
          reject(
            new Error(
              `${metric.provider.kind} provider timed out after ${timeoutMs}ms`,
            ),
          ),
        { once: true },
      ),
    );
    const measured = await Promise.race([
      provider.measure({
        ...release,
        window: action.window,
        signal: timeout.signal,
      }),
      timedOut,
    ]);
    const verdict = evaluateMeasurement(metric, measured, provider.defaults);
    return {
      ...base,
      phase: verdict.phase,
      value: measured.value,
      ...(verdict.message ? { message: verdict.message } : {}),
      finishedAt: clock.now(),
    };
  } catch (error) {
    return {
      ...base,
      phase: "Error",
      message: messageOf(error).slice(0, 300),
      finishedAt: clock.now(),
    };
  } finally {
    timeout.cancel();
  }
}
