import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import {
  alertmanagerEvents,
  genericEvents,
  githubEvents,
  pagerDutyEvents,
  parseDoraQuery,
  reportJson,
} from "../../metrics/index.js";
import type { MetricsService, RecordedEvents } from "../../metrics/index.js";
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
    { config: { auth: { kind: "webhook", source: "github" } } },
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
    { config: { auth: { kind: "webhook", source: "pagerduty" } } },
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
      schema: { querystring: z.object({ project: urlName.optional() }) },
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
        querystring: z.looseObject({
          project: urlName.optional(),
          env: urlName.optional(),
        }),
      },
    },
    async (request) => {
      const q: Record<string, unknown> = request.query;
      const text = (key: string): string | undefined => {
        const v = q[key];
        if (v === undefined) return undefined;
        if (typeof v !== "string")
          throw new AppError("INVALID_ARGUMENT", `${key} must be given once`);
        return v;
      };
      const by = text("by");
      if (by !== undefined && by !== "cohort")
        throw new AppError(
          "INVALID_ARGUMENT",
          `by takes 'cohort', not '${by}'`,
        );
      const options = parseDoraQuery(
        {
          project: text("project"),
          env: text("env"),
          since: text("since"),
          year: text("year"),
          incidentWindow: text("incident-window"),
          minSamples: text("min-samples"),
        },
        (option) => option,
      );
      const report = await deps.app.metrics.report(options);
      return reportJson(report, by === "cohort");
    },
  );

  server.post("/api/v1/metrics/events", metricsToken, async (request, reply) =>
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
