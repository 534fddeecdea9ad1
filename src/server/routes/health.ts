import { z } from "zod";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

const Health = z
  .object({ status: z.literal("ok") })
  .describe("the server is up and its database answers");

const Ready = z
  .object({ status: z.literal("ready") })
  .describe("the server takes work: its store answers and it is not stopping");

/**
 * `GET /healthz`: the server is up and its database answers. `GET /readyz`: it takes work
 * (while it stops, Fastify answers every new request, this one too, with 503). `GET /metrics`:
 * its own Prometheus metrics (requests, runs, queue depth, process), for the metrics token or
 * an admin.
 */
export const healthRoutes: RouteModule<"database" | "runs"> = (
  fastify,
  deps,
) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  server.get(
    "/healthz",
    {
      config: { auth: { kind: "public" } },
      schema: { response: { 200: Health } },
    },
    async () => {
      await deps.app.database.executeSql("select 1 as ok");
      return { status: "ok" as const };
    },
  );
  server.get(
    "/readyz",
    {
      config: { auth: { kind: "public" } },
      schema: { response: { 200: Ready } },
    },
    async () => {
      await deps.app.database.executeSql("select 1 as ok");
      return { status: "ready" as const };
    },
  );
  server.get(
    "/metrics",
    {
      config: { auth: { kind: "metrics" } },
      schema: {
        summary:
          "the server's own metrics in the Prometheus text format: sluice_http_requests_total, sluice_runs, sluice_queue_depth and the process",
        response: {
          200: z.string().describe("Prometheus text exposition format 0.0.4"),
        },
      },
    },
    async (request, reply) => {
      const text = await fastify.telemetry.scrape(await deps.app.runs.counts());
      return reply.type(fastify.telemetry.contentType).send(text);
    },
  );
};
