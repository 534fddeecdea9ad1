import { describe, expect, it } from "vitest";
import type { LeveledFigure, ReportYear } from "./levels.js";
import { levelFor } from "./levels.js";

const hour = 3600;
const day = 24 * hour;

describe("levelFor", () => {
  const cases: [LeveledFigure, number, ReportYear, string | null][] = [
    ["deploymentFrequency", 3, 2024, "elite"], // several a day
    ["deploymentFrequency", 0.5, 2024, "high"], // daily to weekly
    ["deploymentFrequency", 0.05, 2024, "medium"], // weekly to monthly
    ["deploymentFrequency", 0.01, 2024, "low"], // monthly to 6-monthly
    ["deploymentFrequency", 0.05, 2023, "medium"], // low shares the range; medium listed first
    ["deploymentFrequency", 0.5, 2022, "high"], // the 2022 gap (daily–weekly): nearer to on demand in log scale
    ["leadTime", 2 * hour, 2024, "elite"],
    ["leadTime", 3 * day, 2024, "high"],
    ["leadTime", 10 * day, 2024, "medium"],
    ["leadTime", 60 * day, 2024, "low"],
    ["leadTime", 60 * day, 2023, "medium"], // 2023 low is 1 week – 1 month too; nearest
    ["leadTime", 2 * hour, 2022, "high"], // no elite in 2022
    ["changeFailRate", 0.05, 2024, "elite"],
    ["changeFailRate", 0.1, 2024, "medium"], // 2024 report's inverted high/medium, as published
    ["changeFailRate", 0.19, 2024, "high"],
    ["changeFailRate", 0.5, 2024, "low"],
    ["changeFailRate", 0.12, 2023, "high"],
    ["changeFailRate", 0.35, 2022, "medium"], // 2022 gap 30–46 %: nearer to 30
    ["recoveryTime", 30 * 60, 2024, "elite"],
    ["recoveryTime", 5 * hour, 2024, "high"], // high and medium share "< 1 day": high listed first
    ["recoveryTime", 3 * day, 2023, "medium"],
    ["recoveryTime", 20 * day, 2024, "low"],
    ["reworkRate", 0.1, 2024, null],
  ];
  it.each(cases)("%s %d in %d → %s", (figure, value, year, level) => {
    const result = levelFor(figure, value, year);
    expect(result.level).toBe(level);
    expect(result.year).toBe(year);
    if (level === null)
      expect(result).toMatchObject({
        reason: expect.stringContaining("no clusters"),
      });
  });
});
