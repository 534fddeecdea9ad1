import { describe, expect, it } from "vitest";
import { parseDoraQuery, parseSpan } from "./query.js";

describe("parseSpan", () => {
  it.each([
    ["90d", 90 * 86_400_000],
    ["12w", 12 * 604_800_000],
    ["36h", 36 * 3_600_000],
    ["30m", 30 * 60_000],
    ["1.5d", 1.5 * 86_400_000],
    ["3y", 3 * 365 * 86_400_000],
    ["2 years", 2 * 365 * 86_400_000],
    ["6mo", 6 * 30 * 86_400_000],
    ["1y6mo", (365 + 180) * 86_400_000],
    ["2weeks", 2 * 604_800_000],
    ["45s", 45_000],
    ["1h30m", 90 * 60_000],
  ])("%s is %i ms", (text, ms) => expect(parseSpan(text)).toBe(ms));

  it.each(["soon", "90", "d", "-1d", "0d", "", "3 parsecs", "1y!"])(
    "refuses '%s'",
    (text) => expect(() => parseSpan(text, "since")).toThrow(/since must/),
  );
});

describe("parseDoraQuery", () => {
  it("fills the defaults of `sluice metrics`", () => {
    expect(parseDoraQuery({})).toEqual({
      project: undefined,
      environment: "production",
      windowMs: 90 * 86_400_000,
      year: 2024,
      incidentWindowMs: 24 * 3_600_000,
      minCohortSamples: 10,
    });
  });

  it.each([
    [{ year: "2019" }, "--year must be 2022, 2023 or 2024"],
    [{ minSamples: "0" }, "--min-samples must be a positive integer"],
    [
      { incidentWindow: "1 fortnight" },
      "--incident-window must be a number and a unit",
    ],
  ])("refuses %o, naming the option", (q, message) =>
    expect(() => parseDoraQuery(q)).toThrow(message),
  );

  it("names options as the caller spells them", () =>
    expect(() => parseDoraQuery({ since: "x" }, (o) => o)).toThrow(
      /^since must/,
    ));
});
