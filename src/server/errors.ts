import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isAppError } from "../kernel/index.js";
import type { Logger } from "../kernel/index.js";
import { problem, problemContentType, statusOfCode } from "./problem.js";
import type { Problem } from "./problem.js";

/**
 * Turns any thrown value into a problem body: AppError by its code, Fastify's own errors
 * (body too large, bad JSON, wrong content type) by their status; anything else is a 500
 * whose message is logged, never sent.
 */
export function toProblem(error: unknown, logger: Logger): Problem {
  if (isAppError(error)) {
    const status = statusOfCode[error.code];
    if (status >= 500) logger.error(error.message, { code: error.code });
    return problem(status, error.code, error.message, error.location?.file);
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return problem(status, fastifyCode(status), publicMessage(fastifyError));
  }
  logger.error("unhandled error in a route", {
    error: error instanceof Error ? error.message : String(error),
  });
  return problem(500, "INTERNAL", "internal error");
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
