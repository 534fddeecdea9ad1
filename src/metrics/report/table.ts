import type { DoraReport } from "../dora/compute.js";
import { figureKeys } from "../dora/figure.js";
import { formatInterval, formatLevel, formatValue } from "./format.js";

/** Pads a grid of cells into aligned columns. */
function grid(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach(
      (cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)),
    );
  return rows
    .map((row) =>
      row
        .map(
          (cell, i) => cell + " ".repeat((widths[i] ?? 0) - [...cell].length),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** What counted as a deployment and an incident, one line per source. */
export function sourceLines(report: DoraReport): string[] {
  const { deployments, incidents } = report.sources;
  const lines = deployments.map(
    (d) => `Deployments: ${d.count} from ${d.source}: ${d.what}`,
  );
  if (deployments.length === 0) lines.push("Deployments: none in the window");
  lines.push(...incidents.map((i) => `Incidents: ${i.count} from ${i.source}`));
  if (incidents.length === 0)
    lines.push(
      report.sources.failureSources.length === 0
        ? "Incidents: none, and no source that could report one"
        : "Incidents: none in the window",
    );
  return lines;
}

/** The report as a terminal table; with `byCohort`, a column per cohort and the warnings. */
export function renderTable(
  report: DoraReport,
  options: { byCohort: boolean },
): string {
  const s = report.scope;
  const lines = [
    `DORA figures for ${s.project ?? "all projects"} · ${s.environment} · ${s.from.slice(0, 10)} to ${s.to.slice(0, 10)}`,
    ...(s.projectBasis ? [`Scope: ${s.projectBasis}`] : []),
    ...sourceLines(report),
    "",
  ];
  const head = ["Figure", "Value", "Level", "Samples", "95% interval"];
  if (options.byCohort) head.push("ai-assisted (n)", "unmarked (n)");
  const rows = [head];
  for (const key of figureKeys) {
    const f = report.figures[key];
    const row = [
      f.name,
      f.value === null ? "n/a" : formatValue(f.unit, f.value),
      formatLevel(f),
      String(f.samples),
      formatInterval(f),
    ];
    if (options.byCohort) {
      for (const c of ["ai-assisted", "unmarked"] as const) {
        const cf = report.cohorts[c].figures[key];
        row.push(`${formatValue(cf.unit, cf.value)} (${cf.samples})`);
      }
    }
    rows.push(row);
  }
  lines.push(grid(rows));
  const reasons = figureKeys
    .map((k) => report.figures[k])
    .filter((f) => f.value === null && f.reason)
    .map((f) => `  ${f.name}: ${f.reason}`);
  if (reasons.length > 0) lines.push("", "Not computable:", ...reasons);
  const lt = report.figures.leadTime;
  if (lt.value !== null && typeof lt.details.p90 === "number") {
    lines.push("", `Lead time p90: ${formatValue("seconds", lt.details.p90)}`);
  }
  const warnings = options.byCohort
    ? report.warnings
    : report.warnings.filter((w) => !w.includes("too few to compare cohorts"));
  if (warnings.length > 0)
    lines.push("", "Warnings:", ...warnings.slice(0, 20).map((w) => `  ${w}`));
  if (warnings.length > 20)
    lines.push(`  … and ${warnings.length - 20} more (see --json)`);
  return lines.join("\n");
}
