import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Evaluation } from "../../flags/index.js";
import { isValidFlagKey } from "../../flags/index.js";
import { toProblem } from "../errors.js";
import { streamPath } from "../auth-flag-key.js";
import { flagKeyOf } from "../route-auth.js";
import { problemContentType } from "../problem.js";
import type { RouteModule, ServerDeps } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";
import { ProblemBody } from "../openapi.js";
import { FlagSetDocument } from "./flag-responses.js";

/** OFREP 0.3.0 bodies (../shared/conformance/ofrep/service/openapi.yaml). */
const OfrepSuccess = z.object({
  key: z.string(),
  reason: z.string(),
  variant: z.string().optional(),
  value: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()),
});
type OfrepSuccess = z.input<typeof OfrepSuccess>;
const OfrepFailure = z.object({
  key: z.string().optional(),
  errorCode: z.string(),
  errorDetails: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
type OfrepFailure = z.input<typeof OfrepFailure>;

/** The bulk answer: every flag of the key's scope, evaluated for the context. */
const OfrepBulk = z
  .object({
    flags: z.array(z.union([OfrepSuccess, OfrepFailure])),
    metadata: z.record(z.string(), z.unknown()),
    eventStreams: z.array(
      z.object({
        type: z.literal("sse"),
        endpoint: z.object({ requestUri: z.string() }),
        inactivityDelaySec: z.number(),
      }),
    ),
  })
  .describe("every flag of the key's scope, evaluated");

const notModified = z
  .undefined()
  .describe("Not Modified: the ETag of If-None-Match is current");

/** `GET /api/v1/flag-sync`: the flag set itself, for in-process providers. */
const FlagSync = z
  .object({
    document: FlagSetDocument,
    version: z.number().int(),
    fractionalVersion: z.number().int(),
    stream: z.string(),
  })
  .describe("the flag set in flagd JSON, its version and its event stream");

/** The OFREP body of one evaluation; DEFAULT and DISABLED without a value mean "use your code default". */
function toOfrep(result: Evaluation): OfrepSuccess | OfrepFailure {
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A body sent to OFREP: `{"context": {...}}` or absent; it parses to the context. */
const OfrepBody = z.unknown().transform((body, ctx) => {
  if (body === undefined || body === null || body === "") return {};
  if (!isObject(body)) {
    ctx.addIssue({
      code: "custom",
      message: 'the request body must be a JSON object {"context": {...}}',
    });
    return z.NEVER;
  }
  const context = body.context;
  if (context === undefined || context === null) return {};
  if (!isObject(context)) {
    ctx.addIssue({
      code: "custom",
      path: ["context"],
      message: "must be a JSON object",
    });
    return z.NEVER;
  }
  return context;
});

/** `/ofrep/v1/evaluate/flags/:key`: any text; a key that cannot name a flag is FLAG_NOT_FOUND. */
const KeyParams = z.object({ key: z.string() });

/** Every route here takes a flag API key; the key alone selects project and environment. */
const flagKey = { config: { auth: { kind: "flagKey" } } } as const;

/**
 * How often open event streams check that their key is still valid (a store query per distinct
 * key): a key revoked by another process closes its streams within this, well inside the 30 s
 * bound of ADR 061. A revocation through this process closes them at once.
 */
const streamKeyCheckMs = 10_000;

/** OFREP error bodies for 400 (the whole request), problem+json for the rest. */
function ofrepErrorHandler(deps: Pick<ServerDeps, "logger">) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, deps.logger);
    if (problem.status === 400) {
      const key = KeyParams.safeParse(request.params).data?.key;
      return reply.status(400).send({
        ...(key === undefined ? {} : { key }),
        errorCode: "INVALID_CONTEXT",
        errorDetails: problem.detail,
      });
    }
    return reply.status(problem.status).type(problemContentType).send(problem);
  };
}

/**
 * `POST /ofrep/v1/evaluate/flags/{key}`, bulk `POST /ofrep/v1/evaluate/flags`, and the SSE
 * stream. Writing evaluation times and picking up other processes' flag sets are the App's
 * background work (`App.startBackground`), not this module's.
 */
export const ofrepRoutes: RouteModule<"flags"> = (fastify, deps) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const flags = deps.app.flags;
  server.setErrorHandler(ofrepErrorHandler(deps));
  // Open event streams end when the server closes, so shutdown never waits on them.
  const streams = new Set<() => void>();
  /** The API key each open stream was authorized with: a revoked key's streams are ended. */
  const streamKeys = new Map<() => void, string>();
  const endStreamsOf = (keyId: string) => {
    for (const [end, id] of [...streamKeys]) if (id === keyId) end();
  };
  const unsubscribeRevoked = flags.onApiKeyRevoked(endStreamsOf);
  // Revocations by other processes sharing the database: ask the store, one query per key.
  const checkingKeys = setInterval(() => {
    const ids = new Set(streamKeys.values());
    for (const id of ids)
      flags.activeApiKeyScope(id).then(
        (scope) => {
          if (!scope) endStreamsOf(id);
        },
        (error: unknown) =>
          deps.logger.warn("cannot check the API key of event streams", {
            error: error instanceof Error ? error.name : typeof error,
          }),
      );
  }, streamKeyCheckMs);
  checkingKeys.unref();
  // preClose: before the server waits for open requests, which a stream never finishes.
  server.addHook("preClose", async () => {
    for (const end of streams) end();
  });
  server.addHook("onClose", async () => {
    clearInterval(checkingKeys);
    unsubscribeRevoked();
  });

  server.post(
    "/ofrep/v1/evaluate/flags/:key",
    {
      ...flagKey,
      schema: {
        params: KeyParams,
        body: OfrepBody,
        response: {
          200: OfrepSuccess.describe("the flag's value for the context"),
          400: OfrepFailure.describe("the context or the flag is invalid"),
          404: z
            .union([OfrepFailure, ProblemBody])
            .describe("no such flag (FLAG_NOT_FOUND)"),
        },
      },
    },
    async (request, reply) => {
      const { scope } = flagKeyOf(request);
      const { key } = request.params;
      const context = request.body;
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
    },
  );

  server.post(
    "/ofrep/v1/evaluate/flags",
    {
      ...flagKey,
      schema: {
        body: OfrepBody,
        response: { 200: OfrepBulk, 304: notModified },
      },
    },
    async (request, reply) => {
      const { scope, keyId } = flagKeyOf(request);
      const context = request.body;
      const live = await flags.current(scope);
      const payload = {
        flags: flags.evaluateAll(live, context).map(toOfrep),
        metadata: live.evaluator.metadata,
        eventStreams: [
          {
            type: "sse" as const,
            endpoint: { requestUri: streamPath(deps.adminToken, keyId) },
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
      // The serializer checks the body against OfrepBulk and writes these same bytes.
      return reply.send(payload);
    },
  );

  // The flag set itself, for in-process providers (SluiceProvider): ETag = the set's version hash.
  server.get(
    "/api/v1/flag-sync",
    { ...flagKey, schema: { response: { 200: FlagSync, 304: notModified } } },
    async (request, reply) => {
      const { scope, keyId } = flagKeyOf(request);
      const live = await flags.current(scope);
      const etag = `"${live.etag}"`;
      reply.header("etag", etag).header("cache-control", "no-cache");
      if (request.headers["if-none-match"] === etag)
        return reply.status(304).send();
      return {
        document: live.document,
        version: live.version,
        fractionalVersion: flags.fractionalVersion,
        stream: streamPath(deps.adminToken, keyId),
      };
    },
  );

  // A stream URL carries a token bound to one API key (route-auth.ts): it is checked, and the
  // key's revocation with it, on every (re)connect.
  server.get(
    "/ofrep/v1/events",
    {
      config: { auth: { kind: "flagKey", streamUrl: true } },
      schema: {
        querystring: z.object({
          key: z.string().optional().describe("the API key's id"),
          token: z.string().optional().describe("the stream URL's token"),
        }),
        response: {
          200: {
            description: "Server-Sent Events: refetchEvaluation on each change",
            content: { "text/event-stream": { schema: z.string() } },
          },
        },
      },
    },
    async (request, reply) => {
      const { scope, keyId } = flagKeyOf(request);
      const live = await flags.current(scope);
      reply.hijack();
      // Sent without Fastify's reply, so without its onSend hooks: counted for /metrics here.
      fastify.telemetry.countHijacked(request, 200);
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
      const keepAlive = setInterval(
        () => raw.write(": keep-alive\n\n"),
        30_000,
      );
      keepAlive.unref();
      const end = () => {
        clearInterval(keepAlive);
        unsubscribe();
        streams.delete(end);
        streamKeys.delete(end);
        raw.end();
      };
      streams.add(end);
      streamKeys.set(end, keyId);
      raw.on("close", end);
    },
  );
};
