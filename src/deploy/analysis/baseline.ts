import { mannWhitneyU, median, twoProportionZ } from "./stats.js";
import type { MannWhitney, TwoProportion } from "./stats.js";

/** What one version served in a window: enough for the comparison. */
export interface VersionSample {
  requests: number;
  /** 5xx answers and connection failures. */
  errors: number;
  /** Per-request latencies in ms. */
  latencies: number[];
}

type MetricVerdict = "Pass" | "High" | "Nodata";

export interface BaselineComparison {
  /** 0..100, the share of metrics that pass (Kayenta's weighted sum with equal weights). */
  score: number;
  classification: "Pass" | "Marginal" | "Fail" | "Nodata";
  latency: MannWhitney & {
    verdict: MetricVerdict;
    canaryMedian: number;
    stableMedian: number;
  };
  errors: TwoProportion & {
    verdict: MetricVerdict;
    canaryRate: number;
    stableRate: number;
  };
}

export interface BaselineOptions {
  pass: number;
  marginal: number;
  minSamples: number;
  /** Kayenta's confidence level, 0.98. */
  confidence?: number;
  /** Kayenta's tolerance on the effect size, 0.25. */
  tolerance?: number;
}

/**
 * Canary against stable in the same window, as Kayenta's judge: a metric is High when the
 * canary is significantly worse (p below 1 - confidence) and by more than the tolerance; the
 * score is the share of metrics that pass; the score against the thresholds gives the verdict.
 */
export function compareBaseline(
  canary: VersionSample,
  stable: VersionSample,
  options: BaselineOptions,
): BaselineComparison {
  const alpha = 1 - (options.confidence ?? 0.98);
  const tolerance = options.tolerance ?? 0.25;
  const enough = (s: VersionSample) => s.requests >= options.minSamples;

  const mw = mannWhitneyU(canary.latencies, stable.latencies);
  const canaryMedian = median(canary.latencies);
  const stableMedian = median(stable.latencies);
  const latencyVerdict: MetricVerdict =
    canary.latencies.length < options.minSamples ||
    stable.latencies.length < options.minSamples
      ? "Nodata"
      : mw.z > 0 &&
          mw.p < alpha &&
          canaryMedian > stableMedian * (1 + tolerance)
        ? "High"
        : "Pass";

  const tp = twoProportionZ(
    canary.errors,
    canary.requests,
    stable.errors,
    stable.requests,
  );
  const canaryRate = canary.requests ? canary.errors / canary.requests : 0;
  const stableRate = stable.requests ? stable.errors / stable.requests : 0;
  // An error rate is "more than the tolerance" worse when it exceeds the stable rate by 25%
  // and by at least one point (a stable rate of zero would otherwise make any error High).
  const errorsVerdict: MetricVerdict =
    !enough(canary) || !enough(stable)
      ? "Nodata"
      : tp.p < alpha &&
          canaryRate > Math.max(stableRate * (1 + tolerance), stableRate + 0.01)
        ? "High"
        : "Pass";

  const verdicts = [latencyVerdict, errorsVerdict];
  const nodata = verdicts.filter((v) => v === "Nodata").length;
  const judged = verdicts.filter((v) => v !== "Nodata");
  const score =
    judged.length === 0
      ? 0
      : (100 * judged.filter((v) => v === "Pass").length) / judged.length;
  // Kayenta: half or more of the metrics without data gives a score of 0, which we call Nodata.
  const classification =
    nodata * 2 >= verdicts.length
      ? "Nodata"
      : score >= options.pass
        ? "Pass"
        : score >= options.marginal
          ? "Marginal"
          : "Fail";
  return {
    score: classification === "Nodata" ? 0 : score,
    classification,
    latency: { ...mw, verdict: latencyVerdict, canaryMedian, stableMedian },
    errors: { ...tp, verdict: errorsVerdict, canaryRate, stableRate },
  };
}
