import type { Interval } from "./stats.js";
import type { LevelResult } from "./levels.js";

/** The five DORA figures, by key. */
export type FigureKey =
  | "deploymentFrequency"
  | "leadTime"
  | "changeFailRate"
  | "recoveryTime"
  | "reworkRate";

export const figureKeys: readonly FigureKey[] = [
  "deploymentFrequency",
  "leadTime",
  "changeFailRate",
  "recoveryTime",
  "reworkRate",
];

export const figureNames: Record<FigureKey, string> = {
  deploymentFrequency: "Deployment frequency",
  leadTime: "Change lead time",
  changeFailRate: "Change fail rate",
  recoveryTime: "Failed deployment recovery time",
  reworkRate: "Deployment rework rate",
};

/** The events behind a figure, so every number can be checked. */
export interface DrillDown {
  deployments: string[];
  changes: string[];
  incidents: string[];
}

/**
 * One figure. `value` is null when it cannot be computed, and `reason` says why: a missing
 * figure is never shown as 0.
 */
export interface Figure {
  key: FigureKey;
  name: string;
  value: number | null;
  reason?: string;
  /**
   * Set when no data source in scope could give this figure (`no failure source`): shown in place
   * of a level, since the value is unknown rather than good or bad.
   */
  missingSource?: string;
  /** `deployments/day`, `seconds` or `ratio` (0..1). */
  unit: "deployments/day" | "seconds" | "ratio";
  /** How many deployments, changes or failures the value rests on. */
  samples: number;
  level: LevelResult | null;
  /** 95% interval: Wilson for rates, order statistics for medians, Poisson for frequency. */
  interval?: Interval;
  /** Figure-specific extras: p90, numerator and denominator, PR stages, deployments without rollbacks. */
  details: Record<string, unknown>;
  drillDown: DrillDown;
}

export function emptyDrillDown(): DrillDown {
  return { deployments: [], changes: [], incidents: [] };
}
