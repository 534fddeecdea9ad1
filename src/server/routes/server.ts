import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import { sluiceVersion } from "../local/address.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

const ServerStatus = z
  .object({
    version: z.string().describe("the sluice version of the server"),
    pid: z.number().int(),
    mode: z
      .enum(["on-demand", "serve", "embedded"])
      .describe(
        "on-demand: started by a command, exits when idle; serve: `sluice serve`; embedded: no process control",
      ),
    startedAt: z.date().nullable(),
    idleMs: z.number().int().nullable(),
  })
  .describe("the serving process");

const StopRequest = z
  .object({
    handBack: z
      .boolean()
      .default(false)
      .describe(
        "stop only an idle on-demand server (a command that opens the store itself asks this)",
      ),
  })
  .default({ handBack: false });

/**
 * The serving process: who it is (clients compare the version) and `stop`. Admin only: the
 * local socket's owner, or the admin token.
 */
export const serverRoutes: RouteModule<never> = (fastify, deps) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const auth = { kind: "admin" } as const;
  server.get(
    "/api/v1/server",
    {
      config: { auth },
      schema: {
        summary: "the serving process: version, pid, mode, idle time",
        response: { 200: ServerStatus },
      },
    },
    async () => ({
      version: sluiceVersion,
      pid: process.pid,
      mode: deps.control?.mode ?? ("embedded" as const),
      startedAt: deps.control?.startedAt ?? null,
      idleMs: deps.control?.idleMs ?? null,
    }),
  );
  server.post(
    "/api/v1/server/stop",
    {
      config: { auth },
      schema: {
        summary:
          "stop the server gracefully (answered first); handBack: only an idle on-demand server",
        body: StopRequest,
        response: {
          202: z
            .object({ stopping: z.literal(true), pid: z.number().int() })
            .describe("the server is stopping"),
        },
      },
    },
    async (request, reply) => {
      const control = deps.control;
      if (!control)
        throw new AppError("CONFLICT", "this server cannot be stopped");
      if (request.body.handBack && control.mode !== "on-demand")
        throw new AppError(
          "CONFLICT",
          `the store is served by \`sluice serve\` (pid ${process.pid}); stop it first`,
        );
      if (request.body.handBack && control.inFlight() > 1)
        throw new AppError(
          "CONFLICT",
          `the local server (pid ${process.pid}) is answering other commands`,
        );
      // Stops after this answer is written.
      reply.raw.once("finish", () => control.stop("asked to stop"));
      return reply
        .status(202)
        .send({ stopping: true as const, pid: process.pid });
    },
  );
};
