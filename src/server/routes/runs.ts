import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { App } from "../../app.js";
import { isAppError } from "../../kernel/index.js";
import { runLogEvents } from "../../pipeline/index.js";
import type { RunLogEvent } from "../../pipeline/index.js";
import { IdParams } from "../params.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";
import {
  RunDetail,
  RunList,
  RunListQuery,
  RunLogQuery,
} from "./run-responses.js";
import type { RunLogLine } from "./run-responses.js";

/**
 * The run routes: list runs, show one, and stream its step logs (live with `follow=true`).
 * The use cases are the run store's queries and pipeline's `runLogEvents`; these routes only
 * translate HTTP to them. Admin only: the local socket's owner, or the admin token.
 */
export const runRoutes: RouteModule<"runs" | "clock" | "logger" | "home"> = (
  fastify,
  deps,
) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const auth = { kind: "admin" } as const;

  server.get(
    "/api/v1/runs",
    {
      config: { auth },
      schema: {
        summary: "list recorded runs, newest first",
        querystring: RunListQuery,
        response: { 200: RunList },
      },
    },
    async (request) => {
      const { project, branch, status, limit } = request.query;
      return deps.app.runs.listRuns({
        limit,
        ...(project ? { project } : {}),
        ...(branch ? { branch } : {}),
        ...(status ? { status } : {}),
      });
    },
  );

  server.get(
    "/api/v1/runs/:id",
    {
      config: { auth },
      schema: {
        summary:
          "a run with its jobs and steps; the id may be a unique prefix or `last`",
        params: IdParams,
        response: { 200: RunDetail },
      },
    },
    async (request) => deps.app.runs.getRun(request.params.id),
  );

  server.get(
    "/api/v1/runs/:id/logs",
    {
      config: { auth },
      schema: {
        summary:
          "the step logs of a run as application/x-ndjson, one RunLogLine a line; with follow=true, streamed until the run ends",
        params: IdParams,
        querystring: RunLogQuery,
        response: {
          200: z
            .string()
            .describe("application/x-ndjson: one RunLogLine per line"),
        },
      },
    },
    async (request, reply) =>
      sendRunLogs(request, reply, deps.app, request.params.id, request.query),
  );
};

/**
 * Answers a run's step logs (pipeline's `runLogEvents`) as application/x-ndjson, live with
 * `follow`. For a client on another machine (`remote`), the step's log path, a path of this
 * server, is left out.
 */
export async function sendRunLogs(
  request: FastifyRequest,
  reply: FastifyReply,
  app: Pick<App, "runs" | "clock" | "home" | "logger">,
  id: string,
  query: { job?: string | undefined; follow: "true" | "false" },
  options: { remote?: boolean } = {},
): Promise<FastifyReply> {
  const stop = new AbortController();
  // The client went away (Ctrl-C on `sluice logs -f`): stop reading.
  request.raw.on("close", () => stop.abort());
  const events = runLogEvents(
    { runs: app.runs, clock: app.clock, home: app.home },
    id,
    { job: query.job, follow: query.follow === "true", signal: stop.signal },
  );
  // The first event resolves the run (NOT_FOUND and an unknown job become problem answers);
  // after that the status is sent and an error can only end the stream with an error line.
  const first = await events.next();
  const lines = Readable.from(
    ndjson(first, events, app.logger, options.remote === true),
  );
  // A stream is sent as it is, never through the serializer; the schema documents it.
  return reply.type("application/x-ndjson").send(lines as unknown as string);
}

async function* ndjson(
  first: IteratorResult<RunLogEvent>,
  rest: AsyncGenerator<RunLogEvent>,
  logger: { warn(message: string, fields?: Record<string, unknown>): void },
  remote: boolean,
): AsyncGenerator<string> {
  const line = (event: z.input<typeof RunLogLine>) =>
    `${JSON.stringify(
      remote && event.kind === "step" ? { ...event, logPath: null } : event,
    )}\n`;
  if (first.done) return;
  yield line(first.value);
  try {
    for await (const event of rest) yield line(event);
  } catch (error) {
    const code = isAppError(error) ? error.code : "INTERNAL";
    logger.warn("a run's log stream ended with an error", { code });
    yield line({
      kind: "error",
      code,
      detail: isAppError(error)
        ? error.message
        : "reading the logs failed; the server's log has the details",
    });
  }
}
