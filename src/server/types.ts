import type { FastifyInstance } from "fastify";
import type { App } from "../app.js";
import type { Logger } from "../kernel/index.js";
import type { ServerControl } from "./local/control.js";

/** What the server gets: the services it serves (`A`, the whole App by default) and its admin token. */
export interface ServerDeps<A = App> {
  app: A;
  logger: Logger;
  /** The token of `$SLUICE_HOME/server.json`: it authorizes management routes for the local CLI. */
  adminToken: string;
  /** The audit actor of requests made with the admin token (default "admin"). */
  adminName?: string;
  /** The serving process (version, mode, stop), for `routes/server.ts`; absent in tests. */
  control?: ServerControl;
}

/**
 * One capability's routes. Registered inside its own encapsulated plugin, so a module may set
 * its own error handler or hooks without touching the others. `K` names the App services the
 * module uses (`RouteModule<"flags">`): it gets those, not the whole App.
 */
export type RouteModule<K extends keyof App = keyof App> = (
  server: FastifyInstance,
  deps: ServerDeps<Pick<App, K>>,
) => void | Promise<void>;
