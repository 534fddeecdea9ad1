/**
 * DORA performance levels by report year. They are cluster descriptions from survey cluster
 * analysis, not cut-offs: a value gets the cluster whose range holds it, or else the nearest one
 * (log distance for times and frequencies, plain distance for rates), labelled with the year.
 * Sources and quirks: ../shared/notes/metrics.md §2 and docs/adr/080-dora-definitions.md.
 */

export type Level = "elite" | "high" | "medium" | "low";
export type ReportYear = 2022 | 2023 | 2024;
export const reportYears: readonly ReportYear[] = [2022, 2023, 2024];
export const defaultReportYear: ReportYear = 2024;

/** The figures a level exists for. Units: per day, seconds, seconds, fraction. */
export type LeveledFigure =
  | "deploymentFrequency"
  | "leadTime"
  | "recoveryTime"
  | "changeFailRate"
  | "reworkRate";

interface Cluster {
  level: Level;
  /** Inclusive lower and exclusive upper bound; equal bounds mark a point (CFR in 2023/2024). */
  low: number;
  high: number;
  label: string;
}

const hour = 3600;
const day = 24 * hour;
const week = 7 * day;
const month = 30.44 * day;
const sixMonths = 6 * month;
const inf = Number.POSITIVE_INFINITY;

// Deployment frequency in deployments per day.
const onDemand = { low: 1, high: inf, label: "on demand (several per day)" };
const dailyWeekly = { low: 1 / 7, high: 1, label: "daily to weekly" };
const weeklyMonthly = {
  low: day / month,
  high: 1 / 7,
  label: "weekly to monthly",
};
const monthlySix = {
  low: day / sixMonths,
  high: day / month,
  label: "monthly to 6-monthly",
};

const lessThanHour = { low: 0, high: hour, label: "< 1 hour" };
const lessThanDay = { low: 0, high: day, label: "< 1 day" };
const hourToDay = { low: hour, high: day, label: "< 1 day" };
const dayToWeek = { low: day, high: week, label: "1 day to 1 week" };
const weekToMonth = { low: week, high: month, label: "1 week to 1 month" };
const monthToSix = { low: month, high: sixMonths, label: "1 to 6 months" };

const point = (p: number) => ({
  low: p,
  high: p,
  label: `${Math.round(p * 100)} %`,
});
const range = (lo: number, hi: number) => ({
  low: lo,
  high: hi,
  label: `${Math.round(lo * 100)}–${Math.round(hi * 100)} %`,
});

const tables: Record<ReportYear, Partial<Record<LeveledFigure, Cluster[]>>> = {
  // Three clusters, no elite.
  2022: {
    deploymentFrequency: [
      { level: "high", ...onDemand },
      { level: "medium", ...weeklyMonthly },
      { level: "low", ...monthlySix, label: "monthly to biannually" },
    ],
    leadTime: [
      { level: "high", ...dayToWeek },
      { level: "medium", ...weekToMonth },
      { level: "low", ...monthToSix },
    ],
    changeFailRate: [
      { level: "high", ...range(0, 0.15) },
      { level: "medium", ...range(0.16, 0.3) },
      { level: "low", ...range(0.46, 0.6) },
    ],
    recoveryTime: [
      { level: "high", ...lessThanDay },
      { level: "medium", ...dayToWeek },
      { level: "low", ...weekToMonth },
    ],
  },
  2023: {
    deploymentFrequency: [
      { level: "elite", ...onDemand },
      { level: "high", ...dailyWeekly },
      { level: "medium", ...weeklyMonthly },
      // The low cluster deploys "weekly to monthly" too; the medium row, listed first, wins.
      { level: "low", ...weeklyMonthly },
    ],
    leadTime: [
      { level: "elite", ...lessThanDay },
      { level: "high", ...dayToWeek },
      { level: "medium", ...weekToMonth },
      { level: "low", ...weekToMonth },
    ],
    changeFailRate: [
      { level: "elite", ...point(0.05) },
      { level: "high", ...point(0.1) },
      { level: "medium", ...point(0.15) },
      { level: "low", ...point(0.64) },
    ],
    recoveryTime: [
      { level: "elite", ...lessThanHour },
      { level: "high", ...hourToDay },
      { level: "medium", ...dayToWeek },
      { level: "low", ...monthToSix },
    ],
  },
  2024: {
    deploymentFrequency: [
      { level: "elite", ...onDemand },
      { level: "high", ...dailyWeekly },
      { level: "medium", ...weeklyMonthly },
      { level: "low", ...monthlySix },
    ],
    leadTime: [
      { level: "elite", ...lessThanDay },
      { level: "high", ...dayToWeek },
      { level: "medium", ...weekToMonth },
      { level: "low", ...monthToSix },
    ],
    // The 2024 report inverts high (20 %) and medium (10 %); kept as published.
    changeFailRate: [
      { level: "elite", ...point(0.05) },
      { level: "high", ...point(0.2) },
      { level: "medium", ...point(0.1) },
      { level: "low", ...point(0.4) },
    ],
    recoveryTime: [
      { level: "elite", ...lessThanHour },
      { level: "high", ...hourToDay },
      { level: "medium", ...hourToDay },
      { level: "low", ...weekToMonth },
    ],
  },
};

/** A level with the report year and the cluster's own words, or why there is none. */
export type LevelResult =
  | { level: Level; year: ReportYear; cluster: string; exact: boolean }
  | { level: null; year: ReportYear; reason: string };

const logScale: Record<LeveledFigure, boolean> = {
  deploymentFrequency: true,
  leadTime: true,
  recoveryTime: true,
  changeFailRate: false,
  reworkRate: false,
};

/** The cluster a value falls in (or is nearest to) for one figure and report year. */
export function levelFor(
  figure: LeveledFigure,
  value: number,
  year: ReportYear,
): LevelResult {
  const clusters = tables[year][figure];
  if (!clusters) {
    return {
      level: null,
      year,
      reason: `the ${year} report publishes no clusters for ${figure}`,
    };
  }
  const log = logScale[figure];
  let best: Cluster | undefined;
  let bestDistance = inf;
  for (const cluster of clusters) {
    const d = distance(value, cluster, log);
    // Strictly smaller: on a tie the better-ranked cluster, listed first, wins.
    if (d < bestDistance) {
      best = cluster;
      bestDistance = d;
    }
  }
  if (!best) return { level: null, year, reason: "no clusters" };
  return {
    level: best.level,
    year,
    cluster: best.label,
    exact: bestDistance === 0,
  };
}

function distance(value: number, cluster: Cluster, log: boolean): number {
  const inside =
    cluster.low === cluster.high
      ? value === cluster.low
      : value >= cluster.low && value < cluster.high;
  if (inside) return 0;
  const f = log
    ? (x: number) => Math.log(Math.max(x, 1e-12))
    : (x: number) => x;
  const nearestBound = value < cluster.low ? cluster.low : cluster.high;
  return Math.abs(f(value) - f(nearestBound));
}
