import { createHash, createHmac } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Evaluation, FlagScope, FlagService } from "../../flags/index.js";
import { isValidFlagKey } from "../../flags/index.js";
import { AppError } from "../../kernel/index.js";
import { credentialOf, sameSecret } from "../auth.js";
import { toProblem } from "../errors.js";
import { problemContentType } from "../problem.js";
import type { RouteModule, ServerDeps } from "../types.js";

/** OFREP 0.3.0 bodies (../shared/conformance/ofrep/service/openapi.yaml). */
type OfrepSuccess = {
  key: string;
  reason: string;
  variant?: string;
  value?: unknown;
  metadata: Record<string, unknown>;
};
type OfrepFailure = {
  key: string;
  errorCode: string;
  errorDetails?: string;
  metadata?: Record<string, unknown>;
};

/** The OFREP body of one evaluation; DEFAULT and DISABLED without a value mean "use your code default". */
export function toOfrep(result: Evaluation): OfrepSuccess | OfrepFailure {
  if (result.reason === "ERROR")
    return {
      key: result.key,
      errorCode: result.errorCode ?? "GENERAL",
      ...(result.errorMessage ? { errorDetails: result.errorMessage } : {}),
      metadata: result.flagMetadata,
    };
  return {
    key: result.key,
    reason: result.reason,
    ...(result.variant === undefined ? {} : { variant: result.variant }),
    ...(result.value === undefined ? {} : { value: result.value }),
    metadata: result.flagMetadata,
  };
}

/** A context sent to OFREP: an object, or absent. Anything else is INVALID_CONTEXT. */
function contextOf(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === "") return {};
  if (typeof body !== "object" || Array.isArray(body))
    throw new AppError(
      "INVALID_ARGUMENT",
      'the request body must be a JSON object {"context": {...}}',
    );
  const context = (body as { context?: unknown }).context;
  if (context === undefined || context === null) return {};
  if (typeof context !== "object" || Array.isArray(context))
    throw new AppError("INVALID_ARGUMENT", "context must be a JSON object");
  return context as Record<string, unknown>;
}

/** The HMAC that authorizes an SSE stream URL for one scope (EventSource cannot send headers). */
export function streamToken(secret: string, scope: FlagScope): string {
  return createHmac("sha256", secret)
    .update(`${scope.project}\u0000${scope.environment}`)
    .digest("base64url");
}

function streamPath(secret: string, scope: FlagScope): string {
  const name = encodeURIComponent(`${scope.project}/${scope.environment}`);
  return `/ofrep/v1/events?scope=${name}&token=${streamToken(secret, scope)}`;
}

async function scopeOf(
  request: FastifyRequest,
  flags: FlagService,
): Promise<FlagScope> {
  const key = credentialOf(request);
  // The same answer for a missing and an unknown key, and before any flag is looked at:
  // a caller without a valid key learns nothing about which flags exist.
  const scope = key ? await flags.authenticate(key) : undefined;
  if (!scope)
    throw new AppError(
      "UNAUTHENTICATED",
      "a valid API key is required (Authorization: Bearer or X-API-Key)",
    );
  return scope;
}

/** OFREP error bodies for 400 (the whole request), problem+json for the rest. */
function ofrepErrorHandler(deps: ServerDeps) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, deps.logger);
    if (problem.status === 400) {
      const key = (request.params as { key?: string } | undefined)?.key;
      return reply.status(400).send({
        ...(key === undefined ? {} : { key }),
        errorCode: "INVALID_CONTEXT",
        errorDetails: problem.detail,
      });
    }
    return reply.status(problem.status).type(problemContentType).send(problem);
  };
}

/** `POST /ofrep/v1/evaluate/flags/{key}`, bulk `POST /ofrep/v1/evaluate/flags`, and the SSE stream. */
export const ofrepRoutes: RouteModule = (
  server: FastifyInstance,
  deps: ServerDeps,
) => {
  const flags = deps.app.flags;
  server.setErrorHandler(ofrepErrorHandler(deps));
  // Open event streams end when the server closes, so shutdown never waits on them.
  const streams = new Set<() => void>();
  // preClose: before the server waits for open requests, which a stream never finishes.
  server.addHook("preClose", async () => {
    for (const end of streams) end();
  });
  // Evaluation times (for the stale-flag report) are written in batches, not per request.
  const flushing = setInterval(() => {
    flags.live.flush().catch((error: unknown) => {
      deps.logger.warn("cannot record flag evaluation times", {
        error: String(error),
      });
    });
  }, 30_000);
  flushing.unref();
  // On Postgres other processes write flag sets too (replicas, CLIs): pick their versions up
  // every second, so a kill switch pulled anywhere reaches every replica's clients (ADR 061).
  // An embedded store has one writer, this process.
  const syncing =
    deps.app.database.kind === "postgres"
      ? setInterval(() => {
          flags.live.sync().catch((error: unknown) => {
            deps.logger.warn("cannot poll flag set versions", {
              error: String(error),
            });
          });
        }, 1_000)
      : undefined;
  syncing?.unref();
  server.addHook("onClose", async () => {
    clearInterval(flushing);
    clearInterval(syncing);
    await flags.live.flush().catch(() => {});
  });

  server.post("/ofrep/v1/evaluate/flags/:key", async (request, reply) => {
    const scope = await scopeOf(request, flags);
    const { key } = request.params as { key: string };
    const context = contextOf(request.body);
    if (!isValidFlagKey(key))
      return reply.status(404).send({
        key,
        errorCode: "FLAG_NOT_FOUND",
        errorDetails: "flag not found",
      });
    const body = toOfrep(await flags.evaluate(scope, key, context));
    if ("errorCode" in body)
      return reply
        .status(body.errorCode === "FLAG_NOT_FOUND" ? 404 : 400)
        .send(body);
    return reply.send(body);
  });

  server.post("/ofrep/v1/evaluate/flags", async (request, reply) => {
    const scope = await scopeOf(request, flags);
    const context = contextOf(request.body);
    const live = await flags.current(scope);
    const payload = {
      flags: flags.live.evaluateAll(live, context).map(toOfrep),
      metadata: live.evaluator.metadata,
      eventStreams: [
        {
          type: "sse",
          endpoint: { requestUri: streamPath(deps.adminToken, scope) },
          inactivityDelaySec: 120,
        },
      ],
    };
    const text = JSON.stringify(payload);
    // The ETag hashes the evaluated body: it changes when any result for this context changes,
    // including when a scheduled rollout crosses a step with no new flag-set version.
    const etag = `"${createHash("sha256").update(text).digest("base64url").slice(0, 27)}"`;
    reply.header("etag", etag).header("cache-control", "no-cache");
    const match = request.headers["if-none-match"];
    if (
      typeof match === "string" &&
      match.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)
    )
      return reply.status(304).send();
    return reply.type("application/json; charset=utf-8").send(text);
  });

  // The flag set itself, for in-process providers (SluiceProvider): ETag = the set's version hash.
  server.get("/api/v1/flag-sync", async (request, reply) => {
    const scope = await scopeOf(request, flags);
    const live = await flags.current(scope);
    const etag = `"${live.etag}"`;
    reply.header("etag", etag).header("cache-control", "no-cache");
    if (request.headers["if-none-match"] === etag)
      return reply.status(304).send();
    return {
      document: live.document,
      version: live.version,
      fractionalVersion: flags.fractionalVersion,
      stream: streamPath(deps.adminToken, scope),
    };
  });

  server.get("/ofrep/v1/events", async (request, reply) => {
    const query = request.query as { scope?: string; token?: string };
    let scope: FlagScope | undefined;
    const [project, environment] = (query.scope ?? "").split("/");
    if (project && environment && query.token) {
      const candidate = { project, environment };
      if (sameSecret(query.token, streamToken(deps.adminToken, candidate)))
        scope = candidate;
    }
    scope ??= await scopeOf(request, flags);
    const live = await flags.current(scope);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    raw.write(`retry: 1000\nid: ${live.version}\n: connected\n\n`);
    const unsubscribe = flags.onChange((change) => {
      if (
        change.scope.project !== scope.project ||
        change.scope.environment !== scope.environment
      )
        return;
      const data = JSON.stringify({
        type: "refetchEvaluation",
        etag: change.etag,
      });
      raw.write(`id: ${change.version}\nevent: message\ndata: ${data}\n\n`);
    });
    const keepAlive = setInterval(() => raw.write(": keep-alive\n\n"), 30_000);
    keepAlive.unref();
    const end = () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(end);
      raw.end();
    };
    streams.add(end);
    raw.on("close", end);
  });
};
