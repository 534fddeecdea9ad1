import { randomUUID } from "node:crypto";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isAppError } from "../kernel/index.js";
import type { Logger } from "../kernel/index.js";
import { problem, problemContentType, statusOfCode } from "./problem.js";
import type { Problem } from "./problem.js";

/**
 * Turns any thrown value into a problem body: AppError by its code, Fastify's own errors
 * (body too large, bad JSON, wrong content type) by their status; anything else is a 500.
 * Every 5xx carries a correlation id, logged with it. What is logged of an error that is not an
 * AppError is its class and driver code only: a driver's message holds the SQL and its
 * parameters (issue 10 item 8), so neither the log nor the client ever sees it.
 */
export function toProblem(error: unknown, logger: Logger): Problem {
  if (isAppError(error)) {
    const status = statusOfCode[error.code];
    if (status < 500)
      return {
        ...problem(status, error.code, error.message, error.location?.file),
        // A config the server read for a client (`sluice run`): the client shows it as it would.
        ...(error.location
          ? { line: error.location.line, column: error.location.column }
          : {}),
        ...(error.detail ? { frame: error.detail } : {}),
      };
    const correlationId = randomUUID();
    logger.error(error.message, { code: error.code, correlationId });
    return {
      ...problem(status, error.code, error.message, error.location?.file),
      correlationId,
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return problem(status, fastifyCode(status), publicMessage(fastifyError));
  }
  const correlationId = randomUUID();
  logger.error("unhandled error in a route", {
    correlationId,
    ...describe(error),
  });
  return {
    ...problem(
      500,
      "INTERNAL",
      `internal error; quote correlation id ${correlationId} to the operator`,
    ),
    correlationId,
  };
}

/** The class of an error and of its causes, with SQLSTATE-like codes: never a message. */
function describe(error: unknown): { error: string; codes?: string } {
  const names: string[] = [];
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    if (current instanceof Error) {
      names.push(current.name);
      const code = "code" in current ? current.code : undefined;
      if (typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code))
        codes.push(code);
      current = current.cause;
    } else {
      names.push(typeof current);
      current = undefined;
    }
  }
  return {
    error: names.join(" <- "),
    ...(codes.length > 0 ? { codes: codes.join(",") } : {}),
  };
}

/** The error handler registered on the root instance. */
export function problemHandler(logger: Logger) {
  return (error: unknown, _request: FastifyRequest, reply: FastifyReply) => {
    const body = toProblem(error, logger);
    return reply.status(body.status).type(problemContentType).send(body);
  };
}

function fastifyCode(status: number): string {
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 403) return "FORBIDDEN";
  if (status === 404) return "NOT_FOUND";
  if (status === 413) return "PAYLOAD_TOO_LARGE";
  if (status === 415) return "UNSUPPORTED_MEDIA_TYPE";
  if (status === 429) return "RATE_LIMITED";
  return "INVALID_ARGUMENT";
}

/** Fastify's messages for client errors are safe to show (they name limits and media types). */
function publicMessage(error: Partial<FastifyError>): string {
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return "request body is too large";
  if (
    error.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    error.name === "SyntaxError"
  )
    return "request body is not valid JSON";
  return error.message ?? "bad request";
}
