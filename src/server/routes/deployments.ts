import { isAbsolute } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { parseDeploySpec, supersededLine } from "../../deploy/index.js";
import { AppError } from "../../kernel/index.js";
import { EnvironmentParams, urlName } from "../params.js";
import type { App } from "../../app.js";
import type { ServerDeps } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";
import { progressOf, RolloutLines } from "./rollout-stream.js";
import type { RolloutWork } from "./rollout-stream.js";

/** `?project=NAME`: the server has no working folder to default to. */
const ProjectQuery = z.object({
  project: z.string("send the project as ?project=NAME").trim().pipe(urlName),
});

const sha = z
  .string()
  .regex(/^[0-9a-f]{4,64}$/i, "expected a commit SHA (hexadecimal)");

/** What `sluice deploy` sends: the environment, the spec as sluice.yml writes it, the commit. */
const DeployBody = z
  .object({
    environment: urlName,
    spec: z
      .record(z.string(), z.unknown())
      .describe(
        "the rollout as the sluice/deploy step's `with` takes it (strategy, steps, analysis, failure-action, kill-flags, proxy-port), with `release` {command, cwd (absolute), port?, env?, health?}",
      ),
    version: urlName
      .optional()
      .describe("the release's name (default: from the time)"),
    commit: sha.optional().describe("the commit the release was built from"),
    change: z
      .object({
        branch: z.string().nullable(),
        author: z.string().nullable(),
        authorEmail: z.string().nullable(),
        message: z.string(),
        trailers: z.record(z.string(), z.array(z.string())),
        authoredAt: z.iso.datetime(),
      })
      .optional()
      .describe(
        "the commit as a change (author, message, trailers), recorded for its lead time",
      ),
  })
  .refine((body) => !body.change || body.commit, {
    message: "a change needs its commit",
    path: ["change"],
  });

/**
 * `sluice deploy` and `sluice deploy stop` over HTTP: the deployment is recorded and driven in
 * this server (its local target's daemon and the rollout's driver belong to the server).
 * - `POST /api/v1/deployments?project=NAME` answers its timeline as it happens
 *   (application/x-ndjson, `RolloutLine`s), then the report when the rollout ends or waits for a
 *   person. A release runs a command as the server's Unix user, with the server's environment,
 *   in a folder of this machine: like `POST /api/v1/runs`, only the local socket's owner may ask
 *   (route-auth `local`, ADR 077).
 * - `POST /api/v1/environments/:environment/stop?project=NAME` stops every release of the
 *   environment and its proxy (approver, as aborting a rollout).
 */
export function deploymentRoutes(
  fastify: FastifyInstance,
  deps: ServerDeps<Pick<App, "deploy" | "metrics">>,
  send: (reply: FastifyReply, work: RolloutWork) => Promise<FastifyReply>,
): void {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const deploy = () => deps.app.deploy;

  server.post(
    "/api/v1/deployments",
    {
      config: { auth: { kind: "local" } },
      schema: {
        summary:
          "deploy a release to an environment and drive its rollout, streaming the timeline; answered when it ends or waits for a person",
        querystring: ProjectQuery,
        body: DeployBody,
        response: { 200: RolloutLines },
      },
    },
    async ({ query, body }, reply) => {
      const { project } = query;
      const { environment } = body;
      const spec = parseDeploySpec(body.spec, "sluice deploy");
      const release = spec.release;
      if (!release)
        throw new AppError(
          "INVALID_ARGUMENT",
          "no release command: set spec.release.command",
        );
      if (!release.cwd || !isAbsolute(release.cwd))
        throw new AppError(
          "INVALID_ARGUMENT",
          "spec.release.cwd must be an absolute folder of the server's machine",
        );
      return send(reply, async (emit, signal) => {
        // The change the deployment ships, for its lead time (idempotent per commit).
        if (body.change && body.commit) {
          const { authoredAt, ...change } = body.change;
          await deps.app.metrics.recordRun({
            ...change,
            project,
            commit: body.commit,
            createdAt: Date.parse(authoredAt),
          });
        }
        const record = await deploy().deploy({
          project,
          environment,
          spec,
          release,
          ...(body.version ? { version: body.version } : {}),
          ...(body.commit ? { commit: body.commit } : {}),
          onSuperseded: (old) =>
            emit({
              kind: "superseded",
              rollout: old.id,
              detail: supersededLine(old),
            }),
        });
        emit({
          kind: "started",
          rollout: record.id,
          deployment: record.deploymentId,
          project,
          environment,
        });
        const done = await deploy().drive(record.id, {
          stopWhenPaused: true,
          signal,
          onProgress: (entry, status) => emit(progressOf(entry, status)),
        });
        return deploy().inspect(done);
      });
    },
  );

  server.post(
    "/api/v1/environments/:environment/stop",
    {
      config: {
        auth: { kind: "role", role: "approver", project: "query" },
      },
      schema: {
        summary:
          "stop what serves an environment: every release and its proxy (refused while a rollout is unfinished)",
        params: EnvironmentParams,
        querystring: ProjectQuery,
        body: z.object({}).strict().nullish().describe("nothing, or {}"),
        response: {
          200: z
            .object({
              stopped: z.boolean().describe("whether anything was running"),
            })
            .describe("the environment serves nothing now"),
        },
      },
    },
    async ({ params, query }) => ({
      stopped: await deploy().stop(query.project, params.environment),
    }),
  );
}
