import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { AppError } from "../kernel/index.js";
import type { FailedAuthLimit } from "./auth-limiter.js";
import { problemHandler } from "./errors.js";
import { parseJsonBody } from "./json-body.js";
import { catalogRoutes } from "./openapi.js";
import { problem, problemContentType } from "./problem.js";
import { ServerTelemetry } from "./prometheus.js";
import { installAuthorization, refuseCredentialInUrl } from "./route-auth.js";
import { routeModules } from "./routes/index.js";
import type { RouteModule, ServerDeps } from "./types.js";
import { compileCheck, compileUnchangedCheck } from "./zod-provider.js";

/** How a validation message names the part of the request (`path parameter project: ...`). */
const partNames: Record<string, string> = {
  params: "path parameter",
  querystring: "query parameter",
  body: "body field",
  headers: "header",
};

/** Zod's answer for one part of a request: its output, or the first issue as a 400 problem. */
function validated(
  schema: z.ZodType,
  httpPart: string | undefined,
  data: unknown,
): { value: unknown } | { error: AppError } {
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data };
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join(".");
  return {
    error: new AppError(
      "INVALID_ARGUMENT",
      `${partNames[httpPart ?? ""] ?? "request"}${field ? ` ${field}` : ""}: ${issue.message}`,
    ),
  };
}

export interface ServerOptions {
  /** Largest request body in bytes; bigger bodies get a 413 problem. Default 1 MiB. */
  bodyLimit?: number;
  /** Route modules to register; default all of `routes/index.ts`. */
  routes?: RouteModule[];
  /** Failed authentications allowed per client address (default 50 a minute, then 429). */
  failedAuthLimit?: FailedAuthLimit;
}

/**
 * Builds the Fastify instance (not listening): one error handler that maps AppError codes to
 * problem+json bodies, one authorization mechanism driven by each route's `config.auth`
 * (`route-auth.ts`), zod schemas for params, query, bodies and responses (the OpenAPI document
 * is generated from them, `openapi.ts`), one JSON body parser, and every route module in its
 * own encapsulated plugin. Tests call `inject()` on it; `listen.ts` makes it
 * listen.
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
  // Route schemas are zod: the first issue becomes a 400 problem naming the part and field.
  // A value that is already what zod would answer stands as it is (`true`: Fastify keeps it).
  server.setValidatorCompiler(({ schema, httpPart }) => {
    const unchanged = compileUnchangedCheck(schema as z.ZodType);
    return (data: unknown) => {
      if (unchanged?.(data)) return true;
      return validated(schema as z.ZodType, httpPart, data);
    };
  });
  // A route's declared response schemas check what its handler answers: a body that drifted
  // from its schema is a 500 (logged with the route and the field, never the values), not a
  // silently different API. The bytes sent are the handler's value, as JSON.stringify writes it.
  // The check builds nothing for plain shapes (compileCheck); zod decides whatever it does not pass.
  server.setSerializerCompiler(({ schema, method, url, httpStatus }) => {
    const passes = compileCheck(schema as z.ZodType);
    return (data: unknown) => {
      if (!passes(data)) {
        const result = (schema as z.ZodType).safeParse(data);
        if (!result.success) {
          const issue = result.error.issues[0]!;
          deps.logger.error("a response does not match its declared schema", {
            route: `${method} ${url}`,
            status: httpStatus,
            field: issue.path.map(String).join("."),
            issue: issue.code,
          });
          throw new AppError(
            "INTERNAL",
            "the response does not match its declared schema",
          );
        }
      }
      return JSON.stringify(data);
    };
  });
  // Every route, as registered, for the OpenAPI document (`GET /openapi.json`).
  catalogRoutes(server);
  // One JSON parser for every route. A webhook's body stays the raw text here: its signature is
  // checked over those bytes before anything parses them (route-auth.ts, preValidation).
  server.removeContentTypeParser("application/json");
  server.addContentTypeParser(
    "application/json",
    { parseAs: "string" },
    (request, body, done) => {
      if (request.routeAuth?.kind === "webhook") return done(null, body);
      try {
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  // Requests are counted for `/metrics` before anything can refuse them.
  const telemetry = new ServerTelemetry();
  telemetry.install(server);
  server.decorate("telemetry", telemetry);
  installAuthorization(server, deps, {
    ...(options.failedAuthLimit
      ? { failedAuthLimit: options.failedAuthLimit }
      : {}),
  });
  // No route's authorization hook runs here: a credential in the URL is refused all the same.
  server.setNotFoundHandler((request, reply) => {
    refuseCredentialInUrl(request.url);
    return reply
      .status(404)
      .type(problemContentType)
      .send(
        problem(
          404,
          "NOT_FOUND",
          `no route for ${request.method} ${request.url.split("?")[0]}`,
        ),
      );
  });
  for (const register of options.routes ?? routeModules) {
    await server.register(async (scope) => {
      await register(scope, deps);
    });
  }
  await server.ready();
  return server;
}
