import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.js";

const day = 86_400_000;

describe("parseDuration", () => {
  it.each([
    // What pipeline, deploy, config and metrics each took before they shared this grammar.
    ["250ms", 250],
    ["90s", 90_000],
    ["1.5s", 1500],
    ["1.5m", 90_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["1h30m15s250ms", 5_415_250],
    ["36h", 36 * 3_600_000],
    ["90d", 90 * day],
    ["1.5d", 1.5 * day],
    ["12w", 12 * 7 * day],
    ["6mo", 180 * day],
    ["3y", 3 * 365 * day],
    ["1y6mo", (365 + 180) * day],
    ["2 weeks", 14 * day],
    ["2weeks", 14 * day],
    ["1 hour 30 minutes", 5_400_000],
    ["1H30M", 5_400_000],
    [" 45s ", 45_000],
    ["0s", 0],
    ["0.0004s", 0],
  ] as const)("%j is %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    "",
    " ",
    "30",
    "soon",
    "d",
    "s30",
    "-1d",
    "+1s",
    "1e3s",
    "1.s",
    ".5s",
    "1..5s",
    "1y!",
    "3 parsecs",
    "1h-30m",
    "1h,30m",
    "Infinitys",
    "NaNs",
    `${"9".repeat(400)}y`,
    "1s".repeat(40),
  ])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("counts a bare number as seconds only where the caller allows it", () => {
    expect(parseDuration("30")).toBeUndefined();
    expect(parseDuration(30)).toBeUndefined();
    expect(parseDuration("30", { unitless: "seconds" })).toBe(30_000);
    expect(parseDuration("2.5", { unitless: "seconds" })).toBe(2500);
    expect(parseDuration(3, { unitless: "seconds" })).toBe(3000);
    expect(parseDuration(0.25, { unitless: "seconds" })).toBe(250);
    expect(parseDuration(-1, { unitless: "seconds" })).toBeUndefined();
    expect(parseDuration(Infinity, { unitless: "seconds" })).toBeUndefined();
    expect(parseDuration(NaN, { unitless: "seconds" })).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [10, "10ms"],
    [300, "300ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [60_000, "1m"],
    [90_000, "1m30s"],
    [5_400_000, "1h30m"],
    [3_600_000, "1h"],
    [day + 4 * 3_600_000, "1d4h"],
    [61_250, "1m1.25s"],
    [-5, "0ms"],
  ] as const)("%i ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([1, 999, 1500, 61_250, 5_415_250, 3 * day + 7])(
    "%i ms reads back to itself",
    (ms) => {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );
});
