import { isAbsolute } from "node:path";
import { z } from "zod";
import { IdParams } from "../params.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";
import {
  CancelRequest,
  Cancelling,
  EventsQuery,
  Finding,
  Submitted,
} from "./run-responses.js";
import { sendEvents } from "./served-runs.js";

/** The environment a run's steps inherit: the client's, as they inherited its terminal's. */
export const ClientEnv = z
  .record(z.string(), z.string())
  .describe("the environment the run's steps inherit (the client's)");

/** The process that shows the run (its terminal), named when it goes away during the run. */
export const ClientPid = z
  .number()
  .int()
  .positive()
  .optional()
  .describe("the client's process, named when it goes away during the run");

/** Jobs of a run at once. */
export const MaxParallel = z.number().int().min(1).max(256);

const RunSubmit = z
  .object({
    cwd: z
      .string()
      .min(1)
      .max(4096)
      .refine(isAbsolute, "must be an absolute path")
      .describe("the folder the run is started from, on this machine"),
    config: z
      .string()
      .min(1)
      .max(4096)
      .describe(
        "sluice.yml or the folder holding it, relative to cwd (shown as given in errors)",
      ),
    job: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe("run only this job and the jobs it needs"),
    maxParallel: MaxParallel,
    workingTree: z
      .boolean()
      .default(false)
      .describe("run the working tree instead of a clean checkout of HEAD"),
    env: ClientEnv,
    clientPid: ClientPid,
  })
  .describe("a run of the pipeline of a repository on this machine");

/** `sluice run resume`: how the held run goes on (its hold approved). */
const RunResumeBody = z
  .object({
    maxParallel: MaxParallel.optional().describe(
      "jobs at most this many at once (default: the server's CPUs)",
    ),
    env: ClientEnv.optional().describe(
      "the environment the run's steps inherit (default: the server's)",
    ),
    clientPid: ClientPid,
  })
  .default({})
  .describe("continue a held run whose hold is approved");

/**
 * The runs this server executes for its clients (`sluice run` through the local server):
 * submit one or resume a held one, follow it as its terminal view shows it, cancel it (Ctrl-C),
 * read its findings. The use case is the App's served runs (pipeline's `createServedRuns`, in
 * this process); these routes only translate HTTP. Submitting and resuming run commands of a
 * folder of this machine with the client's environment: the local socket's owner only
 * (route-auth `local`); following, cancelling and reading findings for an admin.
 */
export const runSubmitRoutes: RouteModule<"runs" | "scan" | "served"> = async (
  fastify,
  deps,
) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const auth = { kind: "admin" } as const;
  const { app } = deps;
  const runs = () => app.served();
  // While a run goes on, however it started (submitted, resumed, continued by an approval), an
  // on-demand server neither idles out nor hands the store back.
  const unwatch = (await runs()).watchBusy((busy) =>
    deps.control?.busy?.(busy),
  );
  // A stopping server cancels the runs it drives and waits for them to be recorded.
  fastify.addHook("onClose", async () => {
    unwatch();
    await (await runs()).close();
  });

  server.post(
    "/api/v1/runs",
    {
      // It runs commands of a folder of this machine as the server's user: its owner only.
      config: { auth: { kind: "local" } },
      schema: {
        summary:
          "start a run of a repository on this machine, in this server; answers once it is recorded",
        body: RunSubmit,
        response: { 202: Submitted },
      },
    },
    async (request, reply) => {
      const started = await (await runs()).submit(request.body);
      return reply.code(202).send(started);
    },
  );

  server.post(
    "/api/v1/runs/:id/resume",
    {
      // As a submission: the run's commands run as the server's user, with the client's
      // environment. A run an approval continues needs no such request (ADR 104).
      config: { auth: { kind: "local" } },
      schema: {
        summary:
          "continue a held run whose hold is approved, in this server; answers once it runs again",
        params: IdParams,
        body: RunResumeBody,
        response: { 202: Submitted },
      },
    },
    async (request, reply) => {
      const resumed = await (
        await runs()
      ).resume({ runId: request.params.id, ...request.body });
      return reply.code(202).send(resumed);
    },
  );

  server.post(
    "/api/v1/runs/:id/cancel",
    {
      config: { auth },
      schema: {
        summary:
          "cancel a run this server executes (Ctrl-C); force: stop `always()` jobs too",
        params: IdParams,
        body: CancelRequest,
        response: { 202: Cancelling },
      },
    },
    async (request, reply) => {
      const runId = await (
        await runs()
      ).cancel(request.params.id, request.body.force);
      return reply.code(202).send({ runId, cancelling: true as const });
    },
  );

  server.get(
    "/api/v1/runs/:id/events",
    {
      config: { auth },
      schema: {
        summary:
          "what a run this server executes shows in its terminal, as application/x-ndjson from its start until it ends: steps started, lines, steps finished, the end",
        params: IdParams,
        querystring: EventsQuery,
        response: {
          200: z
            .string()
            .describe("application/x-ndjson: one RunLiveEvent per line"),
        },
      },
    },
    async (request, reply) =>
      sendEvents(request, reply, await runs(), request.params.id, {
        owner: request.query.owner === "true",
      }),
  );

  server.get(
    "/api/v1/runs/:id/findings",
    {
      config: { auth },
      schema: {
        summary:
          "what the run's scan steps found, and credentials its step logs masked",
        params: IdParams,
        response: { 200: z.array(Finding) },
      },
    },
    async (request) => {
      const run = await app.runs.getRun(request.params.id);
      return app.scan.findingsForRun(run.id);
    },
  );
};
