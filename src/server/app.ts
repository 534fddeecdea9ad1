import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import { problemHandler } from "./errors.js";
import { problem, problemContentType } from "./problem.js";
import { routeModules } from "./routes/index.js";
import type { RouteModule, ServerDeps } from "./types.js";

export interface ServerOptions {
  /** Largest request body in bytes; bigger bodies get a 413 problem. Default 1 MiB. */
  bodyLimit?: number;
  /** Route modules to register; default all of `routes/index.ts`. */
  routes?: RouteModule[];
}

/**
 * Builds the Fastify instance (not listening): one error handler that maps AppError codes to
 * problem+json bodies, and every route module in its own encapsulated plugin. Tests call
 * `inject()` on it; `listen.ts` makes it listen.
 */
export async function buildServer(
  deps: ServerDeps,
  options: ServerOptions = {},
): Promise<FastifyInstance> {
  const server = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Flag keys and ids never need more; longer params are rejected before routing.
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });
  server.setErrorHandler(problemHandler(deps.logger));
  server.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type(problemContentType)
      .send(
        problem(
          404,
          "NOT_FOUND",
          `no route for ${request.method} ${request.url.split("?")[0]}`,
        ),
      ),
  );
  for (const register of options.routes ?? routeModules) {
    await server.register(async (scope) => {
      await register(scope, deps);
    });
  }
  await server.ready();
  return server;
}
