import { request } from "node:http";
import type { IncomingMessage } from "node:http";
import { AppError } from "../../kernel/index.js";
import type { ErrorCode } from "../../kernel/index.js";

/** An HTTP answer read whole. */
export interface Answer {
  status: number;
  body: string;
  /** The server's sluice version (`x-sluice-version`, sent on the local socket). */
  version?: string | undefined;
  /** The store the server serves (`x-sluice-store`). */
  store?: string | undefined;
}

/** The header the local socket answers its sluice version in. */
const versionHeader = "x-sluice-version";

const codes = new Set<string>([
  "CONFIG_INVALID",
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "CONFLICT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "STORE_LOCKED",
  "STORE_UNAVAILABLE",
  "EXTERNAL",
  "TIMEOUT",
  "CANCELLED",
  "INTERNAL",
]);

/** The AppError a problem+json answer stands for (its code and detail), so exit codes match. */
export function problemError(
  answer: Pick<Answer, "status" | "body">,
  server = "the local server",
): AppError {
  try {
    const problem = JSON.parse(answer.body) as {
      code?: string;
      detail?: string;
      location?: string;
      line?: number;
      column?: number;
      frame?: string;
    };
    if (typeof problem.detail === "string")
      return new AppError(
        codes.has(problem.code ?? "")
          ? (problem.code as ErrorCode)
          : "INTERNAL",
        problem.detail,
        {
          // A problem in the user's sluice.yml, printed as when it was read in process.
          ...(problem.location !== undefined &&
          problem.line !== undefined &&
          problem.column !== undefined
            ? {
                location: {
                  file: problem.location,
                  line: problem.line,
                  column: problem.column,
                },
              }
            : {}),
          ...(problem.frame !== undefined ? { detail: problem.frame } : {}),
        },
      );
  } catch {
    // not a problem body: described below
  }
  return new AppError(
    "INTERNAL",
    `${server} answered ${answer.status} without a problem body`,
  );
}

/** Whether an error means nobody serves the socket (no file, or nobody accepts). */
export function isNoServer(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ECONNREFUSED" || code === "ENOTSOCK";
}

export interface CallOptions {
  body?: unknown;
  /** Who the change is by, for the audit (`x-sluice-actor`; the socket's peer is its owner). */
  actor?: string | undefined;
  /** Give up (an error with code ETIMEDOUT) when no answer comes in this time. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

function open(
  socketPath: string,
  method: string,
  path: string,
  options: CallOptions,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const body =
      options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: {
          ...(body
            ? {
                "content-type": "application/json",
                "content-length": Buffer.byteLength(body),
              }
            : {}),
          ...(options.actor
            ? { "x-sluice-actor": encodeURIComponent(options.actor) }
            : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      resolve,
    );
    req.on("error", reject);
    if (options.timeoutMs !== undefined)
      req.setTimeout(options.timeoutMs, () =>
        req.destroy(
          Object.assign(new Error("the local server does not answer"), {
            code: "ETIMEDOUT",
          }),
        ),
      );
    req.end(body);
  });
}

/** One request over the Unix socket, its answer read whole. */
export async function call(
  socketPath: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const response = await open(socketPath, method, path, options);
  let body = "";
  response.setEncoding("utf8");
  for await (const chunk of response) body += chunk as string;
  return {
    status: response.statusCode ?? 0,
    body,
    version: header(response, versionHeader),
    store: header(response, "x-sluice-store"),
  };
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A server of another sluice version answered: it is replaced, then asked again. */
export class OtherVersionError extends Error {
  constructor(readonly version: string | undefined) {
    super(`the local server is sluice ${version ?? "(unknown)"}`);
  }
}

/**
 * A streamed answer's lines (application/x-ndjson), each given to `onLine` as it arrives.
 * A non-200 answer throws its problem as an AppError.
 */
export async function streamLines(
  socketPath: string,
  path: string,
  options: {
    version: string;
    /** Checked on the answer, before any line (`checkStore` throws on another store). */
    checkStore?: (store: string | undefined) => void;
    signal?: AbortSignal | undefined;
    /** POSTed as JSON (a command whose answer streams), else a GET. */
    body?: unknown;
    actor?: string | undefined;
  },
  onLine: (line: string) => void | Promise<void>,
): Promise<void> {
  const response = await open(
    socketPath,
    options.body === undefined ? "GET" : "POST",
    path,
    {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.body === undefined ? {} : { body: options.body }),
      actor: options.actor,
    },
  );
  const version = header(response, versionHeader);
  if (version !== options.version) {
    response.destroy();
    throw new OtherVersionError(version);
  }
  try {
    options.checkStore?.(header(response, "x-sluice-store"));
  } catch (error) {
    response.destroy();
    throw error;
  }
  response.setEncoding("utf8");
  if (response.statusCode !== 200) {
    let body = "";
    for await (const chunk of response) body += chunk as string;
    throw problemError({ status: response.statusCode ?? 0, body });
  }
  let rest = "";
  for await (const chunk of response) {
    rest += chunk as string;
    let end: number;
    while ((end = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, end);
      rest = rest.slice(end + 1);
      if (line) await onLine(line);
    }
  }
}

/** JSON with its ISO 8601 times (`…At` fields) as Dates again, as the store returns them. */
export function parseWithDates<T>(text: string): T {
  return JSON.parse(text, (key, value: unknown) =>
    key.endsWith("At") &&
    typeof value === "string" &&
    /^\d{4}-\d\d-\d\dT/.test(value)
      ? new Date(value)
      : value,
  ) as T;
}
