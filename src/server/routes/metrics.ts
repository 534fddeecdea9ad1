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
import {
  AttributedChanges,
  DoraQueryString,
  DoraReport,
  once,
  TrendReport,
} from "./metrics-schemas.js";
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

/** The figure options of a query string, named as the query spells them in errors. */
const doraOptions = (q: z.output<typeof DoraQueryString>) =>
  parseDoraQuery(
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
        querystring: DoraQueryString.extend({
          by: once("by").describe("cohort: add the AI cohort split"),
        }),
        response: { 200: DoraReport },
      },
    },
    async (request) => {
      const { by, ...q } = request.query;
      if (by !== undefined && by !== "cohort")
        throw new AppError(
          "INVALID_ARGUMENT",
          `by takes 'cohort', not '${by}'`,
        );
      const report = await deps.app.metrics.report(doraOptions(q));
      return reportJson(report, by === "cohort");
    },
  );

  // `sluice metrics report --html`: the figures and their weekly trend, from one load.
  server.get(
    "/api/v1/metrics/trend",
    {
      ...metricsToken,
      schema: {
        querystring: DoraQueryString,
        response: { 200: TrendReport },
      },
    },
    async (request) => deps.app.metrics.trendReport(doraOptions(request.query)),
  );

  // `sluice metrics attribution`: each change of a project (or all) with its cohort.
  server.get(
    "/api/v1/metrics/changes",
    {
      ...metricsToken,
      schema: {
        querystring: z.object({ project: urlName.optional() }),
        response: { 200: AttributedChanges },
      },
    },
    async (request) => ({
      changes: await deps.app.metrics.attribution(request.query.project),
    }),
  );

  // The projects with data: `sluice metrics` names them when the current project has none.
  server.get(
    "/api/v1/metrics/projects",
    {
      ...metricsToken,
      schema: {
        response: {
          200: z
            .object({ projects: z.array(z.string()) })
            .describe("the projects with recorded deployments or changes"),
        },
      },
    },
    async () => ({ projects: await deps.app.metrics.projects() }),
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
