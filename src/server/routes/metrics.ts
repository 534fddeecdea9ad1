import type { FastifyRequest } from "fastify";
import { AppError } from "../../kernel/index.js";
import {
  alertmanagerEvents,
  genericEvents,
  githubEvents,
  pagerDutyEvents,
  parseDoraQuery,
  reportJson,
  verifyGithubSignature,
  verifyPagerDutySignature,
} from "../../metrics/index.js";
import type { MetricsService, RecordedEvents } from "../../metrics/index.js";
import { credentialOf, isAdmin, sameSecret } from "../auth.js";
import type { RouteModule } from "../types.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The body as received, for signature checks. */
    rawBody?: string;
  }
}

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

/**
 * Metrics webhooks and the generic events endpoint. GitHub and PagerDuty deliveries must carry a
 * valid HMAC signature over the raw body (checked before parsing, in constant time); Alertmanager
 * and the generic endpoint need a bearer token (the server's admin token or the metrics token).
 * A failed check is 401 and stores nothing; a payload of the wrong shape is 400 naming the field.
 * `GET /api/v1/metrics` (bearer token) answers the DORA figures as `sluice metrics --json` does.
 */
export const metricsRoutes: RouteModule = (server, deps) => {
  // Keep the raw body in this plugin only: signatures are computed over the exact bytes.
  server.addContentTypeParser(
    "application/json",
    { parseAs: "string" },
    (request, body, done) => {
      request.rawBody = body as string;
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(
          new AppError("INVALID_ARGUMENT", "request body is not valid JSON"),
          undefined,
        );
      }
    },
  );
  const secrets = deps.app.metricsWebhooks;
  const project = (request: FastifyRequest) => {
    const q = (request.query as Record<string, unknown> | undefined)?.project;
    return typeof q === "string" && q !== "" ? q : undefined;
  };
  const requireToken = (request: FastifyRequest) => {
    const token = credentialOf(request);
    const ok =
      token !== undefined &&
      (isAdmin(request, deps.adminToken) ||
        (secrets.token !== undefined && sameSecret(token, secrets.token)));
    if (!ok)
      throw new AppError(
        "UNAUTHENTICATED",
        "a valid bearer token is required for metrics events",
      );
  };

  server.post("/api/v1/metrics/webhooks/github", async (request, reply) => {
    if (
      !verifyGithubSignature(
        secrets.githubSecret,
        request.rawBody ?? "",
        header(request, "x-hub-signature-256"),
      )
    ) {
      throw new AppError(
        "UNAUTHENTICATED",
        secrets.githubSecret
          ? "missing or wrong X-Hub-Signature-256"
          : "GitHub webhooks are off: no webhook secret is configured (SLUICE_GITHUB_WEBHOOK_SECRET)",
      );
    }
    const event = header(request, "x-github-event");
    if (!event)
      throw new AppError("INVALID_ARGUMENT", "missing X-GitHub-Event header");
    const events = githubEvents(
      event,
      request.body,
      deps.app.metrics.detector,
      project(request),
    );
    return reply
      .status(202)
      .send({ event, ...(await store(deps.app.metrics, events)) });
  });

  server.post("/api/v1/metrics/webhooks/pagerduty", async (request, reply) => {
    if (
      !verifyPagerDutySignature(
        secrets.pagerDutySecret,
        request.rawBody ?? "",
        header(request, "x-pagerduty-signature"),
      )
    ) {
      throw new AppError(
        "UNAUTHENTICATED",
        "missing or wrong X-PagerDuty-Signature",
      );
    }
    const events = pagerDutyEvents(request.body, project(request));
    return reply.status(202).send(
      await store(deps.app.metrics, {
        changes: [],
        deployments: [],
        incidents: events,
      }),
    );
  });

  server.post(
    "/api/v1/metrics/webhooks/alertmanager",
    async (request, reply) => {
      requireToken(request);
      const events = alertmanagerEvents(request.body, project(request));
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
  server.get("/api/v1/metrics", async (request) => {
    requireToken(request);
    const q = (request.query ?? {}) as Record<string, unknown>;
    const text = (key: string): string | undefined => {
      const v = q[key];
      if (v === undefined) return undefined;
      if (typeof v !== "string")
        throw new AppError("INVALID_ARGUMENT", `${key} must be given once`);
      return v;
    };
    const by = text("by");
    if (by !== undefined && by !== "cohort")
      throw new AppError("INVALID_ARGUMENT", `by takes 'cohort', not '${by}'`);
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
  });

  server.post("/api/v1/metrics/events", async (request, reply) => {
    requireToken(request);
    return reply
      .status(202)
      .send(await store(deps.app.metrics, genericEvents(request.body)));
  });
};
