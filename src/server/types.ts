import type { FastifyInstance } from "fastify";
import type { App } from "../app.js";
import type { Logger } from "../kernel/index.js";

/** What every route module gets: the composition root and the server's own admin token. */
export interface ServerDeps {
  app: App;
  logger: Logger;
  /** The token of `$SLUICE_HOME/server.json`: it authorizes management routes for the local CLI. */
  adminToken: string;
  /** The audit actor of requests made with the admin token (default "admin"). */
  adminName?: string;
}

/**
 * One capability's routes. Registered inside its own encapsulated plugin, so a module may set
 * its own error handler or hooks without touching the others.
 */
export type RouteModule = (
  server: FastifyInstance,
  deps: ServerDeps,
) => void | Promise<void>;
