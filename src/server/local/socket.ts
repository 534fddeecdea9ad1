import { chmodSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connect } from "node:net";
import type { FastifyInstance } from "fastify";
import { AppError, messageOf } from "../../kernel/index.js";
import { sluiceVersion } from "./address.js";
import { markLocalPeer } from "./peer.js";

/** Whether something accepts connections on the socket (a live server, or a hung one). */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** How long a stopping socket lets the answers being written end before it cuts them. */
const cutAfterMs = 5_000;

export interface SocketListener {
  path: string;
  /** Requests in flight on the socket. */
  inFlight(): number;
  /** Stops accepting, ends open connections and removes the socket file. */
  close(): Promise<void>;
}

export interface SocketOptions {
  /** Told when a request begins and when its response is done (the idle timer). */
  onRequest?: () => void;
  onResponseDone?: () => void;
  /** The store served (`storeOf`), told on every answer as `x-sluice-store`. */
  store?: string;
}

/**
 * Serves the Fastify app on a Unix socket too (mode 0600: only the owner connects, and every
 * connection is marked as the local peer, admin of this server). A socket file whose server is
 * gone (nobody accepts) is removed first; a live one is a CONFLICT.
 */
export async function listenOnSocket(
  app: FastifyInstance,
  path: string,
  options: SocketOptions = {},
): Promise<SocketListener> {
  if (await socketAnswers(path))
    throw new AppError(
      "CONFLICT",
      `a server already answers on ${path}: \`sluice server status\``,
    );
  rmSync(path, { force: true });
  let inFlight = 0;
  const http = createServer(
    (request: IncomingMessage, response: ServerResponse) => {
      inFlight++;
      options.onRequest?.();
      response.once("close", () => {
        inFlight--;
        options.onResponseDone?.();
      });
      // Clients compare it on every answer: a server of another version is replaced.
      response.setHeader("x-sluice-version", sluiceVersion);
      if (options.store) response.setHeader("x-sluice-store", options.store);
      app.routing(request, response);
    },
  );
  http.on("connection", markLocalPeer);
  // Owner-only from its creation: no moment where another user could connect.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(path, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    throw new AppError(
      "STORE_UNAVAILABLE",
      `cannot listen on ${path}: ${messageOf(error)}`,
      { cause: error },
    );
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  let closed: Promise<void> | undefined;
  return {
    path,
    inFlight: () => inFlight,
    close() {
      // The name goes first: a command from now on finds no server and starts a new one.
      rmSync(path, { force: true });
      closed ??= new Promise<void>((resolve) => {
        // Answers being written end first (the last events of the runs that just ended, or
        // were handed back, reach their terminals); one that would not end is cut.
        const cut = setTimeout(() => http.closeAllConnections(), cutAfterMs);
        cut.unref();
        http.close(() => {
          clearTimeout(cut);
          resolve();
        });
        http.closeIdleConnections();
      });
      return closed;
    },
  };
}
