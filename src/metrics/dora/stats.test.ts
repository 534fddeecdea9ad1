import { describe, expect, it } from "vitest";
import {
  medianInterval,
  poissonRate,
  quantileSorted,
  wilson,
} from "./stats.js";

describe("quantileSorted", () => {
  const cases: [number[], number, number | undefined][] = [
    [[], 0.5, undefined],
    [[5], 0.5, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4, 10], 0.9, 7.6], // pos 3.6 → 4 + 0.6 · 6
  ];
  it.each(cases)("%j q=%d → %d", (values, q, expected) => {
    const got = quantileSorted(values, q);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(expected, 10);
  });
});

describe("intervals", () => {
  it("Wilson 1 of 4 is (0.0456, 0.6994)", () => {
    const i = wilson(1, 4)!;
    expect(i.low).toBeCloseTo(0.0456, 4);
    expect(i.high).toBeCloseTo(0.6994, 4);
  });
  it("Wilson 0 of 10 starts at 0 and reaches 0.2775", () => {
    const i = wilson(0, 10)!;
    expect(i.low).toBe(0);
    expect(i.high).toBeCloseTo(0.2775, 4);
  });
  it("Wilson of nothing is undefined", () =>
    expect(wilson(0, 0)).toBeUndefined());
  it("median interval of 1..20 uses ranks 6 and 15 (1-based)", () => {
    // n = 20: n/2 ∓ 1.96·√20/2 = 10 ∓ 4.38 → 0-based ranks 5 and 14.
    const sorted = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(medianInterval(sorted)).toEqual({
      low: 6,
      high: 15,
      method: "order-statistic",
    });
  });
  it("Poisson 0 events in 10 days: upper bound 0.384/day", () => {
    const i = poissonRate(0, 10)!;
    expect(i.low).toBe(0);
    expect(i.high).toBeCloseTo(0.3841, 3);
  });
});
