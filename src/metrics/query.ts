import { AppError, parseDuration } from "../kernel/index.js";
import type { DoraOptions } from "./dora/compute.js";
import type { ReportYear } from "./dora/levels.js";

/** The span grammar (kernel's duration grammar, a unit required), for messages and `--help`. */
const spanGrammar =
  "a number and a unit: s, m (minutes), h, d, w, mo (30 days) or y (365 days), e.g. 90d, 6mo, 3y, 1y6mo";

/**
 * A window of time in kernel's duration grammar (`90d`, `12w`, `6mo`, `3y`, `1y6mo`, `2 weeks`)
 * → milliseconds; a bare number or anything else is an INVALID_ARGUMENT naming `flag`.
 */
export function parseSpan(text: string, flag = "--since"): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new AppError(
      "INVALID_ARGUMENT",
      `${flag} must be ${spanGrammar}; not '${text}'`,
    );
  if (ms <= 0)
    throw new AppError("INVALID_ARGUMENT", `${flag} must be longer than 0`);
  return ms;
}

/** The figure options as text (CLI flags or query parameters); defaults as `sluice metrics`. */
export interface DoraQuery {
  project?: string | undefined;
  env?: string | undefined;
  since?: string | undefined;
  year?: string | undefined;
  incidentWindow?: string | undefined;
  minSamples?: string | undefined;
}

/**
 * Parses figure options; `name` turns an option's name into how the caller spells it
 * (`--incident-window` on the command line, `incident-window` in a query string).
 */
export function parseDoraQuery(
  q: DoraQuery,
  name: (option: string) => string = (o) => `--${o}`,
): DoraOptions {
  const minSamples = Number(q.minSamples ?? "10");
  if (!Number.isInteger(minSamples) || minSamples < 1)
    throw new AppError(
      "INVALID_ARGUMENT",
      `${name("min-samples")} must be a positive integer`,
    );
  return {
    project: q.project || undefined,
    environment: q.env || "production",
    windowMs: parseSpan(q.since ?? "90d", name("since")),
    year: parseYear(q.year ?? "2024", name("year")),
    incidentWindowMs: parseSpan(
      q.incidentWindow ?? "24h",
      name("incident-window"),
    ),
    minCohortSamples: minSamples,
  };
}

function parseYear(text: string, flag: string): ReportYear {
  if (text === "2022" || text === "2023" || text === "2024")
    return Number(text) as ReportYear;
  throw new AppError(
    "INVALID_ARGUMENT",
    `${flag} must be 2022, 2023 or 2024 (the reports with performance clusters), not '${text}'`,
  );
}

/** The report as `sluice metrics --json` prints it: the cohort split only when asked for. */
export function reportJson<R extends { cohorts: unknown }>(
  report: R,
  byCohort: boolean,
): R | Omit<R, "cohorts"> {
  if (byCohort) return report;
  const { cohorts: _cohorts, ...rest } = report;
  return rest;
}
