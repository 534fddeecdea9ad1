import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import { EnvironmentParams, urlName } from "../params.js";
import type { RouteModule } from "../types.js";
import { deploymentRoutes } from "./deployments.js";
import { progressOf, rolloutDrives, RolloutLines } from "./rollout-stream.js";
import type { ZodTypeProvider } from "../zod-provider.js";

const verbs = ["promote", "abort", "retry", "undo", "resume"] as const;
type Verb = (typeof verbs)[number];
const isVerb = (text: string): text is Verb =>
  (verbs as readonly string[]).includes(text);

/** `?project=NAME`: the server has no working folder to default to. */
const ProjectQuery = z.object({
  project: z.string("send the project as ?project=NAME").trim().pipe(urlName),
});

/**
 * `POST .../promote {"full": true}` skips every remaining step; `POST .../undo {"toRelease":
 * "v1"}` goes back to that earlier release; other verbs take no body.
 */
const SteerBody = z
  .object({ full: z.boolean().optional(), toRelease: urlName.optional() })
  .nullish();

const iso = z.string().nullable().describe("ISO 8601 time, or null");

/** A rollout as `sluice rollout status --json` prints it (`rolloutView` in deploy). */
const RolloutView = z
  .object({
    rollout: z.string(),
    deployment: z.string(),
    project: z.string(),
    environment: z.string(),
    strategy: z.enum(["canary", "blue-green"]),
    release: z.string().nullable(),
    stable: z.string().nullable(),
    phase: z.string(),
    aborted: z.boolean(),
    message: z.string(),
    weight: z.number(),
    endpoint: z.string().optional(),
    steps: z.array(
      z.object({
        index: z.number().int(),
        weight: z.number().optional(),
        pause: z.string().optional(),
        analysis: z.string().optional(),
        state: z.string().describe("done, current or pending"),
      }),
    ),
    analysisRuns: z.array(
      z.object({
        id: z.string(),
        template: z.string(),
        step: z.number().int(),
        phase: z.string(),
        startedAt: iso,
        finishedAt: iso,
        metrics: z.array(
          z.object({
            name: z.string(),
            phase: z.string(),
            successful: z.number(),
            failed: z.number(),
            inconclusive: z.number(),
            error: z.number(),
            measurements: z.array(
              z.object({
                phase: z.string(),
                value: z.unknown(),
                message: z.string().optional(),
                at: iso,
              }),
            ),
          }),
        ),
      }),
    ),
    timeline: z.array(
      z.object({
        at: iso,
        event: z.string(),
        step: z.number().optional(),
        weight: z.number().optional(),
        detail: z.string().optional(),
      }),
    ),
    startedAt: iso,
    finishedAt: iso,
  })
  .describe("the rollout");

/** The rollout with its outcome and what the target really serves (`inspect` in deploy). */
const RolloutReport = RolloutView.extend({
  commit: z.string().optional(),
  outcome: z.enum(["promoted", "failed", "paused", "aborted", "progressing"]),
  serving: z
    .boolean()
    .describe("whether the target serves what the rollout says"),
  notServing: z.string().optional().describe("what the target serves instead"),
}).describe("the rollout, its outcome and what the target serves");

/** `sluice releases --json`: a project's releases and deployments, newest first. */
const ReleasesView = z
  .object({
    project: z.string(),
    releases: z.array(
      z.object({
        id: z.string(),
        project: z.string(),
        version: z.string(),
        command: z.string(),
        port: z.number().optional(),
        env: z.record(z.string(), z.string()),
        cwd: z.string().optional(),
        health: z.string(),
        commit: z.string().optional(),
        createdAt: iso,
      }),
    ),
    deployments: z.array(
      z.object({
        id: z.string(),
        project: z.string(),
        environment: z.string(),
        releaseId: z.string(),
        previousReleaseId: z.string().nullable(),
        release: z.string(),
        previousRelease: z.string().nullable(),
        status: z.string(),
        reason: z.string().nullable(),
        incidentId: z.string().nullable(),
        startedAt: iso,
        finishedAt: iso,
      }),
    ),
  })
  .describe("the project's releases and deployments, newest first");

/** A viewer of the project sees its rollout; an approver steers it (ADR 093). */
const viewer = {
  config: { auth: { kind: "role", role: "viewer", project: "query" } },
} as const;
const approver = {
  config: { auth: { kind: "role", role: "approver", project: "query" } },
} as const;

/**
 * Releases and rollouts over HTTP: `GET /api/v1/releases?project=NAME` (`sluice releases`), `GET /api/v1/rollouts/:environment` and
 * `GET /api/v1/rollouts/:environment/report` (what the target serves too) and
 * `POST /api/v1/rollouts/:environment/{promote,abort,retry,undo,resume}` (`?project=NAME`), the
 * operations of `sluice rollout ...`. A command streams the rollout's timeline entries as they
 * happen (application/x-ndjson), then its report when it ends or waits for a person again.
 * Deployments and stopping an environment are in `deployments.ts`. Resuming rollouts left
 * unfinished is the App's background work (`App.startBackground`), not this module's.
 */
export const deployRoutes: RouteModule<"deploy" | "metrics"> = (
  fastify,
  deps,
) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const send = rolloutDrives(fastify, deps.logger);
  deploymentRoutes(fastify, deps, send);
  // Looked up on each use: the app's deploy service, not the one at registration.
  const deploy = () => deps.app.deploy;

  server.get(
    "/api/v1/releases",
    {
      ...viewer,
      schema: {
        querystring: ProjectQuery,
        response: { 200: ReleasesView },
      },
    },
    async ({ query }) => deploy().history(query.project),
  );

  server.get(
    "/api/v1/rollouts/:environment",
    {
      ...viewer,
      schema: {
        params: EnvironmentParams,
        querystring: ProjectQuery,
        response: { 200: RolloutView },
      },
    },
    async ({ params, query }) =>
      deploy().view(await deploy().latest(query.project, params.environment)),
  );

  // `sluice rollout status`: the view with its outcome, asking the target what it serves (which
  // starts its daemon when it is gone, re-adopting its releases).
  server.get(
    "/api/v1/rollouts/:environment/report",
    {
      ...viewer,
      schema: {
        params: EnvironmentParams,
        querystring: ProjectQuery,
        response: { 200: RolloutReport },
      },
    },
    async ({ params, query }) =>
      deploy().inspect(
        await deploy().latest(query.project, params.environment),
      ),
  );

  server.post(
    "/api/v1/rollouts/:environment/:verb",
    {
      ...approver,
      schema: {
        params: EnvironmentParams.extend({ verb: urlName }),
        querystring: ProjectQuery,
        body: SteerBody,
        response: { 200: RolloutLines },
      },
    },
    async ({ params, query, body }, reply) => {
      const { environment, verb } = params;
      if (!isVerb(verb))
        throw new AppError(
          "NOT_FOUND",
          `no rollout command ${verb}: use ${verbs.join(", ")}`,
        );
      return send(reply, async (emit, signal) => {
        const record = await deploy().steer(query.project, environment, verb, {
          stopWhenPaused: true,
          signal,
          onProgress: (entry, status) => emit(progressOf(entry, status)),
          ...(body?.full ? { full: true } : {}),
          ...(body?.toRelease !== undefined
            ? { toRelease: body.toRelease }
            : {}),
        });
        return deploy().inspect(record);
      });
    },
  );
};
