import type { Clock } from "../../kernel/index.js";
import type { Cohort, MetricsData } from "../model.js";
import { cohorts } from "../model.js";
import type { Figure, FigureKey } from "./figure.js";
import { figureKeys } from "./figure.js";
import type { Scope } from "./figures.js";
import {
  changeFailRate,
  deploymentFrequency,
  leadTime,
  recoveryTime,
  reworkRate,
} from "./figures.js";
import type { ReportYear } from "./levels.js";
import { defaultReportYear } from "./levels.js";
import type { Linked, Rejected } from "./link.js";
import { link } from "./link.js";
import type { ReportSources } from "./sources.js";
import { gitFirstParent, reportSources } from "./sources.js";

/** What to compute. The window ends at `to` (the clock's now by default) and starts `windowMs` before. */
export interface DoraOptions {
  project?: string | undefined;
  environment?: string | undefined;
  windowMs: number;
  to?: number | undefined;
  year?: ReportYear | undefined;
  /** Link an incident to the latest deployment within this span before it; 24 h by default. */
  incidentWindowMs?: number | undefined;
  /** Below this many samples in a cohort, comparing cohorts is flagged as unreliable; 10 by default. */
  minCohortSamples?: number | undefined;
}

export type Figures = Record<FigureKey, Figure>;

/** One cohort's figures, with how many changes and deployments it holds. */
export interface CohortFigures {
  changes: number;
  deployments: number;
  figures: Figures;
}

/** The result of `computeDora`: figures, cohort split, warnings and what was left out. */
export interface DoraReport {
  scope: {
    project: string | null;
    environment: string;
    from: string;
    to: string;
    year: ReportYear;
    incidentWindowHours: number;
    /** Below this many samples in a cohort, cohorts are not compared. */
    minCohortSamples: number;
    /** How the project was chosen (`sluice.yml name`, `--project`, …), when the caller says. */
    projectBasis?: string | undefined;
  };
  /** What counted as a deployment and an incident, and which sources can report failures. */
  sources: ReportSources;
  figures: Figures;
  cohorts: Record<Cohort, CohortFigures>;
  warnings: string[];
  unattributedIncidents: string[];
  rejected: Rejected[];
}

export const defaultIncidentWindowMs = 24 * 3_600_000;
export const defaultMinCohortSamples = 10;

const calculators: Record<FigureKey, (l: Linked, s: Scope) => Figure> = {
  deploymentFrequency,
  leadTime,
  changeFailRate,
  recoveryTime,
  reworkRate,
};

function figuresFor(linked: Linked, scope: Scope): Figures {
  const out = {} as Figures;
  for (const key of figureKeys) out[key] = calculators[key](linked, scope);
  return out;
}

/** The five DORA figures for one project, environment and window, overall and by cohort. Pure. */
export function computeDora(
  data: MetricsData,
  options: DoraOptions,
  clock: Clock,
): DoraReport {
  const environment = options.environment ?? "production";
  const to = options.to ?? clock.now();
  const from = to - options.windowMs;
  const year = options.year ?? defaultReportYear;
  const incidentWindowMs = options.incidentWindowMs ?? defaultIncidentWindowMs;
  const minSamples = options.minCohortSamples ?? defaultMinCohortSamples;
  const linked = link(data, {
    project: options.project,
    environment,
    incidentWindowMs,
  });
  // Every scope has the same shape (cohort undefined when overall): one object map for V8.
  const scope: Scope = { from, to, year, cohort: undefined };
  const figures = figuresFor(linked, scope);

  const changeCount: Record<Cohort, number> = {
    "ai-assisted": linked.aiChanges,
    unmarked: linked.changes.length - linked.aiChanges,
  };
  const byCohort = {} as Record<Cohort, CohortFigures>;
  for (const cohort of cohorts) {
    const f = figuresFor(linked, { from, to, year, cohort });
    byCohort[cohort] = {
      changes: changeCount[cohort],
      deployments: f.deploymentFrequency.samples,
      figures: f,
    };
  }

  const sources = reportSources(linked, data.incidents, {
    project: options.project,
    environment,
    from,
    to,
  });
  const warnings: string[] = [];
  if (sources.deployments.some((d) => d.source === gitFirstParent))
    warnings.push(
      "deployment frequency and lead time assume each first-parent commit went to production when it was committed " +
        "(git import without --deploy-tags); import release tags with --deploy-tags for release-based figures",
    );
  if (sources.deployments.some((d) => d.source.startsWith("git (")))
    warnings.push(
      "deployment rework rate of git-imported deployments is a proxy: those that ship a revert or hotfix commit",
    );
  for (const key of figureKeys) {
    // A figure no source can give is unknown for every cohort: nothing to compare.
    if (figures[key].missingSource) continue;
    const small = cohorts.filter(
      (c) => byCohort[c].figures[key].samples < minSamples,
    );
    if (small.length > 0) {
      warnings.push(
        `${figures[key].name}: ${small
          .map((c) => `${c} has ${byCohort[c].figures[key].samples} samples`)
          .join(", ")} (fewer than ${minSamples}); too few to compare cohorts`,
      );
    }
  }
  const unattributed = linked.unattributed.filter(
    (i) => i.openedAt >= from && i.openedAt < to,
  );
  if (unattributed.length > 0) {
    warnings.push(
      `${unattributed.length} incidents have no deployment within ${incidentWindowMs / 3_600_000} h before them; they are not counted as change failures`,
    );
  }
  for (const r of linked.rejected)
    warnings.push(`${r.kind} ${r.id} left out: ${r.reason}`);

  return {
    scope: {
      project: options.project ?? null,
      environment,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      year,
      incidentWindowHours: incidentWindowMs / 3_600_000,
      minCohortSamples: minSamples,
    },
    sources,
    figures,
    cohorts: byCohort,
    warnings,
    unattributedIncidents: unattributed.map((i) => i.id),
    rejected: linked.rejected,
  };
}

/** One week of the trend: its start and each figure's value (null when not computable). */
export interface TrendPoint {
  weekStart: string;
  values: Record<FigureKey, number | null>;
  byCohort: Record<Cohort, Record<FigureKey, number | null>>;
}

const weekMs = 7 * 86_400_000;

/** Figures per week over the window, oldest first; for the report's trend charts. Pure. */
export function weeklyTrend(
  data: MetricsData,
  options: DoraOptions,
  clock: Clock,
): TrendPoint[] {
  const environment = options.environment ?? "production";
  const to = options.to ?? clock.now();
  const from = to - options.windowMs;
  const year = options.year ?? defaultReportYear;
  const linked = link(data, {
    project: options.project,
    environment,
    incidentWindowMs: options.incidentWindowMs ?? defaultIncidentWindowMs,
  });
  const values = (f: Figures) => {
    const out = {} as Record<FigureKey, number | null>;
    for (const key of figureKeys) out[key] = f[key].value;
    return out;
  };
  const points: TrendPoint[] = [];
  const weeks = Math.ceil(options.windowMs / weekMs);
  for (let w = 0; w < weeks; w++) {
    const start = Math.max(from, to - (weeks - w) * weekMs);
    const end = to - (weeks - w - 1) * weekMs;
    const scope: Scope = { from: start, to: end, year, cohort: undefined };
    const byCohort = {} as Record<Cohort, Record<FigureKey, number | null>>;
    for (const cohort of cohorts)
      byCohort[cohort] = values(
        figuresFor(linked, { from: start, to: end, year, cohort }),
      );
    points.push({
      weekStart: new Date(start).toISOString(),
      values: values(figuresFor(linked, scope)),
      byCohort,
    });
  }
  return points;
}
