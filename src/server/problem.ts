import type { ErrorCode } from "../kernel/index.js";

/** The HTTP status of each AppError code: the one place codes become statuses. */
export const statusOfCode: Record<ErrorCode, number> = {
  CONFIG_INVALID: 422,
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  STORE_LOCKED: 503,
  STORE_UNAVAILABLE: 503,
  EXTERNAL: 502,
  TIMEOUT: 504,
  CANCELLED: 499,
  INTERNAL: 500,
};

/** An RFC 9457 problem body (`application/problem+json`), plus our stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  /** Where in the submitted document the problem is (a JSON path), when known. */
  location?: string;
  /** Where in that file, when the problem is in a document the server read (a sluice.yml). */
  line?: number;
  column?: number;
  /** Lines shown under the message (a code frame of the user's own file, a hint). */
  frame?: string;
  /** On a 5xx: the id logged with the error, for the operator to find it. */
  correlationId?: string;
}

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  499: "Client Closed Request",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Builds a problem body for a status and a user-facing message. */
export function problem(
  status: number,
  code: string,
  detail: string,
  location?: string,
): Problem {
  return {
    type: "about:blank",
    title: titles[status] ?? "Error",
    status,
    detail,
    code,
    ...(location ? { location } : {}),
  };
}

export const problemContentType = "application/problem+json; charset=utf-8";
