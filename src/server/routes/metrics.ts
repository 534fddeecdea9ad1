import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import {
  alertmanagerEvents,
  GenericEvents,
  genericEvents,
  githubEvents,
  pagerDutyEvents,
  parseDoraQuery,
  reportJson,
} from "../../metrics/index.js";
import type { MetricsService, RecordedEvents } from "../../metrics/index.js";
import { parsedByHandler } from "../openapi.js";
import { urlName } from "../params.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

async function store(metrics: MetricsService, events: RecordedEvents) {
  const [changes, deployments, incidents] = [
    await metrics.recordChanges(events.changes),
    await metrics.recordDeploymentEvents(events.deployments),
    await metrics.recordIncidentEvents(events.incidents),
  ];
  return {
    received: {
      changes: events.changes.length,
      deployments: events.deployments.length,
      incidents: events.incidents.length,
    },
    new: { changes, deployments, incidents },
  };
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const metricsToken = { config: { auth: { kind: "metrics" } } } as const;

const counts = z.object({
  changes: z.number().int(),
  deployments: z.number().int(),
  incidents: z.number().int(),
});
/** What an ingestion endpoint answers: events received, and how many were new (idempotent). */
const Stored = z
  .object({ received: counts, new: counts })
  .describe("accepted: how many events came, how many were new");

/** A query option given at most once (a repeated one is a 400). */
const once = (name: string) =>
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
const DoraReport = z
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

/**
 * Metrics webhooks and the generic events endpoint. GitHub and PagerDuty deliveries must carry a
 * valid HMAC signature over the raw body, checked before the body is parsed (route-auth.ts);
 * their project comes from the signed payload only (GitHub: the repository's name; PagerDuty:
 * the service's name), never from the query string, which no signature covers. Alertmanager and
 * the generic endpoint need a bearer token (the server's admin token or the metrics token); an
 * Alertmanager receiver may name its project as `?project=NAME`. A failed check is 401 and
 * stores nothing; a payload of the wrong shape is 400 naming the field. `GET /api/v1/metrics`
 * (bearer token) answers the DORA figures as `sluice metrics --json` does.
 */
export const metricsRoutes: RouteModule<"metrics" | "clock"> = (
  fastify,
  deps,
) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  server.post(
    "/api/v1/metrics/webhooks/github",
    {
      config: { auth: { kind: "webhook", source: "github" } },
      schema: {
        body: z
          .unknown()
          .describe(
            "a GitHub webhook delivery (push, pull_request, deployment, deployment_status, workflow_run, release); the event is the X-GitHub-Event header",
          ),
        response: {
          202: Stored.extend({ event: z.string() }).describe(
            "accepted: the event, how many events came, how many were new",
          ),
        },
      },
    },
    async (request, reply) => {
      const event = header(request, "x-github-event");
      if (!event)
        throw new AppError("INVALID_ARGUMENT", "missing X-GitHub-Event header");
      const events = githubEvents(
        event,
        request.body,
        deps.app.metrics.detector,
      );
      return reply
        .status(202)
        .send({ event, ...(await store(deps.app.metrics, events)) });
    },
  );

  server.post(
    "/api/v1/metrics/webhooks/pagerduty",
    {
      config: { auth: { kind: "webhook", source: "pagerduty" } },
      schema: {
        body: z.unknown().describe("a PagerDuty V3 webhook delivery"),
        response: { 202: Stored },
      },
    },
    async (request, reply) => {
      const events = pagerDutyEvents(request.body);
      return reply.status(202).send(
        await store(deps.app.metrics, {
          changes: [],
          deployments: [],
          incidents: events,
        }),
      );
    },
  );

  server.post(
    "/api/v1/metrics/webhooks/alertmanager",
    {
      ...metricsToken,
      schema: {
        querystring: z.object({ project: urlName.optional() }),
        body: z.unknown().describe("an Alertmanager webhook notification"),
        response: { 202: Stored },
      },
    },
    async (request, reply) => {
      const { project } = request.query;
      const events = alertmanagerEvents(request.body, project);
      return reply.status(202).send(
        await store(deps.app.metrics, {
          changes: [],
          deployments: [],
          incidents: events,
        }),
      );
    },
  );

  // The figures, as `sluice metrics --json` prints them (`by=cohort` adds the cohort split).
  server.get(
    "/api/v1/metrics",
    {
      ...metricsToken,
      // Names reach the store's queries: no control characters (a NUL was a 500).
      schema: {
        querystring: z.object({
          project: urlName.optional(),
          env: urlName.optional(),
          since: once("since"),
          year: once("year"),
          "incident-window": once("incident-window"),
          "min-samples": once("min-samples"),
          by: once("by").describe("cohort: add the AI cohort split"),
        }),
        response: { 200: DoraReport },
      },
    },
    async (request) => {
      const q = request.query;
      const by = q.by;
      if (by !== undefined && by !== "cohort")
        throw new AppError(
          "INVALID_ARGUMENT",
          `by takes 'cohort', not '${by}'`,
        );
      const options = parseDoraQuery(
        {
          project: q.project,
          env: q.env,
          since: q.since,
          year: q.year,
          incidentWindow: q["incident-window"],
          minSamples: q["min-samples"],
        },
        (option) => option,
      );
      const report = await deps.app.metrics.report(options);
      return reportJson(report, by === "cohort");
    },
  );

  server.post(
    "/api/v1/metrics/events",
    {
      ...metricsToken,
      schema: {
        body: parsedByHandler(
          GenericEvents,
          "deployment and incident events from any tool",
        ),
        response: { 202: Stored },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(
          await store(
            deps.app.metrics,
            genericEvents(request.body, deps.app.clock.now()),
          ),
        ),
  );
};
