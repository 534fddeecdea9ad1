/** Small statistics for the figures: quantiles and 95% confidence intervals. Pure. */

const z95 = 1.959963984540054;

/**
 * The q-quantile of ascending-sorted values, linear interpolation between closest ranks
 * (PERCENTILE_CONT, as Four Keys and numpy's default). `undefined` for no values.
 */
export function quantileSorted(
  sorted: ArrayLike<number>,
  q: number,
): number | undefined {
  if (sorted.length === 0) return undefined;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/** Sorts a copy ascending. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  // A typed-array sort is numeric and several times faster than a comparator on 100,000 values.
  return Float64Array.from(values).sort();
}

/** A two-sided 95% interval. */
export interface Interval {
  low: number;
  high: number;
  method: "wilson" | "order-statistic" | "poisson";
}

/** Wilson score interval for a proportion `k / n` (good at small n and at 0 or 1). */
export function wilson(k: number, n: number): Interval | undefined {
  if (n <= 0) return undefined;
  const p = k / n;
  const z2 = z95 * z95;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return {
    low: Math.max(0, centre - half),
    high: Math.min(1, centre + half),
    method: "wilson",
  };
}

/**
 * Distribution-free interval for the median from order statistics: ranks n/2 ∓ 1.96·√n/2
 * (the normal approximation to the binomial). Needs no assumption about the shape, which
 * matters for lead times (long right tail). Needs at least 3 values.
 */
export function medianInterval(
  sorted: ArrayLike<number>,
): Interval | undefined {
  const n = sorted.length;
  if (n < 3) return undefined;
  const half = (z95 * Math.sqrt(n)) / 2;
  const lo = Math.max(0, Math.floor(n / 2 - half));
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half) - 1);
  return { low: sorted[lo]!, high: sorted[hi]!, method: "order-statistic" };
}

/**
 * 95% score interval for a Poisson count `k` (`k + z²/2 ± z·√(k + z²/4)`; for k = 0 the upper
 * bound is 3.84 against the exact 3.69), scaled to a rate by dividing by the exposure.
 */
export function poissonRate(k: number, exposure: number): Interval | undefined {
  if (exposure <= 0) return undefined;
  const z2 = z95 * z95;
  const half = z95 * Math.sqrt(k + z2 / 4);
  const low = Math.max(0, k + z2 / 2 - half);
  const high = k + z2 / 2 + half;
  return { low: low / exposure, high: high / exposure, method: "poisson" };
}
