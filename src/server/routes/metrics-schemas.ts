import { z } from "zod";
import { urlName } from "../params.js";

/** A query option given at most once (a repeated one is a 400). */
export const once = (name: string) =>
  z.string(`${name} must be given once`).optional();

/** One DORA figure (`Figure` in metrics). */
const figure = z.object({
  key: z.string(),
  name: z.string(),
  value: z.number().nullable(),
  reason: z.string().optional(),
  missingSource: z.string().optional(),
  unit: z.enum(["deployments/day", "seconds", "ratio"]),
  samples: z.number(),
  level: z.unknown(),
  interval: z.unknown().optional(),
  details: z.record(z.string(), z.unknown()),
  drillDown: z.object({
    deployments: z.array(z.unknown()),
    changes: z.array(z.unknown()),
    incidents: z.array(z.unknown()),
  }),
});
/** `sluice metrics --json`: the DORA figures of a scope (`cohorts` with `by=cohort`). */
export const DoraReport = z
  .object({
    scope: z.object({
      project: z.string().nullable(),
      environment: z.string(),
      from: z.string(),
      to: z.string(),
      year: z.number().int(),
      incidentWindowHours: z.number(),
      minCohortSamples: z.number().int(),
      projectBasis: z.string().optional(),
    }),
    sources: z.object({
      deployments: z.array(z.unknown()),
      incidents: z.array(z.unknown()),
      failureSources: z.array(z.string()),
    }),
    figures: z.record(z.string(), figure),
    cohorts: z
      .record(
        z.string(),
        z.object({
          changes: z.number().int(),
          deployments: z.number().int(),
          figures: z.record(z.string(), figure),
        }),
      )
      .optional(),
    warnings: z.array(z.string()),
    unattributedIncidents: z.array(z.string()),
    rejected: z.array(
      z.object({ kind: z.string(), id: z.string(), reason: z.string() }),
    ),
  })
  .describe("the DORA figures");

/** The figure options of a query string (`sluice metrics --since ...`), each at most once. */
export const DoraQueryString = z.object({
  project: urlName.optional(),
  env: urlName.optional(),
  since: once("since"),
  year: once("year"),
  "incident-window": once("incident-window"),
  "min-samples": once("min-samples"),
});

/** `sluice metrics report`: the figures, their weekly trend and when they were computed. */
export const TrendReport = z
  .object({
    report: DoraReport,
    trend: z.array(
      z.object({
        weekStart: z.string(),
        values: z.record(z.string(), z.number().nullable()),
        byCohort: z.record(
          z.string(),
          z.record(z.string(), z.number().nullable()),
        ),
      }),
    ),
    generatedAt: z.string().describe("ISO 8601"),
  })
  .describe("the figures with their weekly trend");

/** `sluice metrics attribution`: each change with its cohort and the markers that decided it. */
export const AttributedChanges = z
  .object({
    changes: z.array(
      z.object({
        id: z.string(),
        project: z.string(),
        kind: z.enum(["commit", "pull_request"]),
        title: z.string().nullable(),
        author: z.string().nullable(),
        firstCommitAt: z.string().describe("ISO 8601"),
        cohort: z.string(),
        markers: z.array(
          z.object({
            tool: z.string(),
            field: z.string(),
            evidence: z.string(),
          }),
        ),
      }),
    ),
  })
  .describe("the changes, oldest first");
