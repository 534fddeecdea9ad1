import { describe, expect, it } from "vitest";
import { compareBaseline } from "./baseline.js";
import { mannWhitneyU, normalCdf, quantile, twoProportionZ } from "./stats.js";

describe("statistics, against hand-computed values", () => {
  it.each([
    [0, 0.5],
    [1.959964, 0.975],
    [-1.644854, 0.05],
    [3, 0.99865],
  ])("Φ(%d) = %d", (x, p) => {
    expect(normalCdf(x)).toBeCloseTo(p, 5);
  });

  it.each([
    // a = 1,2,3 ranks 1..3: R1 = 6, U = 0; σ² = 9·7/12 = 5.25; z = -4.5/√5.25 = -1.9640; p = 0.0495
    { a: [1, 2, 3], b: [4, 5, 6], u: 0, z: -1.964, p: 0.0495 },
    // ties: 2,2,2 share rank 3; R1 = 1+3+3 = 7, U = 1; σ² = 0.75·(7 − 24/30) = 4.65; z = -3.5/√4.65 = -1.6231
    { a: [1, 2, 2], b: [2, 3, 4], u: 1, z: -1.6231, p: 0.1046 },
    // identical samples: U = n1·n2/2, z = 0, p = 1
    { a: [5, 6, 7], b: [5, 6, 7], u: 4.5, z: 0, p: 1 },
    // a larger: U = 9, z = +1.964
    { a: [4, 5, 6], b: [1, 2, 3], u: 9, z: 1.964, p: 0.0495 },
  ])("Mann-Whitney U of $a vs $b", ({ a, b, u, z, p }) => {
    const r = mannWhitneyU(a, b);
    expect(r.u).toBe(u);
    expect(r.z).toBeCloseTo(z, 3);
    expect(r.p).toBeCloseTo(p, 3);
  });

  it.each([
    // p1 = .3, p2 = .1, pooled .2, se = √(.2·.8·.02) = .056569, z = 3.5355, p = 1 − Φ(3.5355) = .000204
    { x1: 30, n1: 100, x2: 10, n2: 100, z: 3.5355, p: 0.000204 },
    // equal rates: z = 0, p = .5
    { x1: 5, n1: 100, x2: 5, n2: 100, z: 0, p: 0.5 },
    // no errors anywhere: no evidence
    { x1: 0, n1: 100, x2: 0, n2: 100, z: 0, p: 1 },
  ])("two-proportion z of $x1/$n1 vs $x2/$n2", ({ x1, n1, x2, n2, z, p }) => {
    const r = twoProportionZ(x1, n1, x2, n2);
    expect(r.z).toBeCloseTo(z, 3);
    expect(r.p).toBeCloseTo(p, 5);
  });

  it("takes nearest-rank quantiles", () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(s, 0.5), quantile(s, 0.95), quantile(s, 0.99)]).toEqual([
      50, 95, 99,
    ]);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("compareBaseline", () => {
  const latencies = (base: number, n: number) =>
    Array.from({ length: n }, (_, i) => base + (i % 10));
  const opts = { pass: 95, marginal: 75, minSamples: 20 };

  it.each([
    {
      name: "same behaviour passes",
      canary: { requests: 100, errors: 1, latencies: latencies(10, 100) },
      stable: { requests: 400, errors: 4, latencies: latencies(10, 400) },
      score: 100,
      classification: "Pass",
    },
    {
      name: "30% errors against 1% fails the error metric",
      canary: { requests: 100, errors: 30, latencies: latencies(10, 100) },
      stable: { requests: 400, errors: 4, latencies: latencies(10, 400) },
      score: 50,
      classification: "Fail",
    },
    {
      name: "three times slower fails the latency metric",
      canary: { requests: 100, errors: 0, latencies: latencies(30, 100) },
      stable: { requests: 400, errors: 0, latencies: latencies(10, 400) },
      score: 50,
      classification: "Fail",
    },
    {
      name: "both worse scores 0",
      canary: { requests: 100, errors: 30, latencies: latencies(30, 100) },
      stable: { requests: 400, errors: 0, latencies: latencies(10, 400) },
      score: 0,
      classification: "Fail",
    },
    {
      name: "too few canary samples is Nodata",
      canary: { requests: 5, errors: 5, latencies: latencies(30, 5) },
      stable: { requests: 400, errors: 0, latencies: latencies(10, 400) },
      score: 0,
      classification: "Nodata",
    },
  ])("$name", ({ canary, stable, score, classification }) => {
    const r = compareBaseline(canary, stable, opts);
    expect(r.score).toBe(score);
    expect(r.classification).toBe(classification);
  });

  it("scores 50 as Marginal when the marginal threshold is 50", () => {
    const r = compareBaseline(
      { requests: 100, errors: 30, latencies: latencies(10, 100) },
      { requests: 400, errors: 4, latencies: latencies(10, 400) },
      { pass: 95, marginal: 50, minSamples: 20 },
    );
    expect(r.classification).toBe("Marginal");
  });
});
