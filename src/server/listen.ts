import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { App } from "../app.js";
import { AppError, messageOf } from "../kernel/index.js";
import { buildServer } from "./app.js";
import type { ServerOptions } from "./app.js";
import type { ServerControl } from "./local/control.js";
import { removeServerFile, writeServerFile } from "./server-file.js";

export interface ListenOptions extends ServerOptions {
  port: number;
  host: string;
  /** The audit actor of requests made with the admin token (default "admin"). */
  adminName?: string;
  /** The serving process, for `GET /api/v1/server` and its stop route. */
  control?: ServerControl;
}

/** A listening server: its URL, and `close()` that stops it and removes `server.json`. */
export interface RunningServer {
  url: string;
  server: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Builds the server on an open App, listens, and records `{pid, url, adminToken}` in
 * `$SLUICE_HOME/server.json` so CLI commands go through it while it runs.
 */
export async function listen(
  app: App,
  options: ListenOptions,
): Promise<RunningServer> {
  const adminToken = randomBytes(32).toString("base64url");
  const server = await buildServer(
    {
      app,
      logger: app.logger,
      adminToken,
      ...(options.adminName ? { adminName: options.adminName } : {}),
      ...(options.control ? { control: options.control } : {}),
    },
    options,
  );
  try {
    await server.listen({ port: options.port, host: options.host });
  } catch (error) {
    await server.close().catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    throw new AppError(
      code === "EADDRINUSE" ? "CONFLICT" : "INVALID_ARGUMENT",
      code === "EADDRINUSE"
        ? `port ${options.port} on ${options.host} is already in use`
        : `cannot listen on ${options.host}:${options.port}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  const address = server.server.address();
  const port =
    typeof address === "object" && address ? address.port : options.port;
  const host =
    typeof address === "object" && address?.family === "IPv6"
      ? `[${address.address}]`
      : typeof address === "object" && address
        ? address.address
        : options.host;
  const url = `http://${host}:${port}`;
  writeServerFile(app.home, { pid: process.pid, url, adminToken });
  let closed: Promise<void> | undefined;
  return {
    url,
    server,
    close() {
      closed ??= (async () => {
        removeServerFile(app.home, process.pid);
        await server.close();
      })();
      return closed;
    },
  };
}
