import { randomBytes } from "node:crypto";
import type { App } from "../../app.js";
import { buildServer } from "../app.js";
import type { ServerControl } from "./control.js";
import { IdleTimer } from "./idle.js";
import { localSocketPath } from "./address.js";
import { listenOnSocket } from "./socket.js";

export interface LocalServerOptions {
  /** Exit after this long with no request in flight. */
  idleMs: number;
  /** The audit actor of the socket's owner. */
  adminName?: string;
  /** The store it serves (`storeOf`), told to its clients. */
  store?: string;
}

/** A running on-demand server: `stopped` resolves with the reason it should stop. */
export interface LocalServer {
  socketPath: string;
  stopped: Promise<string>;
  close(): Promise<void>;
}

/**
 * The on-demand local server (DESIGN.md, process model): the same Fastify app as `sluice
 * serve`, on `$SLUICE_HOME/server.sock` only, stopping after `idleMs` without requests or when
 * asked (`POST /api/v1/server/stop`).
 */
export async function startLocalServer(
  app: App,
  options: LocalServerOptions,
): Promise<LocalServer> {
  let stop!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  let inFlight = () => 0;
  // Runs it executes: while one goes on the server is not idle, nor handed back.
  let runs = 0;
  let closed: Promise<void> | undefined;
  const control: ServerControl = {
    mode: "on-demand",
    startedAt: new Date(app.clock.now()),
    idleMs: options.idleMs,
    inFlight: () => inFlight() + runs,
    busy(busy) {
      runs += busy ? 1 : -1;
      if (closed) return;
      if (busy) idle.enter();
      else idle.leave();
    },
    stop,
  };
  const server = await buildServer({
    app,
    logger: app.logger,
    // No one holds this token: the socket's peer is admin without one, and no port is open.
    adminToken: randomBytes(32).toString("base64url"),
    ...(options.adminName ? { adminName: options.adminName } : {}),
    control,
  });
  const idle = new IdleTimer(app.clock, options.idleMs, () =>
    stop(`idle for ${options.idleMs} ms`),
  );
  const socket = await listenOnSocket(server, localSocketPath(app.home), {
    onRequest: () => idle.enter(),
    onResponseDone: () => idle.leave(),
    ...(options.store ? { store: options.store } : {}),
  }).catch(async (error: unknown) => {
    idle.cancel();
    await server.close();
    throw error;
  });
  inFlight = socket.inFlight;
  return {
    socketPath: socket.path,
    stopped,
    close() {
      closed ??= (async () => {
        idle.cancel();
        await socket.close();
        await server.close();
      })();
      return closed;
    },
  };
}
