import type { FastifyRequest } from "fastify";
import { AppError, messageOf } from "../../kernel/index.js";
import { z } from "zod";
import { EnvironmentParams, urlName } from "../params.js";
import type { RouteModule } from "../types.js";

const verbs = ["promote", "abort", "retry", "undo"] as const;
type Verb = (typeof verbs)[number];

/** `?project=NAME`: the server has no working folder to default to. */
const ProjectQuery = z.object({
  project: z.string("send the project as ?project=NAME").trim().pipe(urlName),
});

/** Every rollout route needs the server's admin token. */
const admin = {
  config: { auth: { kind: "admin" } },
  schema: { params: EnvironmentParams, querystring: ProjectQuery },
} as const;

function projectOf(request: FastifyRequest): string {
  return (request.query as { project: string }).project;
}

function environmentOf(request: FastifyRequest): string {
  return (request.params as { environment: string }).environment;
}

/**
 * Rollouts over HTTP, with the server's admin token: `GET /api/v1/rollouts/:environment` and
 * `POST /api/v1/rollouts/:environment/{promote,abort,retry,undo}` (`?project=NAME`), the same
 * operations as `sluice rollout ...`. A command answers when the rollout ends or waits for a
 * person again, like the CLI. On start, rollouts left unfinished are resumed.
 */
export const deployRoutes: RouteModule = (server, deps) => {
  // Looked up on each use: the app's deploy service, not the one at registration.
  const deploy = () => deps.app.deploy;
  server.addHook("onReady", async () => {
    // In the background: a rollout waiting in a timed pause must not hold the server's start.
    void deploy()
      .resumeUnfinished({ stopWhenPaused: true })
      .catch((error: unknown) =>
        deps.logger.error("unfinished rollouts could not be listed", {
          error: messageOf(error),
        }),
      );
  });

  server.get("/api/v1/rollouts/:environment", admin, async (request) =>
    deploy().view(
      await deploy().latest(projectOf(request), environmentOf(request)),
    ),
  );

  server.post(
    "/api/v1/rollouts/:environment/:verb",
    {
      ...admin,
      schema: {
        ...admin.schema,
        params: EnvironmentParams.extend({ verb: urlName }),
      },
    },
    async (request) => {
      const { verb } = request.params as { verb: string };
      if (!verbs.includes(verb as Verb))
        throw new AppError(
          "NOT_FOUND",
          `no rollout command ${verb}: use ${verbs.join(", ")}`,
        );
      const { full } = (request.body ?? {}) as { full?: unknown };
      const record = await deploy().steer(
        projectOf(request),
        environmentOf(request),
        verb as Verb,
        { stopWhenPaused: true, ...(full === true ? { full: true } : {}) },
      );
      return deploy().view(record);
    },
  );
};
