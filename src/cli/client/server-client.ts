/** A client of a server's HTTP API: what the commands need of it, local socket or remote URL. */
export interface ServerClient {
  /** GET/POST a JSON route; a problem answer throws as the AppError it stands for. */
  json<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T>;
  /** GET a streamed application/x-ndjson route, line by line. */
  lines(
    path: string,
    onLine: (line: string) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<void>;
}
