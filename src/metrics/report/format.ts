import type { Figure } from "../dora/figure.js";

/** A duration in seconds for people: `45 s`, `12 min`, `3.2 h`, `4.5 d`. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** A figure's value in its unit, or `n/a`. */
export function formatValue(
  unit: Figure["unit"],
  value: number | null | undefined,
): string {
  if (value === null || value === undefined) return "n/a";
  switch (unit) {
    case "seconds":
      return formatSeconds(value);
    case "ratio":
      return `${(value * 100).toFixed(1)} %`;
    case "deployments/day":
      return value >= 1
        ? `${value.toFixed(2)}/day`
        : `${(value * 7).toFixed(2)}/week`;
  }
}

/** `elite (2024)`, `no failure source` when no source can give the figure, or nothing. */
export function formatLevel(figure: Figure): string {
  if (figure.missingSource) return figure.missingSource;
  const l = figure.level;
  if (!l) return "";
  if (l.level === null) return `— (${l.year})`;
  return `${l.level} (${l.year})`;
}

/** The 95% interval in the figure's unit. */
export function formatInterval(figure: Figure): string {
  if (!figure.interval) return "";
  return `${formatValue(figure.unit, figure.interval.low)} – ${formatValue(figure.unit, figure.interval.high)}`;
}
