import type { FastifyRequest } from "fastify";
import type { App } from "../../app.js";
import { rolloutView } from "../../deploy/index.js";
import type { RolloutCommand, RolloutRecord } from "../../deploy/index.js";
import { AppError, messageOf } from "../../kernel/index.js";
import type { Logger } from "../../kernel/index.js";
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

/** The rollout as `sluice rollout status --json` prints it (without probing the target). */
async function view(app: App, record: RolloutRecord) {
  const ids = [record.status.canary.release, record.status.stable].filter(
    (x): x is string => Boolean(x),
  );
  const releases = Object.fromEntries(
    await Promise.all(
      ids.map(async (id) => [id, await app.deploy.store.getRelease(id)]),
    ),
  );
  return rolloutView(record, releases);
}

/**
 * Carries on every rollout left unfinished when sluice stopped (its processes are re-adopted
 * or restarted by the target). Runs in the background: a rollout waiting in a timed pause must
 * not hold the server's start; an indefinite pause stops the drive until someone promotes.
 */
async function resumeUnfinishedRollouts(
  app: App,
  logger: Logger,
  active: Set<string>,
): Promise<void> {
  const unfinished = await app.deploy.store.unfinishedRollouts();
  await Promise.all(
    unfinished.map(async (record) => {
      if (active.has(record.id)) return;
      active.add(record.id);
      logger.info("resuming rollout", {
        rollout: record.id,
        environment: record.environment,
      });
      try {
        await app.deploy.resume(record.id, { stopWhenPaused: true });
      } catch (error) {
        logger.error("rollout could not be resumed", {
          rollout: record.id,
          error: messageOf(error),
        });
      } finally {
        active.delete(record.id);
      }
    }),
  );
}

/**
 * Rollouts over HTTP, with the server's admin token: `GET /api/v1/rollouts/:environment` and
 * `POST /api/v1/rollouts/:environment/{promote,abort,retry,undo}` (`?project=NAME`), the same
 * operations as `sluice rollout ...`. A command answers when the rollout ends or waits for a
 * person again, like the CLI. On start, rollouts left unfinished are resumed.
 */
export const deployRoutes: RouteModule = (server, deps) => {
  const app = deps.app;
  /** Rollouts being driven by this server: one driver per rollout at a time. */
  const active = new Set<string>();
  server.addHook("onReady", async () => {
    void resumeUnfinishedRollouts(app, deps.logger, active).catch(
      (error: unknown) =>
        deps.logger.error("unfinished rollouts could not be listed", {
          error: messageOf(error),
        }),
    );
  });

  server.get("/api/v1/rollouts/:environment", admin, async (request) =>
    view(
      app,
      await app.deploy.latest(projectOf(request), environmentOf(request)),
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
      const project = projectOf(request);
      const environment = environmentOf(request);
      const latest = await app.deploy.latest(project, environment);
      if (active.has(latest.id))
        throw new AppError(
          "CONFLICT",
          `rollout ${latest.id} is being driven already: try again when it waits or ends`,
        );
      const { full } = (request.body ?? {}) as { full?: unknown };
      active.add(latest.id);
      try {
        const drive = { stopWhenPaused: true };
        let record: RolloutRecord;
        if (verb === "undo")
          record = await app.deploy.undo(project, environment, drive);
        else {
          const command: RolloutCommand =
            verb === "promote"
              ? { kind: "promote", ...(full === true ? { full: true } : {}) }
              : { kind: verb as "abort" | "retry" };
          record = await app.deploy.command(latest.id, command, drive);
        }
        return view(app, record);
      } finally {
        active.delete(latest.id);
      }
    },
  );
};
